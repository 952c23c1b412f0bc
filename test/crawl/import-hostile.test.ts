import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseXmlFeed, rootElement } from '../../src/ingest/_xml-feed.ts';
import { importSources } from '../../src/ingest/import.ts';
import { setLogLevel } from '../../src/log.ts';
import { MAX_ARTICLE_CHARS } from '../../src/store/article.ts';
import { countArticles } from '../../src/store/articles.ts';
import { runCli } from '../helpers/cli.ts';
import { describeEngines } from '../helpers/engines.ts';
import { startServer, type TestServer } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * `import URL` is hostile input too: it goes through the crawler's address policy (each redirect
 * hop checked), one size limit holds for an article whatever its source, and the XML pre-scan is
 * linear however the prolog is written.
 */

const feed = `<?xml version="1.0"?>
<rss version="2.0"><channel><title>t</title><link>https://northwind.example/</link><description>d</description>
<item><title>One</title><link>https://northwind.example/one/</link><guid>one</guid><pubDate>Mon, 12 Jan 2026 08:00:00 GMT</pubDate><description>Body</description></item>
</channel></rss>
`;

let server: TestServer;
let port: number;
let base: string;

beforeAll(async () => {
  setLogLevel('silent');
  server = await startServer((request, response) => {
    const path = request.url ?? '/';
    if (path === '/rss.xml') {
      response.writeHead(200, { 'content-type': 'application/rss+xml' });
      response.end(feed);
    } else if (path === '/to-loopback') {
      // 127.0.0.2 is loopback too, and outside the one network the test allows.
      response.writeHead(302, { location: `http://127.0.0.2:${port}/rss.xml` });
      response.end();
    } else if (path === '/to-nat64') {
      response.writeHead(302, { location: `http://[64:ff9b::7f00:1]:${port}/rss.xml` });
      response.end();
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  port = server.port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.close();
});

describeEngines('import URL under the address policy', (engine) => {
  it('refuses a feed on a loopback address unless private networks are allowed', async () => {
    const sql = await engine.open();
    const refused = await importSources(sql, [`${base}/rss.xml`]);
    expect(refused.files[0]?.error?.message).toMatch(/^refused: .*127\.0\.0\.1.*private address/);
    expect(await countArticles(sql)).toBe(0);
    const allowed = await importSources(sql, [`${base}/rss.xml`], {
      fetch: { allowPrivateNetworks: true },
    });
    expect(allowed.inserted).toBe(1);
    expect(await countArticles(sql)).toBe(1);
  });

  it.each([
    ['another loopback address', '/to-loopback', /127\.0\.0\.2/],
    ['a NAT64 address that embeds 127.0.0.1', '/to-nat64', /64:ff9b::7f00:1/],
  ])('refuses a redirect to %s even when the first host is allowed', async (_name, path, where) => {
    const sql = await engine.open();
    const summary = await importSources(sql, [`${base}${path}`], {
      fetch: { allowPrivateNetworks: ['127.0.0.1/32'] },
    });
    expect(summary.files[0]?.error?.message).toMatch(/^refused: /);
    expect(summary.files[0]?.error?.message).toMatch(where);
    expect(await countArticles(sql)).toBe(0);
  });
});

describe('import URL from the command line', () => {
  it('takes --allow-private-networks on the command line', async () => {
    const dir = tempDir();
    const store = join(dir, 'store.sqlite');
    const refused = await runCli(['--store', store, 'import', `${base}/rss.xml`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refused: .*--allow-private-networks/);
    const allowed = await runCli(['--store', store, 'import', '--allow-private-networks', `${base}/rss.xml`]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/1 inserted/);
  });
});

describeEngines('one size limit for an article', (engine) => {
  const big = 'x'.repeat(MAX_ARTICLE_CHARS + 1);

  it.each([
    [
      'a JSONL line',
      'a.jsonl',
      `${JSON.stringify({ url: 'https://northwind.example/a', title: 'A', published: '2026-01-01' })}\n${JSON.stringify({ url: 'https://northwind.example/b', title: 'B', published: '2026-01-01', html: `<p>${big}</p>` })}\n`,
      /^.*a\.jsonl:2: html: is longer than 1,000,000 characters/,
    ],
    [
      'a Markdown file',
      'b.md',
      `---\nurl: https://northwind.example/b\ntitle: B\npublished: 2026-01-01\n---\n${big}\n`,
      /^.*b\.md:1: markdown: is longer than 1,000,000 characters/,
    ],
  ])(
    'refuses %s over the limit, naming the place and importing nothing of it',
    async (_name, file, text, message) => {
      const dir = tempDir();
      writeFileSync(join(dir, file), text);
      const sql = await engine.open();
      const summary = await importSources(sql, [join(dir, file)]);
      expect(summary.failed).toBe(1);
      const error = summary.files[0]?.error;
      expect(
        `${error?.where?.file}:${error?.where?.line}: ${error?.where?.field}: ${error?.message}`,
      ).toMatch(message);
      expect(await countArticles(sql)).toBe(0);
    },
  );
});

describe('the XML pre-scan is linear', () => {
  // Each of these took seconds to minutes with the prolog as one regular expression; the runner's
  // timeout catches a hang, `npm run bench hostile` measures the time.
  it('finds the root element after a megabyte of comment openers inside a processing instruction', () => {
    const text = `<?xml version="1.0"?><?pi ${'<!--'.repeat(250_000)}?>\n<rss version="2.0"></rss>`;
    expect(rootElement(text)).toBe('rss');
  });

  it('gives up on a processing instruction that never ends', () => {
    expect(rootElement(`<?pi ${'<!--'.repeat(250_000)}`)).toBeUndefined();
    expect(rootElement(`<!-- ${'<?'.repeat(250_000)}`)).toBeUndefined();
  });

  it('reads a doctype with an internal subset', () => {
    expect(rootElement('<!DOCTYPE rss [ <!ENTITY a "b"> ]>\n<rss/>')).toBe('rss');
    expect(rootElement('\uFEFF<!doctype feed>\n<feed/>')).toBe('feed');
  });

  it('takes item lines from the parser, not from item-like text in comments and CDATA', () => {
    const text = `<rss><channel>\n<!-- <item> -->\n<item>\n<![CDATA[<item>]]>\n</item><item\n/></channel></rss>`;
    expect(parseXmlFeed(text, 'f.xml').items.map((item) => item.line)).toEqual([3, 5]);
  });
});
