import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../../src/config/sites.ts';
import { type CrawlSummary, crawl } from '../../src/crawl/crawl.ts';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { fastCrawler, html, startSite, type TestSite, writeSites } from '../helpers/http.ts';

/**
 * Sites that are careless or hostile, each a real server on 127.0.0.1, crawled together with a
 * well-behaved one. Every case asserts a bounded outcome: the crawl ends (the runner's timeout
 * catches a hang), the good site is crawled whole, nothing disallowed is fetched, and the budget
 * that stopped a site is named in the summary.
 */

const sites: Record<string, TestSite> = {};
const xml = (body: string) => (_q: unknown, r: import('node:http').ServerResponse) =>
  r.writeHead(200, { 'content-type': 'application/xml' }).end(body);
const text = (body: string) => (_q: unknown, r: import('node:http').ServerResponse) =>
  r.writeHead(200, { 'content-type': 'text/plain' }).end(body);
const urlset = (urls: string[]) =>
  `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls
    .map((url) => `<url><loc>${url}</loc></url>`)
    .join('')}</urlset>`;
const aaa = `/${'a'.repeat(60)}`;

beforeAll(async () => {
  setLogLevel('silent');
  sites.good = await startSite({
    '/robots.txt': text('User-agent: *\nDisallow: /private/\nSitemap: http://good.example/sitemap.xml\n'),
    '/sitemap.xml': xml(urlset([1, 2, 3, 4, 5].map((n) => `http://good.example/p${n}`))),
    ...Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`/p${n}`, html(`<p>good ${n}</p>`)])),
  });
  // Many stars and a long path: 31 s for 40 characters with a backtracking RegExp, never for 60.
  sites.stars = await startSite({
    '/robots.txt': text('User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*a*a*b\n'),
    '/sitemap.xml': xml(urlset([`http://stars.example${aaa}`, `http://stars.example${aaa}b`])),
    [aaa]: html('<p>many a</p>'),
    [`${aaa}b`]: html('<p>disallowed</p>'),
  });
  // An unknown line between two user-agent lines must not let the first one through.
  sites.grouped = await startSite({
    '/robots.txt': text(
      'User-agent: GPTBot\nContent-Signal: ai-train=no\nUser-agent: syndicate\nCrawl-delay: 0\nUser-agent: ClaudeBot\nDisallow: /\n',
    ),
    '/sitemap.xml': xml(urlset(['http://grouped.example/p'])),
    '/p': html('<p>disallowed</p>'),
  });
  // Every sitemap is an index of five more, forever; no page is ever named.
  sites.indexes = await startSite(
    { '/robots.txt': text('User-agent: *\nAllow: /\nSitemap: http://indexes.example/s/0.xml\n') },
    {
      fallback: (request, response) => {
        const name = /^\/s\/([\d-]+)\.xml$/.exec(request.url ?? '')?.[1];
        if (!name) return response.writeHead(404).end();
        const children = [1, 2, 3, 4, 5]
          .map((n) => `<sitemap><loc>http://indexes.example/s/${name}-${n}.xml</loc></sitemap>`)
          .join('');
        response
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(
            `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${children}</sitemapindex>`,
          );
      },
    },
  );
  // Fifty thousand entries, far past the page budget.
  sites.huge = await startSite(
    {
      '/sitemap.xml': xml(urlset(Array.from({ length: 50_000 }, (_, n) => `http://huge.example/p${n}`))),
    },
    { fallback: (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(html('<p>page</p>')) },
  );
  // A start page with a hundred thousand links.
  sites.links = await startSite(
    {
      '/': html(Array.from({ length: 100_000 }, (_, n) => `<a href="/l/${n}">${n}</a>`).join('')),
    },
    { fallback: (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(html('<p>linked</p>')) },
  );
  // Crawl-delay of five minutes and twenty pages: capped, and stopped by the time budget.
  sites.slow = await startSite(
    {
      '/robots.txt': text('User-agent: *\nCrawl-delay: 300\n'),
      '/sitemap.xml': xml(urlset(Array.from({ length: 20 }, (_, n) => `http://slow.example/p${n}`))),
    },
    { fallback: (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(html('<p>slow</p>')) },
  );
  // Asks to come back in three minutes, again and again.
  sites.later = await startSite(
    {
      '/robots.txt': text('User-agent: *\nAllow: /\n'),
      '/sitemap.xml': xml(urlset(['http://later.example/p'])),
    },
    { fallback: (_q, r) => r.writeHead(503, { 'retry-after': '180' }).end() },
  );
  // Sends its headers, then one byte at a time, never ending.
  sites.tarpit = await startSite(
    {
      '/robots.txt': text('User-agent: *\nAllow: /\n'),
      '/sitemap.xml': xml(urlset(['http://tarpit.example/p', 'http://tarpit.example/q'])),
    },
    {
      fallback: (_q, r) => {
        r.writeHead(200, { 'content-type': 'text/html' });
        const timer = setInterval(() => r.write(' '), 100);
        r.on('close', () => clearInterval(timer));
      },
    },
  );
});

afterAll(async () => {
  await Promise.all(Object.values(sites).map((site) => site.close()));
});

const budgets = {
  maxSitemapsPerSite: 10,
  maxSitemapDepth: 2,
  maxLinksPerPage: 50,
  maxCrawlDelayMs: 400,
};

/** The rules folder for a crawl of some of the sites, with the test's budgets. */
function writeNetwork(dir: string, names: string[], siteTimeBudgetMs: number): string {
  return writeSites(dir, {
    crawler: {
      ...fastCrawler,
      ...budgets,
      siteTimeBudgetMs,
      bodyTimeoutMs: 1000,
      resolve: Object.fromEntries(
        Object.entries(sites).map(([name, site]) => [`${name}.example`, site.address]),
      ),
    },
    sites: names.map((name) => ({
      id: name,
      url: `http://${name}.example/`,
      kind: 'community',
      discover: {
        maxPages: name === 'links' ? 1000 : 20,
        maxDepth: 1,
        ...(name === 'links' ? { start: ['http://links.example/'] } : {}),
      },
    })),
  });
}

async function frontier(sql: Sql, passId: number, siteId: string, kind: string): Promise<number> {
  const row = await sql.get<{ n: number }>(
    'SELECT COUNT(*) AS n FROM crawl_frontier WHERE pass_id = ? AND site_id = ? AND kind = ?',
    [passId, siteId, kind],
  );
  return row!.n;
}

async function snapshots(sql: Sql, passId: number, siteId: string): Promise<number> {
  const row = await sql.get<{ n: number }>(
    'SELECT COUNT(*) AS n FROM crawl_snapshots WHERE pass_id = ? AND site_id = ?',
    [passId, siteId],
  );
  return row!.n;
}

describe('a crawl over sites that defy the budgets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-hostile-'));
  let sql: Sql;
  let first: CrawlSummary;

  beforeAll(async () => {
    // Time is not what this crawl tests: an hour each, so that a loaded machine changes nothing.
    writeNetwork(dir, ['good', 'stars', 'grouped', 'indexes', 'huge', 'links'], 3_600_000);
    sql = await openSql(`${dir}/store.sqlite`);
    first = await crawl(sql, loadSites(dir));
  }, 60_000);
  afterAll(async () => {
    await sql?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes, crawls the well-behaved site whole and names no budget for it', async () => {
    expect(first.finished).toBe(true);
    expect(await snapshots(sql, first.passId, 'good')).toBe(5);
    expect(first.overBudget.good).toBeUndefined();
    expect(sites.good!.paths().filter((path) => path.startsWith('/private'))).toEqual([]);
  });

  it('matches a many-star pattern against a long path and fetches only what it allows', () => {
    expect(sites.stars!.paths()).toContain(aaa);
    expect(sites.stars!.paths()).not.toContain(`${aaa}b`);
  });

  it('keeps two user-agent lines with an unknown line between them in one group', () => {
    expect(sites.grouped!.paths()).toEqual(['/robots.txt']);
  });

  it('stops following an index of indexes at the sitemap budget and depth', async () => {
    // Distinct paths: on a loaded machine a sitemap that timed out is asked for again (a retry,
    // not another sitemap), and the budget counts sitemaps.
    const fetched = [...new Set(sites.indexes!.paths().filter((path) => path.startsWith('/s/')))];
    expect(fetched.length).toBeGreaterThan(1);
    expect(fetched.length).toBeLessThanOrEqual(budgets.maxSitemapsPerSite);
    // Depth 0 is the robots.txt sitemap; nothing deeper than maxSitemapDepth is asked for.
    expect(fetched.every((path) => path.split('-').length - 1 <= budgets.maxSitemapDepth)).toBe(true);
    expect(await frontier(sql, first.passId, 'indexes', 'sitemap')).toBeLessThanOrEqual(
      budgets.maxSitemapsPerSite,
    );
    expect(first.overBudget.indexes).toBe('sitemaps');
  });

  it('never queues sitemap entries past the page budget', async () => {
    expect(await frontier(sql, first.passId, 'huge', 'page')).toBe(20);
    expect(await snapshots(sql, first.passId, 'huge')).toBe(20);
    expect(first.overBudget.huge).toBe('pages');
  });

  it('admits a bounded number of links from one page', async () => {
    expect(await frontier(sql, first.passId, 'links', 'page')).toBe(1 + budgets.maxLinksPerPage);
    expect(await snapshots(sql, first.passId, 'links')).toBe(1 + budgets.maxLinksPerPage);
  });
});

describe('a crawl over sites that would hold it for days', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-hostile-time-'));
  let sql: Sql;
  let first: CrawlSummary;

  beforeAll(async () => {
    writeNetwork(dir, ['good', 'slow', 'later', 'tarpit'], 2500);
    sql = await openSql(`${dir}/store.sqlite`);
    first = await crawl(sql, loadSites(dir));
  }, 60_000);
  afterAll(async () => {
    await sql?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('crawls the well-behaved site whole', async () => {
    expect(await snapshots(sql, first.passId, 'good')).toBe(5);
    expect(first.overBudget.good).toBeUndefined();
  });

  it.each([
    ['slow', 'a capped Crawl-delay'],
    ['later', 'Retry-After again and again'],
    ['tarpit', 'a body that never ends'],
  ])('stops %s (%s) at its time budget, leaving its work queued', async (siteId) => {
    expect(first.overBudget[siteId]).toBe('time');
    const queued = await sql.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM crawl_frontier WHERE pass_id = ? AND site_id = ? AND state = 'queued'",
      [first.passId, siteId],
    );
    expect(queued!.n).toBeGreaterThan(0);
  });

  it('fetches some pages of the slow site at the capped delay, not none', async () => {
    const pages = await snapshots(sql, first.passId, 'slow');
    expect(pages).toBeGreaterThan(0);
    expect(pages).toBeLessThan(20);
  });

  it('leaves the pass unfinished, and the next crawl continues only what is left', async () => {
    expect(first.finished).toBe(false);
    const goodBefore = sites.good!.requests.length;
    const slowBefore = await snapshots(sql, first.passId, 'slow');
    const next = await crawl(sql, loadSites(dir));
    expect(next.passId).toBe(first.passId);
    expect(next.resumed).toBe(true);
    expect(await snapshots(sql, first.passId, 'slow')).toBeGreaterThan(slowBefore);
    expect(sites.good!.requests.length).toBe(goodBefore);
  }, 30_000);
});
