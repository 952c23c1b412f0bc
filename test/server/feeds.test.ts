import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseEncoding, type RunningServer, startServer } from '../../src/server/index.ts';
import { openStore } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';
import { raw } from './_http.ts';

const running: RunningServer[] = [];
const stores: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  for (const db of stores.splice(0)) db.close();
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
  const db = openStore(join(dir, 'store.sqlite'));
  stores.push(db);
  const server = await startServer({ db, outDir: out, host: '127.0.0.1', port: 0 });
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
    expect(gzip.headers.vary).toBe('Accept-Encoding');
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

  it('picks encodings by q-value', () => {
    expect(chooseEncoding('gzip, deflate, br')).toBe('br');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('*;q=0.1')).toBe('br');
    expect(chooseEncoding('deflate')).toBe('identity');
    expect(chooseEncoding(undefined)).toBe('identity');
  });
});
