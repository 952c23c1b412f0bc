import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../../src/config/sites.ts';
import { crawl } from '../../src/crawl/crawl.ts';
import { type HostPoliteness, Politeness } from '../../src/crawl/scheduler.ts';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import {
  fastCrawler,
  html,
  type SeenRequest,
  startSite,
  type TestSite,
  writeSites,
} from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * Each server records when every request started and ended; the test reads the gaps and the
 * overlaps per host. Every request counts: robots.txt, the sitemap and the pages.
 */
function pagesSite(name: string, count: number, options: { robots?: string; latencyMs?: number } = {}) {
  const routes: Record<string, Parameters<typeof startSite>[0][string]> = {
    '/sitemap.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          `<urlset>${Array.from({ length: count }, (_, i) => `<url><loc>http://${name}/p${i}</loc></url>`).join('')}</urlset>`,
        ),
  };
  if (options.robots) routes['/robots.txt'] = (_q, r) => r.writeHead(200).end(options.robots);
  for (let i = 0; i < count; i++) {
    routes[`/p${i}`] = (_q, r) => {
      setTimeout(
        () => r.writeHead(200, { 'content-type': 'text/html' }).end(html(`<p>${i}</p>`)),
        options.latencyMs ?? 0,
      );
    };
  }
  return startSite(routes);
}

function gapsBetween(requests: SeenRequest[]): number[] {
  const sorted = [...requests].sort((a, b) => a.startedAt - b.startedAt);
  return sorted.slice(1).map((request, i) => request.startedAt - sorted[i]!.endedAt!);
}

function peakOverlap(requests: SeenRequest[]): number {
  const events = requests.flatMap((request) => [
    [request.startedAt, 1],
    [request.endedAt!, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let current = 0;
  let peak = 0;
  for (const [, change] of events) {
    current += change!;
    peak = Math.max(peak, current);
  }
  return peak;
}

const servers: TestSite[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
beforeAll(() => setLogLevel('silent'));

async function run(
  sites: Record<string, TestSite>,
  crawler: Record<string, unknown>,
  options: { dir?: string; politeness?: HostPoliteness } = {},
) {
  const dir = options.dir ?? tempDir();
  writeSites(dir, {
    crawler: {
      ...fastCrawler,
      ...crawler,
      resolve: Object.fromEntries(Object.entries(sites).map(([name, site]) => [name, site.address])),
    },
    sites: Object.keys(sites).map((name) => ({
      id: name.replace(/\.example$/, ''),
      url: `http://${name}/`,
      kind: 'community',
    })),
  });
  const sql = await openSql(`${dir}/store.sqlite`);
  try {
    return await crawl(sql, loadSites(dir), options.politeness ? { politeness: options.politeness } : {});
  } finally {
    await sql.close();
  }
}

describe('politeness', () => {
  it('takes a failure of the host limits (their store went away) for the crawl’s, never a page’s', async () => {
    const site = await pagesSite('one.example', 5);
    servers.push(site);
    const dir = tempDir();
    // Limits kept in PostgreSQL throw what its client throws while the server restarts.
    const real = new Politeness({ concurrency: 4, perHost: 1, delayMs: 0 });
    let granted = 0;
    const failing: HostPoliteness = {
      acquire: (key, signal) => {
        if (++granted > 4) throw new Error('Client has encountered a connection error and is not queryable');
        return real.acquire(key, signal);
      },
      again: (key, signal) => real.again(key, signal),
      pauseUntil: (key, until) => real.pauseUntil(key, until),
      setMinimumDelay: (key, delayMs) => real.setMinimumDelay(key, delayMs),
    };
    await expect(run({ 'one.example': site }, {}, { dir, politeness: failing })).rejects.toThrow(
      /not queryable/,
    );
    // The pages it did not fetch stay queued: the next run fetches them, and none failed.
    const summary = await run({ 'one.example': site }, {}, { dir });
    expect(summary).toMatchObject({ resumed: true, finished: true, pagesFetched: 5, failures: 0 });
  });

  it('keeps the delay between two requests to one host, robots.txt and sitemaps included', async () => {
    const one = await pagesSite('one.example', 5);
    const two = await pagesSite('two.example', 5);
    servers.push(one, two);
    const summary = await run({ 'one.example': one, 'two.example': two }, { delayMs: 120, perHost: 1 });
    expect(summary.pagesFetched).toBe(10);
    for (const site of [one, two]) {
      expect(site.paths().slice(0, 2)).toEqual(['/robots.txt', '/sitemap.xml']);
      expect(site.maxInFlight()).toBe(1);
      expect(Math.min(...gapsBetween(site.requests))).toBeGreaterThanOrEqual(120);
    }
    // The two hosts were crawled side by side, not one after the other.
    expect(two.requests[0]!.startedAt).toBeLessThan(one.requests.at(-1)!.startedAt);
    expect(one.requests[0]!.startedAt).toBeLessThan(two.requests.at(-1)!.startedAt);
  });

  it('honours a larger Crawl-delay even when the delay is off', async () => {
    const slow = await pagesSite('slow.example', 3, { robots: 'User-agent: *\nCrawl-delay: 0.25\n' });
    servers.push(slow);
    await run({ 'slow.example': slow }, { delayMs: 0 });
    const gaps = gapsBetween(slow.requests);
    expect(gaps).toHaveLength(4);
    // The first gap follows robots.txt, which is read before the delay is known.
    expect(Math.min(...gaps.slice(1))).toBeGreaterThanOrEqual(250);
  });

  it('runs at most perHost requests to a host and at most concurrency in all', async () => {
    const sites: Record<string, TestSite> = {};
    for (const name of ['a.example', 'b.example', 'c.example']) {
      sites[name] = await pagesSite(name, 8, { latencyMs: 40 });
      servers.push(sites[name]!);
    }
    await run(sites, { delayMs: 0, perHost: 2, concurrency: 3 });
    const all = Object.values(sites).flatMap((site) => site.requests);
    for (const site of Object.values(sites)) expect(site.maxInFlight()).toBeLessThanOrEqual(2);
    expect(Math.max(...Object.values(sites).map((site) => site.maxInFlight()))).toBe(2);
    expect(peakOverlap(all)).toBeLessThanOrEqual(3);
    expect(all.filter((request) => request.path.startsWith('/p'))).toHaveLength(24);
  });
});
