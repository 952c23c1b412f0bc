import { describe, expect, it } from 'vitest';
import { backoffMs, Politeness, parseRetryAfter } from '../../src/crawl/scheduler.ts';

describe('retry timing', () => {
  it('backs off exponentially with jitter inside [ceiling/2, ceiling]', () => {
    expect(backoffMs(1, 1000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, () => 0.5)).toBe(3000);
    expect(backoffMs(30, 1000, () => 1)).toBe(60_000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('Politeness slots', () => {
  it('gives a host no more than perHost slots and spaces them by the delay', async () => {
    let clock = 0;
    const politeness = new Politeness({ concurrency: 5, perHost: 1, delayMs: 100, now: () => clock });
    const release = await politeness.acquire('a.example');
    let second = false;
    const waiting = politeness.acquire('a.example').then((next) => {
      second = true;
      return next;
    });
    // Another host is not held up.
    (await politeness.acquire('b.example'))();
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(second).toBe(false);
    clock = 100;
    (await waiting)();
    expect(second).toBe(true);
    politeness.setMinimumDelay('a.example', 50);
    expect(politeness.delayOf('a.example')).toBe(100);
    politeness.setMinimumDelay('a.example', 400);
    expect(politeness.delayOf('a.example')).toBe(400);
  });
});
