import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../../src/config/sites.ts';
import { crawl } from '../../src/crawl/crawl.ts';
import { latestPass } from '../../src/crawl/passes.ts';
import { setLogLevel } from '../../src/log.ts';
import { failuresOf, snapshotsOf } from '../../src/snapshot/index.ts';
import { openSql, openStore } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { fastCrawler, html, startSite, type TestSite, writeSites } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';
import { collect } from './_collect.ts';

/**
 * A small network of made-up sites, each a real server on 127.0.0.1 reached through the
 * `resolve` map, with every fault of the issue, crawled through the command line.
 */
const sites: Record<string, TestSite> = {};
const etagged =
  (body: string, etag: string) =>
  (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => {
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, { etag }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag }).end(body);
  };

const urlset = (urls: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls
    .map((url) => `<url><loc>${url}</loc></url>`)
    .join('')}</urlset>`;

beforeAll(async () => {
  setLogLevel('silent');
  let tries429 = 0;
  let tries500 = 0;
  sites.blog = await startSite({
    '/robots.txt': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(
          'User-agent: *\nDisallow: /private/\nDisallow: /*.pdf$\nDisallow: /%7Edraft/\n\nSitemap: http://blog.example/sitemap-index.xml\n',
        ),
    '/sitemap-index.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://blog.example/posts.xml.gz</loc></sitemap><sitemap><loc>http://blog.example/other.xml</loc></sitemap></sitemapindex>',
        ),
    '/posts.xml.gz': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/gzip' })
        .end(
          gzipSync(
            urlset([
              'http://blog.example/posts/1',
              'http://blog.example/posts/2?utm_source=feed',
              'http://blog.example/posts/2#comments',
              'http://blog.example/private/draft',
              'http://blog.example/~draft/x',
              'http://blog.example/paper.pdf',
              'http://elsewhere.example/not-ours',
            ]),
          ),
        ),
    '/other.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          urlset(['http://blog.example/latin', 'http://blog.example/sjis', 'http://blog.example/malformed']),
        ),
    '/feed.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/rss+xml' })
        .end(
          '<?xml version="1.0"?><rss version="2.0"><channel><title>b</title><link>http://blog.example/</link><description>d</description><item><title>3</title><link>http://blog.example/posts/3</link></item></channel></rss>',
        ),
    '/posts/1': etagged(html('<h1>One</h1>'), '"one"'),
    '/posts/2': etagged(html('<h1>Two</h1>'), '"two"'),
    '/posts/3': etagged(html('<h1>Three</h1>'), '"three"'),
    '/latin': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1' })
        .end(iconv.encode('<p>Déjà vu – 5 €</p>', 'windows-1252')),
    '/sjis': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/html' })
        .end(iconv.encode('<meta charset="shift_jis"><p>東京の記事</p>', 'shift_jis')),
    '/malformed': '<html><body><div><p>unclosed <a href="/posts/1">one</b></table><<<>>',
  });
  sites.links = await startSite({
    '/': html(
      '<a href="/a">a</a> <a href="/b#x">b</a> <a href="mailto:x@links.example">m</a> <a href="http://elsewhere.example/">off</a><!-- <a href="/hidden-comment">c</a> --><script>document.write(\'<a href="/hidden-script">s</a>\')</script>',
    ),
    '/a': html('<a href="/c">c</a> <a href="/">home</a>'),
    '/b': html('<a href="x">relative to base</a>', '<base href="/sub/">'),
    '/sub/x': html('<p>x</p>'),
    '/c': html('<a href="/d">d</a>'),
    '/d': html('<p>too deep</p>'),
    '/hidden-comment': html('never'),
    '/hidden-script': html('never'),
  });
  sites.flaky = await startSite({
    '/sitemap.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          urlset(
            [
              '/429',
              '/500-then-200',
              '/always-500',
              '/reset',
              '/slow',
              '/big',
              '/to-other',
              '/image',
              '/gone',
            ].map((path) => `http://flaky.example${path}`),
          ),
        ),
    '/429': (_q, r) => {
      tries429++;
      if (tries429 === 1) r.writeHead(429, { 'retry-after': '1' }).end();
      else r.writeHead(200, { 'content-type': 'text/html' }).end(html('<p>after a wait</p>'));
    },
    '/500-then-200': (_q, r) => {
      tries500++;
      if (tries500 === 1) r.writeHead(500).end();
      else r.writeHead(200, { 'content-type': 'text/html' }).end(html('<p>second try</p>'));
    },
    '/always-500': (_q, r) => r.writeHead(500).end(),
    '/reset': (_q, _r, socket) => socket.resetAndDestroy(),
    '/slow': (_q, r) => {
      setTimeout(() => r.writeHead(200, { 'content-type': 'text/html' }).end('late'), 2000);
    },
    '/big': (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.alloc(200_000, 'x')),
    '/to-other': (_q, r) => r.writeHead(301, { location: 'http://elsewhere.example/' }).end(),
    '/image': (_q, r) => r.writeHead(200, { 'content-type': 'image/png' }).end('png'),
    '/gone': (_q, r) => r.writeHead(404).end(),
    '/broken-feed': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/rss+xml' })
        .end('<rss><channel><item><link>http://flaky.example/x'),
  });
  sites.down = await startSite({ '/robots.txt': (_q, r) => r.writeHead(500).end() });
  sites.elsewhere = await startSite(
    {},
    { fallback: (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('x') },
  );
});

afterAll(async () => {
  await Promise.all(Object.values(sites).map((site) => site.close()));
});

function network(dir: string): string {
  return writeSites(dir, {
    crawler: {
      ...fastCrawler,
      headersTimeoutMs: 400,
      maxBodyBytes: 100_000,
      resolve: {
        ...Object.fromEntries(Object.entries(sites).map(([name, site]) => [`${name}.example`, site.address])),
        // Nothing listens there: robots.txt is unreachable.
        'unreachable.example': '127.0.0.1:9',
      },
    },
    sites: [
      {
        id: 'blog',
        url: 'http://blog.example/',
        kind: 'community',
        discover: { feeds: ['http://blog.example/feed.xml'] },
      },
      {
        id: 'links',
        url: 'http://links.example/',
        kind: 'commercial',
        discover: { start: ['http://links.example/'], maxDepth: 2 },
      },
      {
        id: 'flaky',
        url: 'http://flaky.example/',
        kind: 'community',
        discover: { feeds: ['http://flaky.example/broken-feed'] },
      },
      { id: 'unreachable', url: 'http://unreachable.example/', kind: 'community' },
      {
        id: 'down',
        url: 'http://down.example/',
        kind: 'commercial',
        discover: { sitemaps: ['http://down.example/sitemap.xml'], feeds: ['http://down.example/feed'] },
      },
    ],
  });
}

describe('syndicate crawl against a network of faulty sites', () => {
  // Shared by the cases of this block, so not a per-test temporary folder.
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-crawl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const store = `${dir}/store.sqlite`;
  let first: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    network(dir);
    // Only `import` creates a store; the crawl commands refuse a missing one.
    openStore(store).close();
    first = await runCli(['--store', store, '--rules', dir, 'crawl']);
  }, 30_000);

  it('finishes with exit code 1 and a summary of failures by kind', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/pages fetched: +13/);
    expect(first.stdout).toMatch(/skipped by robots: +3/);
    expect(first.stdout).toMatch(/failed: +9/);
    expect(first.stdout).toMatch(/robots-unavailable: 2/);
  });

  it('keeps every good page once, with its text decoded', async () => {
    const sql = await openSql(store);
    const pass = (await latestPass(sql))!;
    const snapshots = await collect(snapshotsOf(sql, pass.id));
    await sql.close();
    const urls = snapshots.map((snapshot) => snapshot.url).sort();
    expect(urls).toEqual(
      [
        'http://blog.example/posts/1',
        'http://blog.example/posts/2',
        'http://blog.example/posts/3',
        'http://blog.example/latin',
        'http://blog.example/sjis',
        'http://blog.example/malformed',
        'http://links.example/',
        'http://links.example/a',
        'http://links.example/b',
        'http://links.example/c',
        'http://links.example/sub/x',
        'http://flaky.example/429',
        'http://flaky.example/500-then-200',
      ].sort(),
    );
    const byUrl = new Map(snapshots.map((snapshot) => [snapshot.url, snapshot]));
    expect(byUrl.get('http://blog.example/latin')?.body).toContain('Déjà vu – 5 €');
    expect(byUrl.get('http://blog.example/sjis')?.body).toContain('東京の記事');
    expect(snapshots.every((snapshot) => snapshot.siteId && snapshot.changed && !snapshot.notModified)).toBe(
      true,
    );
  });

  it('records every failure with its kind', async () => {
    const sql = await openSql(store);
    const failures = await failuresOf(sql, (await latestPass(sql))!.id);
    await sql.close();
    expect(Object.fromEntries(failures.map((failure) => [failure.url, failure.kind]))).toEqual({
      'http://flaky.example/always-500': 'http-status',
      'http://flaky.example/reset': 'connection',
      'http://flaky.example/slow': 'timeout',
      'http://flaky.example/big': 'too-large',
      'http://flaky.example/to-other': 'off-site',
      'http://flaky.example/gone': 'http-status',
      'http://flaky.example/broken-feed': 'parse',
      'http://down.example/': 'robots-unavailable',
      'http://unreachable.example/': 'robots-unavailable',
    });
  });

  it('never fetches a disallowed URL, nor anything on a host whose robots.txt fails', () => {
    const blogPaths = sites.blog!.paths();
    expect(blogPaths.filter((path) => /private|draft|%7E|\.pdf/i.test(path))).toEqual([]);
    expect(new Set(sites.down!.paths())).toEqual(new Set(['/robots.txt']));
    expect(sites.elsewhere!.requests).toEqual([]);
  });

  it('follows links only from parsed HTML, within depth, resolved against <base>', () => {
    const paths = sites.links!.paths();
    expect(paths).not.toContain('/hidden-comment');
    expect(paths).not.toContain('/hidden-script');
    expect(paths).not.toContain('/d');
    expect(paths).toContain('/sub/x');
  });

  it('retries transient failures a bounded number of times and waits as Retry-After asks', () => {
    const flaky = sites.flaky!.requests;
    const count = (path: string) => flaky.filter((request) => request.path === path).length;
    expect(count('/always-500')).toBe(3);
    expect(count('/reset')).toBe(3);
    expect(count('/gone')).toBe(1);
    expect(count('/to-other')).toBe(1);
    const [limited, retried] = flaky.filter((request) => request.path === '/429');
    expect(retried!.startedAt - limited!.startedAt).toBeGreaterThanOrEqual(1000);
  });

  it('fetches each page once, whatever way it was linked', () => {
    const paths = sites.blog!.paths().filter((path) => path.startsWith('/posts/'));
    expect(paths.sort()).toEqual(['/posts/1', '/posts/2', '/posts/3']);
  });

  it('starts a new pass with conditional requests after a finished one', async () => {
    const before = sites.blog!.requests.length;
    const sql = await openSql(store);
    const config = loadSites(dir);
    const summary = await crawl(sql, config, { siteIds: ['blog'] });
    const snapshots = await collect(snapshotsOf(sql, summary.passId));
    await sql.close();
    expect(summary.resumed).toBe(false);
    expect(summary.finished).toBe(true);
    expect(summary.notModified).toBe(3);
    const posts = snapshots.filter((snapshot) => snapshot.url.includes('/posts/'));
    expect(posts.map((snapshot) => [snapshot.notModified, snapshot.changed, snapshot.status])).toEqual([
      [true, false, 200],
      [true, false, 200],
      [true, false, 200],
    ]);
    expect(posts[0]!.body).toContain('<h1>');
    const conditional = sites
      .blog!.requests.slice(before)
      .filter((request) => request.path.startsWith('/posts/'));
    expect(conditional.every((request) => request.headers['if-none-match'])).toBe(true);
    // robots.txt came from the cache: asked once in all.
    expect(sites.blog!.paths().filter((path) => path === '/robots.txt')).toHaveLength(1);
  });

  it('refuses the private addresses of the demo without --allow-private-networks', async () => {
    const other = tempDir();
    writeSites(other, {
      crawler: {
        ...fastCrawler,
        allowPrivateNetworks: false,
        resolve: { 'links.example': sites.links!.address },
      },
      sites: [{ id: 'links', url: 'http://links.example/', kind: 'community' }],
    });
    const before = sites.links!.requests.length;
    for (const name of ['s', 's2']) openStore(`${other}/${name}.sqlite`).close();
    const refused = await runCli(['--store', `${other}/s.sqlite`, '--rules', other, 'crawl', '--delay', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/private-address: 1/);
    expect(sites.links!.requests.length).toBe(before);
    const allowed = await runCli([
      '--store',
      `${other}/s2.sqlite`,
      '--rules',
      other,
      'crawl',
      '--allow-private-networks',
    ]);
    expect(allowed.code).toBe(0);
  });

  it('rejects an unknown --site with exit code 2', async () => {
    const result = await runCli(['--store', store, '--rules', dir, 'crawl', '--site', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nope');
  });
});
