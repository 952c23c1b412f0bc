import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, fetchPageSnapshot } from '../../src/crawl/fetch-page.ts';
import { Fetcher } from '../../src/net/http.ts';
import { html, startSite, type TestSite } from '../helpers/http.ts';

/** One server behaviour per case, each behind its own path of one real server. */
let site: TestSite;
let twin: TestSite;
let other: TestSite;
const page = html('<p>hello</p>');
/**
 * 50 MiB of zeros gzipped, made once: compressed inside the request it held the response headers
 * back past the 1 s headers timeout on a busy machine, and the bomb failed as a timeout.
 */
const GZIP_BOMB = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0), { level: 9 });

const latin = iconv.encode(
  '<html><head><meta charset="windows-1252"></head><body>café – “quoted” €</body></html>',
  'windows-1252',
);

beforeAll(async () => {
  other = await startSite({ '/': page });
  twin = await startSite({ '/landing': page });
  site = await startSite({
    '/plain': page,
    '/gzip': (_q, r) =>
      r.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(gzipSync(page)),
    '/deflate': (_q, r) =>
      r.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'deflate' }).end(deflateSync(page)),
    '/deflate-raw': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'deflate' })
        .end(deflateRawSync(page)),
    '/br': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br' })
        .end(brotliCompressSync(page)),
    '/slow-headers': (_q, r) => {
      setTimeout(() => r.writeHead(200, { 'content-type': 'text/html' }).end(page), 1500);
    },
    '/slow-body': (_q, r) => {
      // A byte every 100 ms: never idle long enough for an inactivity timeout, never done.
      r.writeHead(200, { 'content-type': 'text/html' });
      const timer = setInterval(() => r.write('.'), 100);
      r.on('close', () => clearInterval(timer));
    },
    '/endless': (_q, r) => {
      r.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = () => {
        while (r.write(chunk)) {}
      };
      r.on('drain', pump);
      pump();
    },
    '/oversized': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/html', 'content-length': String(300_000) })
        .end(Buffer.alloc(300_000, 'b')),
    '/gzip-bomb': (_q, r) =>
      r.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(GZIP_BOMB),
    '/loop-a': (_q, r) => r.writeHead(302, { location: '/loop-b' }).end(),
    '/loop-b': (_q, r) => r.writeHead(302, { location: '/loop-a' }).end(),
    '/chain-0': (_q, r) => r.writeHead(301, { location: '/chain-1' }).end(),
    ...Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [
        `/chain-${i + 1}`,
        (_q: unknown, r: import('node:http').ServerResponse) =>
          r.writeHead(301, { location: `/chain-${i + 2}` }).end(),
      ]),
    ),
    '/to-twin': (_q, r) => r.writeHead(301, { location: 'http://www.shop.example/landing' }).end(),
    '/to-other': (_q, r) => r.writeHead(302, { location: 'http://elsewhere.example/' }).end(),
    '/to-private': (_q, r) => r.writeHead(302, { location: `http://127.0.0.1:${other.port}/` }).end(),
    '/reset': (_q, _r, socket) => {
      socket.resetAndDestroy();
    },
    '/missing': (_q, r) => r.writeHead(404, { 'content-type': 'text/html' }).end('gone'),
    '/image': (_q, r) => r.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50])),
    '/latin-meta': (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(latin),
    '/latin-wrong-header': (_q, r) =>
      r.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(latin),
    '/sjis': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/html; charset=Shift_JIS' })
        .end(iconv.encode('<html><body>日本語のページ</body></html>', 'shift_jis')),
    '/no-charset': (_q, r) =>
      r.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.from('<p>naïve façade</p>')),
    '/bom': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/html; charset=windows-1252' })
        .end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<p>Zoë</p>')])),
    '/malformed': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<html><body><p>open <div><a href="/x">x</b></table>'),
    '/ua': (q, r) =>
      r.writeHead(200, { 'content-type': 'text/html' }).end(`<p>${q.headers['user-agent']}</p>`),
  });
});

afterAll(async () => {
  await Promise.all([site.close(), twin.close(), other.close()]);
});

function options(extra: Parameters<typeof fetchPageSnapshot>[1] = {}) {
  return {
    allowPrivateNetworks: true,
    resolve: {
      'shop.example': site.address,
      'www.shop.example': twin.address,
      'elsewhere.example': other.address,
    },
    headersTimeoutMs: 1000,
    bodyTimeoutMs: 1500,
    maxBodyBytes: 100_000,
    ...extra,
  };
}

async function failure(
  path: string,
  extra: Parameters<typeof fetchPageSnapshot>[1] = {},
): Promise<FetchError> {
  const error = await fetchPageSnapshot(`http://shop.example${path}`, options(extra)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FetchError);
  expect((error as FetchError).code).toBe('fetch');
  return error as FetchError;
}

describe('fetchPageSnapshot', () => {
  it.each(['/plain', '/gzip', '/deflate', '/deflate-raw', '/br'])('decodes %s', async (path) => {
    const snapshot = await fetchPageSnapshot(`http://shop.example${path}`, options());
    expect(snapshot.status).toBe(200);
    expect(snapshot.body).toBe(page);
    expect(snapshot.contentType).toBe('text/html');
    expect(snapshot.bodyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the Host header of the name while connecting to the resolved address', async () => {
    await fetchPageSnapshot('http://shop.example/plain', options());
    expect(site.requests.at(-1)?.host).toBe('shop.example');
  });

  it('sends the configured User-Agent', async () => {
    const snapshot = await fetchPageSnapshot(
      'http://shop.example/ua',
      options({ userAgent: 'syndicate/0.1 (+https://ops.example/bot)' }),
    );
    expect(snapshot.body).toContain('syndicate/0.1 (+https://ops.example/bot)');
  });

  it('refuses a private address unless allowed', async () => {
    const error = await failure('/plain', { allowPrivateNetworks: false });
    expect(error.kind).toBe('private-address');
  });

  it.each([
    ['/slow-headers', 'timeout'],
    ['/slow-body', 'timeout'],
    ['/endless', 'too-large'],
    ['/oversized', 'too-large'],
    ['/gzip-bomb', 'too-large'],
    ['/loop-a', 'too-many-redirects'],
    ['/chain-0', 'too-many-redirects'],
    ['/to-other', 'off-site'],
    ['/to-private', 'off-site'],
    ['/reset', 'connection'],
    ['/missing', 'http-status'],
    ['/image', 'content-type'],
  ])('%s fails as %s', async (path, kind) => {
    const error = await failure(path);
    expect(error.kind).toBe(kind);
  });

  it('follows a redirect to the www twin', async () => {
    const snapshot = await fetchPageSnapshot('http://shop.example/to-twin', options());
    expect(snapshot.finalUrl).toBe('http://www.shop.example/landing');
    expect(snapshot.url).toBe('http://shop.example/to-twin');
  });

  it('refuses a private address reached through a redirect, even to the twin', async () => {
    const fetcher = new Fetcher({
      userAgent: 'syndicate/0.1',
      allowPrivateNetworks: [`127.0.0.1/32`],
      resolve: { 'shop.example': site.address, 'www.shop.example': `127.0.0.2:${twin.port}` },
      headersTimeoutMs: 1000,
      bodyTimeoutMs: 1000,
      maxBodyBytes: 100_000,
      maxRedirects: 5,
    });
    try {
      const error = await fetcher.fetch('http://shop.example/to-twin').catch((caught: unknown) => caught);
      expect((error as FetchError).kind).toBe('private-address');
      expect((await fetcher.fetch('http://shop.example/plain')).status).toBe(200);
    } finally {
      await fetcher.close();
    }
  });

  it.each([
    ['/latin-meta', 'café – “quoted” €'],
    ['/latin-wrong-header', 'café – “quoted” €'],
    ['/sjis', '日本語のページ'],
    ['/no-charset', 'naïve façade'],
    ['/bom', 'Zoë'],
  ])('decodes the text of %s', async (path, text) => {
    const snapshot = await fetchPageSnapshot(`http://shop.example${path}`, options());
    expect(snapshot.body).toContain(text);
  });

  it('keeps malformed HTML as it came', async () => {
    const snapshot = await fetchPageSnapshot('http://shop.example/malformed', options());
    expect(snapshot.body).toContain('<a href="/x">x</b>');
  });
});
