import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSources } from '../../src/ingest/import.ts';
import { countArticles, getArticle } from '../../src/store/articles.ts';
import { startServer, type TestServer } from '../helpers/http.ts';
import { atom, jsonFeed, rss } from './_feeds.ts';
import { freshStore, snapshot } from './_store.ts';

let server: TestServer;
let base: string;
// The test server is on 127.0.0.1, which import refuses unless told otherwise.
const local = { fetch: { allowPrivateNetworks: true } };

beforeAll(async () => {
  server = await startServer((request, response) => {
    const path = request.url ?? '/';
    const send = (type: string, body: string) => {
      response.writeHead(200, { 'content-type': type });
      response.end(body);
    };
    if (path === '/rss.xml') return send('application/rss+xml; charset=utf-8', rss);
    if (path === '/atom.xml') return send('application/atom+xml', atom);
    if (path === '/feed.json') return send('application/feed+json', jsonFeed);
    if (path === '/latin1.xml') {
      response.writeHead(200, { 'content-type': 'application/rss+xml; charset=iso-8859-1' });
      return response.end(
        Buffer.from(rss.replace('Grain corridor reopens', 'Grain corridor: São Tomé'), 'latin1'),
      );
    }
    if (path === '/cp1252.xml') {
      // Labelled Latin-1 but written by a Windows tool: 0x93 and 0x94 are curly quotes, as
      // browsers read them, not C1 controls.
      response.writeHead(200, { 'content-type': 'application/rss+xml; charset=iso-8859-1' });
      const [head, tail] = rss.split('Grain corridor reopens') as [string, string];
      return response.end(
        Buffer.concat([
          Buffer.from(head),
          Buffer.from([0x93, 0x47, 0x72, 0x61, 0x69, 0x6e, 0x94]),
          Buffer.from(tail),
        ]),
      );
    }
    if (path === '/not-utf8.xml') {
      // Claims UTF-8, but the bytes are Latin-1: the claim the bytes disprove is not believed.
      response.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      return response.end(Buffer.from(rss.replace('Grain corridor reopens', 'São Tomé'), 'latin1'));
    }
    const hop = /^\/hop\/(\d+)$/.exec(path);
    if (hop) {
      const left = Number(hop[1]);
      response.writeHead(302, { location: left > 0 ? `/hop/${left - 1}` : '/rss.xml' });
      return response.end();
    }
    if (path === '/big') {
      response.writeHead(200, { 'content-type': 'application/rss+xml' });
      // No content-length: the cap must hold on the streamed body too.
      for (let index = 0; index < 64; index++) response.write(`<!-- ${'x'.repeat(1024)} -->\n`);
      return response.end();
    }
    if (path === '/stall') {
      // Headers and a first chunk at once, then nothing: only the whole-response limit ends it.
      response.writeHead(200, { 'content-type': 'application/rss+xml' });
      response.write('<rss version="2.0"><channel>');
      return;
    }
    if (path === '/slow') {
      const timer = setTimeout(() => send('application/rss+xml', rss), 5_000);
      response.on('close', () => clearTimeout(timer));
      return;
    }
    response.writeHead(404);
    response.end('not here');
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
});

describe('feed readers over HTTP', () => {
  it('reads RSS 2.0 with content:encoded, dc:creator and category domains', async () => {
    const { db } = await freshStore();
    const summary = await importSources(db, [`${base}/rss.xml`], local);
    expect(summary.files[0]).toMatchObject({
      kind: 'rss',
      inserted: ['nw-rss-1', 'https://northwind.example/2026/01/second/'],
    });
    expect(await getArticle(db, 'nw-rss-1')).toEqual({
      id: 'nw-rss-1',
      url: 'https://northwind.example/2026/01/grain-corridor/',
      title: 'Grain corridor reopens',
      published: '2026-01-12T08:00:00.000Z',
      authors: [{ name: 'Ana Lima' }, { name: 'Jonas Berg' }],
      summary: 'The corridor & its ports.',
      html: '<p>Ships moved again on Monday.</p><p>A <item> in CDATA is text.</p>',
      categories: [
        { term: 'Black Sea', scheme: 'Region' },
        { term: 'Food Security', scheme: 'Theme' },
        { term: 'Analysis' },
      ],
      tags: [],
      language: 'en',
      image: 'https://northwind.example/img/corridor.jpg',
      rights: 'Copyright © 2026 Northwind Review',
      aliases: [],
    });
    const second = await getArticle(db, 'https://northwind.example/2026/01/second/');
    expect(second).toMatchObject({
      published: '2026-01-13T09:30:00.000Z',
      authors: [{ name: 'Mira Okafor', email: 'desk@northwind.example' }],
      html: 'Only a description.',
      image: 'https://northwind.example/img/second.png',
    });
    expect(second?.summary).toBeUndefined();
    await db.close();
  });

  it('reads Atom 1.0 with category schemes and labels, authors and rights', async () => {
    const { db } = await freshStore();
    const summary = await importSources(db, [`${base}/atom.xml`], local);
    expect(summary.files[0]?.kind).toBe('atom');
    expect(await getArticle(db, 'tag:northwind.example,2026:delta')).toEqual({
      id: 'tag:northwind.example,2026:delta',
      url: 'https://northwind.example/2026/02/delta-accord/',
      title: 'Delta water accord',
      published: '2026-02-01T07:00:00.000Z',
      updated: '2026-02-03T12:00:00.000Z',
      authors: [
        { name: 'Ana Lima', url: 'https://northwind.example/authors/lima/', email: 'lima@northwind.example' },
        { name: 'Élodie Marchand' },
      ],
      summary: 'Upstream and downstream states agree.',
      html: '<p>The accord was signed at dawn.</p>',
      categories: [
        { term: 'Nile Basin', scheme: 'Region' },
        { term: 'water', scheme: 'Theme', label: 'Water Security' },
        { term: 'treaties' },
      ],
      tags: [],
      image: 'https://northwind.example/img/delta.jpg',
      rights: 'Copyright © 2026 Ana Lima, Northwind Review',
      aliases: [],
    });
    // Only `updated`: it is the published date; text content is escaped, feed rights apply.
    expect(await getArticle(db, 'tag:northwind.example,2026:plain')).toMatchObject({
      published: '2026-02-05T00:00:00.000Z',
      html: '<p>Fish &amp; chips &lt;b&gt;not bold&lt;/b&gt;</p>',
      rights: 'Copyright © 2026 Northwind Review',
    });
    await db.close();
  });

  it('reads JSON Feed 1.1 with authors, tags, content_text and languages', async () => {
    const { db } = await freshStore();
    const summary = await importSources(db, [`${base}/feed.json`], local);
    expect(summary.files[0]).toMatchObject({ kind: 'json-feed', inserted: ['nw-json-1', 'nw-json-2'] });
    expect(await getArticle(db, 'nw-json-1')).toEqual({
      id: 'nw-json-1',
      url: 'https://northwind.example/2026/03/river-treaty-talks/',
      title: 'River treaty talks',
      published: '2026-03-04T07:00:00.000Z',
      updated: '2026-03-05T07:00:00.000Z',
      authors: [{ name: 'Ana Lima', url: 'https://northwind.example/authors/lima/' }],
      summary: 'Talks opened.',
      html: '<p>Talks opened in <strong>Niamey</strong>.</p>',
      categories: [],
      tags: ['rivers', 'Sahel'],
      language: 'en',
      image: 'https://northwind.example/img/river.jpg',
      aliases: [],
    });
    expect(await getArticle(db, 'nw-json-2')).toMatchObject({
      language: 'es',
      html: '<p>Primera línea &amp; más.</p>\n<p>Segunda &lt;b&gt;parte&lt;/b&gt;.</p>',
    });
    await db.close();
  });

  it('reports every item unchanged when the same feeds are imported again', async () => {
    const { db } = await freshStore();
    const urls = [`${base}/rss.xml`, `${base}/atom.xml`, `${base}/feed.json`];
    const first = await importSources(db, urls, local);
    expect(first).toMatchObject({ inserted: 6, failed: 0 });
    const second = await importSources(db, urls, local);
    expect(second).toMatchObject({ inserted: 0, updated: 0, unchanged: 6, changed: [] });
    await db.close();
  });

  it('decodes the charset the server declares', async () => {
    const { db } = await freshStore();
    await importSources(db, [`${base}/latin1.xml`], local);
    expect((await getArticle(db, 'nw-rss-1'))?.title).toBe('Grain corridor: São Tomé');
    await db.close();
  });

  it('decodes as the crawler does: Latin-1 read as windows-1252, a false UTF-8 claim ignored', async () => {
    const { db } = await freshStore();
    await importSources(db, [`${base}/cp1252.xml`], local);
    expect((await getArticle(db, 'nw-rss-1'))?.title).toBe('\u201cGrain\u201d');
    await db.close();
    const second = await freshStore();
    await importSources(second.db, [`${base}/not-utf8.xml`], local);
    expect((await getArticle(second.db, 'nw-rss-1'))?.title).toBe('São Tomé');
    await second.db.close();
  });

  it('follows up to the redirect limit and no further', async () => {
    const { db } = await freshStore();
    const within = await importSources(db, [`${base}/hop/2`], { fetch: { ...local.fetch, maxRedirects: 5 } });
    expect(within.failed).toBe(0);
    const beyond = await importSources(db, [`${base}/hop/9`], { fetch: { ...local.fetch, maxRedirects: 3 } });
    expect(beyond.files[0]?.error?.toString()).toBe(`${base}/hop/9: too many redirects (more than 3)`);
    await db.close();
  });

  it('refuses a body over the size cap, a 404, a slow server and a stalled body, importing nothing', async () => {
    const { db } = await freshStore();
    const summary = await importSources(
      db,
      [`${base}/big`, `${base}/missing`, `${base}/slow`, `${base}/stall`],
      {
        fetch: { ...local.fetch, maxBytes: 16 * 1024, headersTimeoutMs: 200, responseTimeoutMs: 400 },
      },
    );
    expect(summary.files.map((file) => file.error?.message)).toEqual([
      'response too large: more than 16384 bytes',
      'HTTP status 404',
      expect.stringMatching(/^cannot fetch: .*(timeout|timed out)/i),
      'cannot fetch: timed out after 400 ms',
    ]);
    expect(await countArticles(db)).toBe(0);
    await db.close();
  });
});

describe('feed readers from files', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    [
      'an RSS item with a bad date',
      'feed.xml',
      rss.replace('Mon, 12 Jan 2026 08:00:00 GMT', 'the twelfth'),
      /^feed\.xml:13: item\[0\]\.published: not an RFC 822 date: "the twelfth"/,
    ],
    [
      'an RSS item with a numeric date nobody can read for sure',
      'feed.xml',
      rss.replace('Mon, 12 Jan 2026 08:00:00 GMT', '06/10/2025'),
      /^feed\.xml:13: item\[0\]\.published: not an RFC 822 date: "06\/10\/2025"/,
    ],
    [
      'an RSS item dated on a day the calendar does not have',
      'feed.xml',
      rss.replace('Mon, 12 Jan 2026 08:00:00 GMT', 'Mon, 30 Feb 2026 08:00:00 GMT'),
      /^feed\.xml:13: item\[0\]\.published: not an RFC 822 date/,
    ],
    [
      'an Atom entry with an unreadable date',
      'feed.atom',
      atom.replace('2026-02-05T00:00:00Z', 'soon'),
      /^feed\.atom:23: item\[1\]\.published: not an ISO 8601 date: "soon"/,
    ],
    [
      'an Atom entry without a link',
      'feed.atom',
      atom.replace('<link href="https://northwind.example/2026/02/plain/"/>', ''),
      /^feed\.atom:23: item\[1\]\.url: /,
    ],
    ['broken XML', 'feed.xml', rss.replace('</title>', ''), /^feed\.xml:\d+: invalid feed XML/],
    [
      'a JSON Feed item without a title',
      'feed.json',
      jsonFeed.replace('"title": "Texto plano",', ''),
      /^feed\.json:20: item\[1\]\.title: /,
    ],
    [
      'a JSON Feed item dated on a day the calendar does not have',
      'feed.json',
      jsonFeed.replace(
        '"date_published": "2026-03-06T07:00:00Z",',
        '"date_published": "2026-02-30T07:00:00Z",',
      ),
      /^feed\.json:20: item\[1\]\.published: not an ISO 8601 date: "2026-02-30T07:00:00Z"/,
    ],
    [
      'broken JSON',
      'feed.json',
      jsonFeed.replace('"items": [', '"items": [,'),
      /^feed\.json:6: invalid JSON: Unexpected token/,
    ],
    [
      'duplicate ids',
      'feed.json',
      jsonFeed.replace('"id": "nw-json-2"', '"id": "nw-json-1"'),
      /^feed\.json:20: item\[1\]\.id: duplicate id "nw-json-1": also at item\[0\] \(line 8\)/,
    ],
  ];

  it.each(cases)('refuses %s naming the file, line and item', async (_name, name, text, message) => {
    const { db, dir } = await freshStore();
    writeFileSync(join(dir, 'ok.xml'), rss);
    await importSources(db, [join(dir, 'ok.xml')]);
    const before = await snapshot(db);
    const file = join(dir, name);
    writeFileSync(file, text);
    const summary = await importSources(db, [file]);
    expect(summary.files[0]?.error?.toString().replace(`${dir}/`, '')).toMatch(message);
    expect(await snapshot(db)).toEqual(before);
    await db.close();
  });
});
