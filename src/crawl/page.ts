import { createHash } from 'node:crypto';
import { decodeBody } from '../net/charset.ts';
import { FetchError } from '../net/errors.ts';
import type { FetchResult } from '../net/http.ts';
import type { PageSnapshot } from './snapshot.ts';

/** The media types a page snapshot keeps: HTML and XML. Everything else is skipped. */
export function mediaType(contentType: string | undefined, bytes: Buffer): string {
  const declared = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (declared) return declared;
  // No Content-Type: sniff the start, as browsers do for markup.
  const head = bytes
    .subarray(0, 512)
    .toString('latin1')
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase();
  if (head.startsWith('<?xml')) return 'application/xml';
  if (/^<(!doctype html|html|head|body|!--)/.test(head)) return 'text/html';
  return 'application/octet-stream';
}

export function isMarkup(type: string): boolean {
  return (
    type === 'text/html' ||
    type === 'application/xhtml+xml' ||
    type === 'text/xml' ||
    type === 'application/xml' ||
    /^application\/[a-z0-9.+-]+\+xml$/.test(type)
  );
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A page snapshot from a successful fetch. Throws a FetchError for a body that is not HTML or
 * XML, or one cut at the size limit.
 */
export function toPageSnapshot(result: FetchResult, fetchedAt: Date): PageSnapshot {
  if (result.truncated) {
    throw new FetchError('too-large', result.url, `body larger than ${result.bytes.length} bytes`);
  }
  const contentType = mediaType(result.headers['content-type'], result.bytes);
  if (!isMarkup(contentType)) {
    throw new FetchError('content-type', result.url, `not HTML or XML (${contentType})`);
  }
  return {
    url: result.url,
    finalUrl: result.finalUrl,
    status: result.status,
    headers: result.headers,
    fetchedAt: fetchedAt.toISOString(),
    contentType,
    body: decodeBody(result.bytes, result.headers['content-type']).text,
    bodyHash: sha256(result.bytes),
    exchange: { requestHeaders: result.requestHeaders ?? {}, bytes: result.bytes },
  };
}
