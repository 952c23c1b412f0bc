import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../../src/config/sites.ts';
import { crawl } from '../../src/crawl/crawl.ts';
import { setLogLevel } from '../../src/log.ts';
import { snapshotsOf } from '../../src/snapshot/index.ts';
import { openSql } from '../../src/store/db.ts';
import { fastCrawler, html, startSite, type TestSite, writeSites } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';
import { collect } from './_collect.ts';

/** A site whose bare host redirects to its www twin, served by two servers. */
let bare: TestSite;
let www: TestSite;
const sitemap = (urls: string[]) =>
  `<urlset>${urls.map((url) => `<url><loc>${url}</loc></url>`).join('')}</urlset>`;

beforeAll(async () => {
  setLogLevel('silent');
  bare = await startSite({
    '/sitemap.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(sitemap(Array.from({ length: 10 }, (_, i) => `http://twin.example/list/${i}`))),
    '/second-sitemap.xml': (_q, r) =>
      r.writeHead(200, { 'content-type': 'application/xml' }).end(sitemap([])),
    '/a': (_q, r) => r.writeHead(301, { location: 'http://www.twin.example/a' }).end(),
    ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`/list/${i}`, html(`<p>${i}</p>`)])),
  });
  www = await startSite({
    '/a': html(
      '<a href="http://www.twin.example/a">self</a> <a href="/b">b</a> <a href="http://twin.example/b">b again</a>',
    ),
    '/b': html('<p>b</p>'),
  });
});
afterAll(async () => {
  await Promise.all([bare.close(), www.close()]);
});

function config(dir: string, discover: Record<string, unknown>) {
  writeSites(dir, {
    crawler: { ...fastCrawler, resolve: { 'twin.example': bare.address, 'www.twin.example': www.address } },
    sites: [{ id: 'twin', url: 'http://twin.example/', kind: 'community', discover }],
  });
  return loadSites(dir);
}

describe('site scope', () => {
  it('follows a redirect to the www twin and does not fetch the page again through a link', async () => {
    const dir = tempDir();
    const sql = await openSql(`${dir}/s.sqlite`);
    const summary = await crawl(
      sql,
      config(dir, { sitemaps: ['http://twin.example/second-sitemap.xml'], start: ['http://twin.example/a'] }),
    );
    const snapshots = await collect(snapshotsOf(sql, summary.passId));
    await sql.close();
    expect(summary.failures).toBe(0);
    expect(www.paths().filter((path) => path === '/a')).toHaveLength(1);
    expect(snapshots.map((snapshot) => [snapshot.url, snapshot.finalUrl])).toEqual([
      ['http://twin.example/a', 'http://www.twin.example/a'],
      ['http://www.twin.example/b', 'http://www.twin.example/b'],
    ]);
    expect(bare.paths()).not.toContain('/b');
  });

  it('stops at maxPages and skips the sitemaps it no longer needs', async () => {
    const dir = tempDir();
    const sql = await openSql(`${dir}/s.sqlite`);
    const summary = await crawl(
      sql,
      config(dir, {
        sitemaps: ['http://twin.example/sitemap.xml', 'http://twin.example/second-sitemap.xml'],
        maxPages: 3,
      }),
    );
    await sql.close();
    expect(summary.pagesFetched).toBe(3);
    expect(summary.skipped['max-pages']).toBe(1);
  });
});
