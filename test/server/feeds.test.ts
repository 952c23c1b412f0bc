import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFeeds } from '../../src/feed/build.ts';
import { VIEW_CONTENT_SECURITY_POLICY } from '../../src/feed/html-view.ts';
import { chooseEncoding, type RunningServer, startServer } from '../../src/server/index.ts';
import { openSql } from '../../src/store/db.ts';
import { articles, feedConfig, seededStore } from '../feed/_support.ts';
import { tempDir } from '../helpers/tmp.ts';
import { raw } from './_http.ts';

const running: RunningServer[] = [];
const stores: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  for (const db of stores.splice(0)) await db.close();
});

const RSS = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Northwind</title>${'<item><title>x</title></item>'.repeat(200)}</channel></rss>`;

async function serveFeeds() {
  const dir = tempDir();
  const out = join(dir, 'public');
  mkdirSync(out);
  writeFileSync(join(out, 'news.xml'), RSS);
  writeFileSync(join(out, 'news.atom'), '<feed xmlns="http://www.w3.org/2005/Atom"/>');
  writeFileSync(join(out, 'news.json'), '{"version":"https://jsonfeed.org/version/1.1"}');
  writeFileSync(join(out, 'feeds.opml'), '<opml version="2.0"/>');
  writeFileSync(join(dir, 'secret.xml'), '<secret/>');
  const past = new Date('2026-01-01T00:00:00Z');
  utimesSync(join(out, 'news.xml'), past, past);
  const db = await openSql(join(dir, 'store.sqlite'));
  stores.push(db);
  const server = await startServer({ sql: db, outDir: out, host: '127.0.0.1', port: 0 });
  running.push(server);
  return { server, out, db };
}

describe('serving feeds', () => {
  it('answers with the right type, validators, then 304 on a matching ETag or date', async () => {
    const { server, out } = await serveFeeds();
    const types = await Promise.all(
      ['news.xml', 'news.atom', 'news.json', 'feeds.opml'].map(
        async (name) => (await raw(`${server.url}/${name}`)).headers['content-type'],
      ),
    );
    expect(types).toEqual([
      'application/rss+xml; charset=utf-8',
      'application/atom+xml; charset=utf-8',
      'application/feed+json; charset=utf-8',
      'text/x-opml; charset=utf-8',
    ]);
    const first = await raw(`${server.url}/news.xml`);
    expect(first.status).toBe(200);
    expect(first.text).toBe(RSS);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(first.headers['last-modified']).toBe('Thu, 01 Jan 2026 00:00:00 GMT');
    expect(first.headers['content-security-policy']).toContain("default-src 'none'");
    // Public documents: readable by web-based readers on other origins.
    expect(first.headers['access-control-allow-origin']).toBe('*');
    expect(first.headers['cross-origin-resource-policy']).toBe('cross-origin');

    const again = await raw(`${server.url}/news.xml`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(
      (await raw(`${server.url}/news.xml`, { headers: { 'if-none-match': `W/${etag}, "other"` } })).status,
    ).toBe(304);
    expect((await raw(`${server.url}/news.xml`, { headers: { 'if-none-match': '"other"' } })).status).toBe(
      200,
    );
    const byDate = await raw(`${server.url}/news.xml`, {
      headers: { 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' },
    });
    expect(byDate.status).toBe(304);
    const older = await raw(`${server.url}/news.xml`, {
      headers: { 'if-modified-since': 'Wed, 31 Dec 2025 00:00:00 GMT' },
    });
    expect(older.status).toBe(200);
    // If-None-Match wins over If-Modified-Since.
    const both = await raw(`${server.url}/news.xml`, {
      headers: { 'if-none-match': '"other"', 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' },
    });
    expect(both.status).toBe(200);

    // A rebuilt feed gets a new ETag, and the old one no longer matches.
    writeFileSync(join(out, 'news.xml'), RSS.replace('Northwind', 'Northwind Review'));
    const rebuilt = await raw(`${server.url}/news.xml`, { headers: { 'if-none-match': etag } });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.headers.etag).not.toBe(etag);
  });

  it('compresses with gzip or brotli when asked, and HEAD sends headers only', async () => {
    const { server } = await serveFeeds();
    const gzip = await raw(`${server.url}/news.xml`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers.vary).toBe('Accept, Accept-Encoding');
    expect(gzip.body.length).toBeLessThan(RSS.length);
    expect(gunzipSync(gzip.body).toString()).toBe(RSS);
    const br = await raw(`${server.url}/news.xml`, { headers: { 'accept-encoding': 'gzip;q=0.5, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(RSS);
    expect(br.headers.etag).not.toBe(gzip.headers.etag);
    const plain = await raw(`${server.url}/news.xml`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    // A compressed variant's ETag still validates.
    const revalidated = await raw(`${server.url}/news.xml`, {
      headers: { 'accept-encoding': 'gzip', 'if-none-match': gzip.headers.etag as string },
    });
    expect(revalidated.status).toBe(304);
    const head = await raw(`${server.url}/news.xml`, {
      method: 'HEAD',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBe(gzip.body.length);
    expect(head.headers.etag).toBe(gzip.headers.etag);
  });

  it('serves nothing outside the folder or of another kind', async () => {
    const { server, out } = await serveFeeds();
    writeFileSync(join(out, 'notes.txt'), 'private');
    for (const path of [
      '/../secret.xml',
      '/%2e%2e/secret.xml',
      '/..%2fsecret.xml',
      '/notes.txt',
      '/missing.xml',
      '/%zz.xml',
    ]) {
      const response = await raw(`${server.url}${path}`);
      expect([path, response.status]).toEqual([path, 404]);
    }
    expect((await raw(`${server.url}/news.xml`, { method: 'DELETE' })).status).toBe(405);
    const home = await raw(`${server.url}/`);
    expect(home.text).toContain('href="/news.atom"');
  });

  it('picks encodings by q-value', async () => {
    expect(chooseEncoding('gzip, deflate, br')).toBe('br');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('*;q=0.1')).toBe('br');
    expect(chooseEncoding('deflate')).toBe('identity');
    expect(chooseEncoding(undefined)).toBe('identity');
  });
});

describe('the browser view of a feed', () => {
  const CHROMIUM = '/usr/bin/chromium';
  const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

  async function serveBuilt() {
    const dir = tempDir();
    const sql = await seededStore(join(dir, 'store.sqlite'));
    stores.push(sql);
    const out = join(dir, 'public');
    await buildFeeds(
      sql,
      feedConfig(
        { id: 'all', title: 'All <stories> & "more"', description: 'Every <b>article</b>' },
        { id: 'ana', title: 'Ana', filter: { authors: ['Ana Lima'] }, formats: ['atom'] },
      ),
      { out },
    );
    const server = await startServer({
      sql,
      outDir: out,
      host: '127.0.0.1',
      port: 0,
    });
    running.push(server);
    return server;
  }

  it('answers a browser with the page and a feed reader with the feed, on the same URL', async () => {
    const server = await serveBuilt();
    const page = await raw(`${server.url}/feeds/all.xml`, { headers: { accept: BROWSER } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers.vary).toBe('Accept, Accept-Encoding');
    expect(page.headers['content-security-policy']).toBe(VIEW_CONTENT_SECURITY_POLICY);
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    // Every format's URL shows the same page; the feed is the answer to everything else.
    for (const name of ['all.atom', 'all.json']) {
      expect((await raw(`${server.url}/feeds/${name}`, { headers: { accept: BROWSER } })).text).toBe(
        page.text,
      );
    }
    for (const accept of [
      undefined,
      '*/*',
      'application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8',
      'application/atom+xml,application/rdf+xml,application/rss+xml,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1',
      'application/rss+xml, text/html;q=0.5',
      'application/xml, text/html',
    ]) {
      const feed = await raw(`${server.url}/feeds/all.xml`, { headers: accept ? { accept } : {} });
      expect(feed.headers['content-type'], accept).toBe('application/rss+xml; charset=utf-8');
      expect(feed.headers.vary).toBe('Accept, Accept-Encoding');
      expect(feed.text).toContain('<rss ');
    }
    // The page has its own validator, so a cache keeps the two apart.
    const etag = page.headers.etag as string;
    const feedEtag = (await raw(`${server.url}/feeds/all.xml`)).headers.etag;
    expect(etag).not.toBe(feedEtag);
    expect(
      (await raw(`${server.url}/feeds/all.xml`, { headers: { accept: BROWSER, 'if-none-match': etag } }))
        .status,
    ).toBe(304);
    // Archive pages and the OPML list have no page of their own.
    expect(
      (await raw(`${server.url}/feeds/feeds.opml`, { headers: { accept: BROWSER } })).headers['content-type'],
    ).toBe('text/x-opml; charset=utf-8');
  });

  it.skipIf(!existsSync(CHROMIUM))('reads well in Chromium and runs nothing from the articles', async () => {
    const server = await serveBuilt();
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const events: string[] = [];
      page.on('dialog', (dialog) => {
        events.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      page.on('console', (message) => events.push(`console.${message.type()}: ${message.text()}`));
      page.on('pageerror', (error) => events.push(`pageerror: ${error.message}`));
      const response = await page.goto(`${server.url}/feeds/all.xml`);
      expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
      expect(await page.locator('h1').textContent()).toBe('All <stories> & "more"');
      expect(await page.title()).toBe('All <stories> & "more" — Northwind Review');
      // Subscribe links: the address of each format.
      expect(await page.locator('.about a code').allTextContents()).toEqual([
        'https://northwind.example/feeds/all.xml',
        'https://northwind.example/feeds/all.atom',
        'https://northwind.example/feeds/all.json',
      ]);
      // Every item, its title as text (the hostile one included), linked to the original, with the credit.
      const titles = await page.locator('article h2 a').allTextContents();
      expect(titles).toHaveLength(articles.length);
      expect(titles[0]).toContain('<script>alert("x")</script>');
      expect(await page.locator('article h2 a').first().getAttribute('href')).toBe(articles[0]!.url);
      const credit = page.locator('article .credit').first();
      expect(await credit.textContent()).toContain('First published by Northwind Review');
      expect(await credit.locator('a').getAttribute('href')).toBe(articles[0]!.url);
      expect(await page.locator('script').count()).toBe(0);
      // The inline style sheet is allowed by its hash: the page is laid out, and nothing was refused.
      expect(await page.evaluate('getComputedStyle(document.body).maxWidth')).not.toBe('none');
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      expect(events).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
