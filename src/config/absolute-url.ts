import { z } from 'zod';

/**
 * Whether `value` is an absolute http(s) URL. It lives here rather than in `net/url.ts` (which
 * re-exports it) because the configuration validates URLs with it and stands before `net/` in the
 * layer order; everything after `config/` imports it from `net/url.ts`.
 */
export function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The schema of every absolute URL in configuration and article files. */
export const absoluteUrl = z
  .string()
  .trim()
  .refine(isAbsoluteHttpUrl, { message: 'must be an absolute http(s) URL' });
