import { describe, expect, it } from 'vitest';
import { isAllowed } from '../../src/crawl/robots.ts';
import { ROBOTS_CACHE_MS, RobotsCache, storedPolicy } from '../../src/crawl/robots-cache.ts';
import { cachedRobots, saveRobots } from '../../src/crawl/robots-store.ts';
import { FetchError } from '../../src/net/errors.ts';
import type { FetchRequest, FetchResult } from '../../src/net/http.ts';
import { type Db, openStore } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

const origin = 'https://site.example';
const userAgent = 'syndicate/0.1 (reprint-terms checker)';
const now = new Date('2026-03-01T12:00:00Z');

function answer(status: number, body = ''): FetchResult {
  const url = `${origin}/robots.txt`;
  return {
    url,
    finalUrl: url,
    status,
    headers: {},
    bytes: Buffer.from(body),
    truncated: false,
    redirects: [],
  };
}

/** A robots cache over a real store, whose fetches are answered by `reply` and counted. */
function cacheWith(db: Db, reply: () => Promise<FetchResult>) {
  const asked: Array<{ url: string; init: FetchRequest }> = [];
  const delays: Array<[string, number]> = [];
  const cache = new RobotsCache({
    db,
    userAgent,
    now: () => now,
    fetch: (url, init) => {
      asked.push({ url, init });
      return reply();
    },
    isStopping: (error) => error instanceof FetchError && error.kind === 'aborted',
    onCrawlDelay: (key, delayMs) => delays.push([key, delayMs]),
  });
  return { cache, asked, delays };
}

const store = () => openStore(`${tempDir('syndicate-robots-cache-')}/store.sqlite`);

describe('the robots cache of a crawl', () => {
  it('fetches robots.txt once per origin however many items ask, keeps it, and passes on Crawl-delay', async () => {
    const db = store();
    const { cache, asked, delays } = cacheWith(db, async () =>
      answer(200, 'User-agent: *\nDisallow: /private/\nCrawl-delay: 3\n'),
    );
    const [first, second] = await Promise.all([cache.for(origin), cache.for(origin)]);
    expect(first).toBe(second);
    expect(asked.map((request) => request.url)).toEqual([`${origin}/robots.txt`]);
    expect(asked[0]!.init.maxBodyBytes).toBeGreaterThan(0);
    expect(isAllowed(first.policy, `${origin}/private/x`)).toBe(false);
    expect(isAllowed(first.policy, `${origin}/public`)).toBe(true);
    expect(delays).toEqual([[origin, 3000]]);
    expect(cachedRobots(db, origin)).toMatchObject({ status: 200, fetchedAt: now.toISOString() });
    db.close();
  });

  it('takes a 404 as no rules, and a robots.txt it cannot read as disallow-all with the reason', async () => {
    const db = store();
    const missing = await cacheWith(db, async () => answer(404)).cache.for(origin);
    expect(missing.policy.mode).toBe('allow-all');
    const other = 'https://down.example';
    const down = await cacheWith(db, async () => {
      throw new FetchError('http-status', `${other}/robots.txt`, 'HTTP 503 after 3 tries', { status: 503 });
    }).cache.for(other);
    expect(down.policy.mode).toBe('disallow-all');
    expect(down.failure?.kind).toBe('http-status');
    db.close();
  });

  it('rethrows a stop instead of taking it as an unreadable robots.txt', async () => {
    const db = store();
    const { cache } = cacheWith(db, async () => {
      throw new FetchError('aborted', `${origin}/robots.txt`, 'stopped');
    });
    await expect(cache.for(origin)).rejects.toMatchObject({ kind: 'aborted' });
    db.close();
  });

  it('uses a stored robots.txt younger than a day without fetching, and fetches an older one again', async () => {
    const db = store();
    saveRobots(db, origin, {
      fetchedAt: new Date(now.getTime() - 1000).toISOString(),
      status: 200,
      body: 'User-agent: *\nDisallow: /\n',
    });
    const fresh = cacheWith(db, async () => answer(200, ''));
    expect((await fresh.cache.for(origin)).policy.mode).not.toBe('allow-all');
    expect(fresh.asked).toEqual([]);
    saveRobots(db, origin, {
      fetchedAt: new Date(now.getTime() - ROBOTS_CACHE_MS - 1000).toISOString(),
      status: 200,
      body: 'User-agent: *\nDisallow: /\n',
    });
    const stale = cacheWith(db, async () => answer(200, ''));
    await stale.cache.for(origin);
    expect(stale.asked).toHaveLength(1);
    db.close();
  });
});

describe('the stored robots policy, for a page asked for outside a crawl', () => {
  it('gives none when robots.txt was never read or answered a server error, no rules after a 404', () => {
    const db = store();
    expect(storedPolicy(db, origin, userAgent)).toBeUndefined();
    saveRobots(db, origin, { fetchedAt: now.toISOString(), status: 503, body: '' });
    expect(storedPolicy(db, origin, userAgent)).toBeUndefined();
    saveRobots(db, origin, { fetchedAt: now.toISOString(), status: 404, body: '' });
    expect(storedPolicy(db, origin, userAgent)?.mode).toBe('allow-all');
    saveRobots(db, origin, {
      fetchedAt: now.toISOString(),
      status: 200,
      body: 'User-agent: *\nDisallow: /gone/\n',
    });
    const policy = storedPolicy(db, origin, userAgent)!;
    expect(isAllowed(policy, `${origin}/gone/1`)).toBe(false);
    db.close();
  });
});
