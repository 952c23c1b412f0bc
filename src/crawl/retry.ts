import { FetchError } from '../net/errors.ts';
import type { FetchResult } from '../net/http.ts';
import { backoffMs, parseRetryAfter } from './scheduler.ts';

/**
 * The retry policy, as a pure decision: given what one try of a request gave, whether to take
 * the answer, try again (after how long, with the host paused for a Retry-After), or give up
 * with an error. `PoliteClient` carries the decisions out.
 */

export interface RetryPolicy {
  /** Tries in all for a transient failure (the configuration's `retries`). */
  maxTries: number;
  /** The backoff's first step; it doubles with each try, with jitter. */
  retryDelayMs: number;
  /** A Retry-After longer than this is not waited for: the request fails. */
  maxRetryAfterMs: number;
}

export type RetryStep =
  | { action: 'accept'; result: FetchResult }
  | { action: 'retry'; waitMs: number; pauseHostMs?: number }
  | { action: 'give-up'; error: FetchError };

export interface TryOutcome {
  url: string;
  /** 1 for the first try. */
  attempt: number;
  result?: FetchResult;
  /** The classified failure when the try gave no response. */
  error?: FetchError;
  /** Epoch milliseconds, for Retry-After dates. */
  nowMs: number;
  random?: () => number;
}

export function retryStep(policy: RetryPolicy, outcome: TryOutcome): RetryStep {
  const { url, attempt, result, error } = outcome;
  if (result && result.status !== 429 && result.status < 500) return { action: 'accept', result };
  if (result) {
    const status = result.status;
    const retryAfter =
      status === 429 || status === 503
        ? parseRetryAfter(result.headers['retry-after'], outcome.nowMs)
        : undefined;
    const kind = status === 429 ? 'rate-limited' : 'http-status';
    if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) {
      return {
        action: 'give-up',
        error: new FetchError(kind, url, `HTTP ${status}, Retry-After ${retryAfter} ms is beyond the limit`, {
          status,
        }),
      };
    }
    if (attempt >= policy.maxTries) {
      return {
        action: 'give-up',
        error: new FetchError(kind, url, `HTTP ${status} after ${attempt} tries`, { status }),
      };
    }
    return retryAfter !== undefined
      ? { action: 'retry', waitMs: retryAfter, pauseHostMs: retryAfter }
      : { action: 'retry', waitMs: backoffMs(attempt, policy.retryDelayMs, outcome.random) };
  }
  if (error?.transient && attempt < policy.maxTries) {
    return { action: 'retry', waitMs: backoffMs(attempt, policy.retryDelayMs, outcome.random) };
  }
  return { action: 'give-up', error: error ?? new FetchError('connection', url, 'no response') };
}
