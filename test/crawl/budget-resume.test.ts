import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../../src/config/sites.ts';
import { type CrawlSummary, crawl } from '../../src/crawl/crawl.ts';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import { fastCrawler, html, startSite, type TestSite, writeSites } from '../helpers/http.ts';

/**
 * A crawl stopped after a site's sitemap named more pages than `maxPages`, then resumed: the
 * resumed run never reads that sitemap again, yet the site is still reported as stopped by its
 * page budget (issue 14: budget stops were forgotten across a resume).
 */
const PAGES = 12;
const MAX_PAGES = 4;
let site: TestSite;
const dir = mkdtempSync(join(tmpdir(), 'syndicate-budget-resume-'));

beforeAll(async () => {
  setLogLevel('silent');
  const routes: Parameters<typeof startSite>[0] = {
    '/robots.txt': (_q, r) =>
      r.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n'),
    '/sitemap.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          `<urlset>${Array.from({ length: PAGES }, (_, i) => `<url><loc>http://wide.example/p${i}</loc></url>`).join('')}</urlset>`,
        ),
  };
  for (let i = 0; i < PAGES; i++)
    routes[`/p${i}`] = (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(html(`<p>${i}</p>`));
  site = await startSite(routes);
  writeSites(dir, {
    crawler: { ...fastCrawler, resolve: { 'wide.example': `127.0.0.1:${site.port}` } },
    sites: [
      { id: 'wide', url: 'http://wide.example/', kind: 'community', discover: { maxPages: MAX_PAGES } },
    ],
  });
});

afterAll(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a budget stop across a resume', () => {
  let first: CrawlSummary;
  let second: CrawlSummary;

  beforeAll(async () => {
    const sql = await openSql(`${dir}/store.sqlite`);
    try {
      const stop = new AbortController();
      first = await crawl(sql, loadSites(dir), {
        signal: stop.signal,
        // Stopped as soon as the sitemap is read: its pages are queued, none fetched yet.
        onProgress: (progress) => {
          if (progress.item.kind === 'sitemap') stop.abort();
        },
      });
      second = await crawl(sql, loadSites(dir));
    } finally {
      await sql.close();
    }
  }, 60_000);

  it('stops the first run with the site over its page budget and its pages still queued', () => {
    expect(first.finished).toBe(false);
    expect(first.overBudget).toEqual({ wide: 'pages' });
  });

  it('resumes the same pass without reading the sitemap again, and still names the page budget', () => {
    expect(second.resumed).toBe(true);
    expect(second.passId).toBe(first.passId);
    expect(second.finished).toBe(true);
    expect(site.paths().filter((path) => path === '/sitemap.xml')).toHaveLength(1);
    expect(second.pagesFetched).toBe(MAX_PAGES);
    expect(second.overBudget).toEqual({ wide: 'pages' });
  });
});
