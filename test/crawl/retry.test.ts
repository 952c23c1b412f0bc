import { describe, expect, it } from 'vitest';
import { type RetryPolicy, retryStep } from '../../src/crawl/retry.ts';
import { FetchError } from '../../src/net/errors.ts';
import type { FetchResult } from '../../src/net/http.ts';

const policy: RetryPolicy = { maxTries: 3, retryDelayMs: 1000, maxRetryAfterMs: 300_000 };
const url = 'https://site.example/page';
const nowMs = Date.parse('2026-01-01T00:00:00Z');

function answer(status: number, headers: Record<string, string> = {}): FetchResult {
  return { url, finalUrl: url, status, headers, bytes: Buffer.alloc(0), truncated: false, redirects: [] };
}

describe('retry policy', () => {
  it.each([200, 304, 404, 410, 418])('takes an answer of HTTP %i as it is', (status) => {
    const step = retryStep(policy, { url, attempt: 1, result: answer(status), nowMs });
    expect(step).toMatchObject({ action: 'accept', result: { status } });
  });

  it('tries a 5xx again with backoff until maxTries, then gives up naming the tries', () => {
    const first = retryStep(policy, { url, attempt: 1, result: answer(502), nowMs, random: () => 0 });
    expect(first).toEqual({ action: 'retry', waitMs: 500 });
    const second = retryStep(policy, { url, attempt: 2, result: answer(502), nowMs, random: () => 1 });
    expect(second).toEqual({ action: 'retry', waitMs: 2000 });
    const last = retryStep(policy, { url, attempt: 3, result: answer(502), nowMs });
    expect(last.action).toBe('give-up');
    if (last.action !== 'give-up') return;
    expect(last.error.kind).toBe('http-status');
    expect(last.error.status).toBe(502);
    expect(last.error.message).toContain('after 3 tries');
  });

  it('waits what a 429 or 503 Retry-After asks and pauses the host for as long', () => {
    const seconds = retryStep(policy, {
      url,
      attempt: 1,
      result: answer(429, { 'retry-after': '7' }),
      nowMs,
    });
    expect(seconds).toEqual({ action: 'retry', waitMs: 7000, pauseHostMs: 7000 });
    const date = retryStep(policy, {
      url,
      attempt: 1,
      result: answer(503, { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }),
      nowMs,
    });
    expect(date).toEqual({ action: 'retry', waitMs: 30_000, pauseHostMs: 30_000 });
  });

  it('ignores Retry-After on a 500 and backs off instead', () => {
    const step = retryStep(policy, {
      url,
      attempt: 1,
      result: answer(500, { 'retry-after': '7' }),
      nowMs,
      random: () => 1,
    });
    expect(step).toEqual({ action: 'retry', waitMs: 1000 });
  });

  it('gives up at once on a Retry-After beyond the limit, as rate-limited for a 429', () => {
    const step = retryStep(policy, { url, attempt: 1, result: answer(429, { 'retry-after': '301' }), nowMs });
    expect(step.action).toBe('give-up');
    if (step.action !== 'give-up') return;
    expect(step.error.kind).toBe('rate-limited');
    expect(step.error.message).toContain('beyond the limit');
  });

  it('tries a transient failure again, but never a lasting one', () => {
    const timeout = new FetchError('timeout', url, 'no headers in 30 s', { transient: true });
    expect(retryStep(policy, { url, attempt: 1, error: timeout, nowMs, random: () => 0 })).toEqual({
      action: 'retry',
      waitMs: 500,
    });
    expect(retryStep(policy, { url, attempt: 3, error: timeout, nowMs })).toEqual({
      action: 'give-up',
      error: timeout,
    });
    const refused = new FetchError('private-address', url, 'loopback');
    expect(retryStep(policy, { url, attempt: 1, error: refused, nowMs })).toEqual({
      action: 'give-up',
      error: refused,
    });
  });

  it('with maxTries 1 never tries again', () => {
    const once = { ...policy, maxTries: 1 };
    expect(retryStep(once, { url, attempt: 1, result: answer(503), nowMs }).action).toBe('give-up');
  });
});
