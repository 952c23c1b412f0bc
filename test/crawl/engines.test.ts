import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestPass } from '../../src/crawl/passes.ts';
import { setLogLevel } from '../../src/log.ts';
import { snapshotsOf } from '../../src/snapshot/index.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { runCli } from '../helpers/cli.ts';
import { fastCrawler, html, startSite, type TestSite, writeSites } from '../helpers/http.ts';
import { freshSchema } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';
import { collect } from './_collect.ts';

/**
 * `syndicate crawl` as a user runs it, on a SQLite file and on a PostgreSQL store, over the same
 * local sites (robots.txt rules, a sitemap, a feed, links to follow to a depth, a redirect, a
 * missing page, ETags): the same summary, the same frontier, the same snapshots, and on the
 * second pass the same conditional requests answered 304.
 */
const sites: Record<string, TestSite> = {};

const urlset = (urls: string[]) =>
  `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls
    .map((url) => `<url><loc>${url}</loc></url>`)
    .join('')}</urlset>`;

beforeAll(async () => {
  setLogLevel('silent');
  const tagged =
    (body: string) =>
    (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => {
      const etag = `"${body.length}-${body.charCodeAt(body.length - 20)}"`;
      if (request.headers['if-none-match'] === etag) response.writeHead(304, { etag }).end();
      else response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag }).end(body);
    };
  sites.news = await startSite({
    '/robots.txt': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/plain' })
        .end('User-agent: *\nDisallow: /private/\nSitemap: http://news.example/map.xml\n'),
    '/map.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          urlset([
            'http://news.example/story/1',
            'http://news.example/story/2',
            'http://news.example/private/draft',
            'http://news.example/moved',
            'http://news.example/missing',
          ]),
        ),
    '/feed.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/rss+xml' })
        .end(
          '<?xml version="1.0"?><rss version="2.0"><channel><title>n</title><link>http://news.example/</link><description>d</description><item><title>3</title><link>http://news.example/story/3</link></item><item><title>1</title><link>http://news.example/story/1</link></item></channel></rss>',
        ),
    '/story/1': tagged(html('<h1>One</h1><p>Déjà vu</p><a href="/story/2">two</a>')),
    '/story/2': tagged(html('<h1>Two</h1>')),
    '/story/3': tagged(html('<h1>Three</h1>')),
    '/moved': (_q, r) => r.writeHead(301, { location: 'http://news.example/story/3' }).end(),
  });
  sites.blog = await startSite({
    '/': html('<a href="/a">a</a> <a href="/b">b</a> <a href="http://elsewhere.example/">off</a>'),
    '/a': html('<a href="/c">c</a> <a href="/">home</a>'),
    '/b': html('<p>b</p>'),
    '/c': html('<a href="/d">d</a>'),
    '/d': html('<p>too deep</p>'),
  });
});

afterAll(async () => {
  await Promise.all(Object.values(sites).map((site) => site.close()));
});

function rules(dir: string): string {
  return writeSites(dir, {
    crawler: {
      ...fastCrawler,
      resolve: Object.fromEntries(
        Object.entries(sites).map(([name, site]) => [`${name}.example`, site.address]),
      ),
    },
    sites: [
      {
        id: 'news',
        url: 'http://news.example/',
        kind: 'commercial',
        discover: { feeds: ['http://news.example/feed.xml'] },
      },
      {
        id: 'blog',
        url: 'http://blog.example/',
        kind: 'community',
        discover: { start: ['http://blog.example/'], maxDepth: 2 },
      },
    ],
  });
}

interface Crawled {
  summaries: string[];
  frontier: unknown[];
  snapshots: unknown[][];
}

/** Two crawls of the sites into `store`, and what the store then holds, in an order of its own. */
async function crawlInto(store: string, dir: string): Promise<Crawled> {
  const summaries: string[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const result = await runCli(['--store', store, '--rules', dir, 'crawl']);
    expect(result.stderr).toBe('');
    // The time a crawl took is the one thing that differs.
    summaries.push(`exit ${result.code}\n${result.stdout.replace(/ in [\d.]+ s/, '')}`);
  }
  const sql: Sql = await openSql(store, { mustExist: true });
  try {
    const frontier = await sql.all(
      `SELECT f.pass_id AS pass, f.site_id AS site, f.url, f.kind, f.source, f.depth, f.follow, f.optional,
         f.state, f.reason, f.status, f.attempts, f.claimed_by AS "claimedBy"
       FROM crawl_frontier f ORDER BY f.pass_id, f.kind, f.url`,
    );
    const snapshots: unknown[][] = [];
    for (let passId = 1; passId <= (await latestPass(sql))!.id; passId++) {
      const taken = await collect(snapshotsOf(sql, passId));
      snapshots.push(
        taken
          .map(({ fetchedAt: _fetchedAt, headers, ...rest }) => ({ ...rest, etag: headers.etag ?? null }))
          .sort((a, b) => a.url.localeCompare(b.url)),
      );
    }
    return { summaries, frontier, snapshots };
  } finally {
    await sql.close();
  }
}

describe('syndicate crawl on SQLite and on PostgreSQL', () => {
  it('gives the same summary, frontier and snapshots on both engines', async () => {
    const dir = rules(tempDir());
    const sqliteStore = join(dir, 'store.sqlite');
    await (await openSql(sqliteStore)).close();
    const postgres = await freshSchema();
    try {
      await (await openSql(postgres.url)).close();
      const before = sites.news!.requests.length;
      const onSqlite = await crawlInto(sqliteStore, dir);
      const sqliteRequests = sites.news!.paths().slice(before).sort();
      const middle = sites.news!.requests.length;
      const onPostgres = await crawlInto(postgres.url, dir);
      const postgresRequests = sites.news!.paths().slice(middle).sort();

      expect(onPostgres).toEqual(onSqlite);
      expect(postgresRequests).toEqual(sqliteRequests);
      // What the two crawls did, so that "the same" is not the same nothing.
      // The missing page is the one failure: exit code 1.
      expect(onSqlite.summaries[0]).toMatch(/^exit 1\n/);
      expect(onSqlite.summaries[0]).toMatch(/http-status: 1/);
      expect(onSqlite.summaries[0]).toMatch(/pages fetched: +8/);
      expect(onSqlite.summaries[0]).toMatch(/skipped by robots: 1/);
      // Three stories and the redirect to one of them, asked for with their ETags.
      expect(onSqlite.summaries[1]).toMatch(/not modified: +4/);
      expect(onSqlite.snapshots[0]!.map((snapshot) => (snapshot as { url: string }).url)).toEqual([
        'http://blog.example/',
        'http://blog.example/a',
        'http://blog.example/b',
        'http://blog.example/c',
        'http://news.example/moved',
        'http://news.example/story/1',
        'http://news.example/story/2',
        'http://news.example/story/3',
      ]);
      expect(onSqlite.snapshots[0]).toContainEqual(
        expect.objectContaining({
          url: 'http://news.example/moved',
          finalUrl: 'http://news.example/story/3',
        }),
      );
      expect(
        onSqlite.snapshots[1]!.filter((snapshot) => (snapshot as { notModified: boolean }).notModified),
      ).toHaveLength(4);
      // Nothing is left claimed once a crawl ends.
      expect(onSqlite.frontier.filter((row) => (row as { claimedBy: unknown }).claimedBy !== null)).toEqual(
        [],
      );
    } finally {
      await postgres.drop();
    }
  }, 60_000);
});
