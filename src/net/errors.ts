import { SyndicateError } from '../errors.ts';

/**
 * Why a fetch failed. The kind decides whether it is retried (`transient`) and is what the crawl
 * summary counts; it is stored with every failed page.
 */
export type FailureKind =
  | 'timeout'
  | 'too-large'
  | 'off-site'
  | 'private-address'
  | 'too-many-redirects'
  | 'http-status'
  | 'rate-limited'
  | 'connection'
  | 'dns'
  | 'decoding'
  | 'content-type'
  | 'robots-unavailable'
  | 'parse'
  | 'aborted';

export class FetchError extends SyndicateError {
  readonly kind: FailureKind;
  readonly url: string;
  readonly status: number | undefined;
  /** Worth another try later (timeouts, resets, 5xx, 429). */
  readonly transient: boolean;
  /** What a 429 or 503 asked for, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** The message without the URL in front, for a caller that names the URL itself. */
  readonly reason: string;

  constructor(
    kind: FailureKind,
    url: string,
    message: string,
    details: { status?: number; transient?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super('fetch', `${url}: ${message}`, {}, { cause: details.cause });
    this.name = 'FetchError';
    this.kind = kind;
    this.url = url;
    this.status = details.status;
    this.transient = details.transient ?? false;
    this.retryAfterMs = details.retryAfterMs;
    this.reason = message;
  }
}

export function isFetchError(error: unknown): error is FetchError {
  return error instanceof FetchError;
}
