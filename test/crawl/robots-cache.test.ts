import { expect, it } from 'vitest';
import { isAllowed } from '../../src/crawl/robots.ts';
import { ROBOTS_CACHE_MS, RobotsCache, storedPolicy } from '../../src/crawl/robots-cache.ts';
import { cachedRobots, saveRobots } from '../../src/crawl/robots-store.ts';
import { FetchError } from '../../src/net/errors.ts';
import type { FetchRequest, FetchResult } from '../../src/net/http.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines } from '../helpers/engines.ts';

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
function cacheWith(sql: Sql, reply: () => Promise<FetchResult>) {
  const asked: Array<{ url: string; init: FetchRequest }> = [];
  const delays: Array<[string, number]> = [];
  const cache = new RobotsCache({
    sql,
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

describeEngines('the robots cache of a crawl', (engine) => {
  it('fetches robots.txt once per origin however many items ask, keeps it, and passes on Crawl-delay', async () => {
    const sql = await engine.open();
    const { cache, asked, delays } = cacheWith(sql, async () =>
      answer(200, 'User-agent: *\nDisallow: /private/\nCrawl-delay: 3\n'),
    );
    const [first, second] = await Promise.all([cache.for(origin), cache.for(origin)]);
    expect(first).toBe(second);
    expect(asked.map((request) => request.url)).toEqual([`${origin}/robots.txt`]);
    expect(asked[0]!.init.maxBodyBytes).toBeGreaterThan(0);
    expect(isAllowed(first.policy, `${origin}/private/x`)).toBe(false);
    expect(isAllowed(first.policy, `${origin}/public`)).toBe(true);
    expect(delays).toEqual([[origin, 3000]]);
    expect(await cachedRobots(sql, origin)).toMatchObject({ status: 200, fetchedAt: now.toISOString() });
  });

  it('takes a 404 as no rules, and a robots.txt it cannot read as disallow-all with the reason', async () => {
    const sql = await engine.open();
    const missing = await cacheWith(sql, async () => answer(404)).cache.for(origin);
    expect(missing.policy.mode).toBe('allow-all');
    const other = 'https://down.example';
    const down = await cacheWith(sql, async () => {
      throw new FetchError('http-status', `${other}/robots.txt`, 'HTTP 503 after 3 tries', { status: 503 });
    }).cache.for(other);
    expect(down.policy.mode).toBe('disallow-all');
    expect(down.failure?.kind).toBe('http-status');
  });

  it('rethrows a stop instead of taking it as an unreadable robots.txt', async () => {
    const sql = await engine.open();
    const { cache } = cacheWith(sql, async () => {
      throw new FetchError('aborted', `${origin}/robots.txt`, 'stopped');
    });
    await expect(cache.for(origin)).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('rethrows a failure of the store (not of the network) instead of shutting the site out', async () => {
    const sql = await engine.open();
    const { cache } = cacheWith(sql, async () => {
      // What the PostgreSQL client throws while the server restarts, from the shared host limits.
      throw new Error('Client has encountered a connection error and is not queryable');
    });
    await expect(cache.for(origin)).rejects.toThrow(/not queryable/);
    // Nothing was kept: the next crawl asks again.
    expect(await cachedRobots(sql, origin)).toBeUndefined();
  });

  it('uses a stored robots.txt younger than a day without fetching, and fetches an older one again', async () => {
    const sql = await engine.open();
    await saveRobots(sql, origin, {
      fetchedAt: new Date(now.getTime() - 1000).toISOString(),
      status: 200,
      body: 'User-agent: *\nDisallow: /\n',
    });
    const fresh = cacheWith(sql, async () => answer(200, ''));
    expect((await fresh.cache.for(origin)).policy.mode).not.toBe('allow-all');
    expect(fresh.asked).toEqual([]);
    await saveRobots(sql, origin, {
      fetchedAt: new Date(now.getTime() - ROBOTS_CACHE_MS - 1000).toISOString(),
      status: 200,
      body: 'User-agent: *\nDisallow: /\n',
    });
    const stale = cacheWith(sql, async () => answer(200, ''));
    await stale.cache.for(origin);
    expect(stale.asked).toHaveLength(1);
  });
});

describeEngines('the stored robots policy, for a page asked for outside a crawl', (engine) => {
  it('gives none when robots.txt was never read or answered a server error, no rules after a 404', async () => {
    const sql = await engine.open();
    expect(await storedPolicy(sql, origin, userAgent)).toBeUndefined();
    await saveRobots(sql, origin, { fetchedAt: now.toISOString(), status: 503, body: '' });
    expect(await storedPolicy(sql, origin, userAgent)).toBeUndefined();
    await saveRobots(sql, origin, { fetchedAt: now.toISOString(), status: 404, body: '' });
    expect((await storedPolicy(sql, origin, userAgent))?.mode).toBe('allow-all');
    await saveRobots(sql, origin, {
      fetchedAt: now.toISOString(),
      status: 200,
      body: 'User-agent: *\nDisallow: /gone/\n',
    });
    const policy = (await storedPolicy(sql, origin, userAgent))!;
    expect(isAllowed(policy, `${origin}/gone/1`)).toBe(false);
  });
});
