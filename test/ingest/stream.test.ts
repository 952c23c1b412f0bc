import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_ITEM_CHARS,
  MAX_ITEM_ELEMENTS,
  MAX_RUN_CHARS,
  markupOf,
  parseXmlFeed,
} from '../../src/ingest/_xml-feed.ts';
import { importSources } from '../../src/ingest/import.ts';
import { getArticle } from '../../src/store/articles.ts';
import { MAX_XML_DEPTH } from '../../src/text/xml-stream.ts';
import { startServer } from '../helpers/http.ts';
import { allArticles, freshStore, snapshot } from './_store.ts';

/**
 * The streaming feed reader on hostile and unusual input, through `importSources` into a real
 * store: each hostile file fails alone, with its file and line, and leaves the store as it was.
 * Time is not asserted (the runner's timeout catches a hang); `npm run bench hostile` measures it.
 */

const head =
  '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>t</title><link>https://desk.example/</link><description>d</description>\n';
const goodItem = (n: number) =>
  `<item><title>Item ${n}</title><link>https://desk.example/${n}</link><pubDate>Sat, 07 Mar 2026 10:00:00 GMT</pubDate><description>Text ${n}.</description></item>\n`;

async function importText(name: string, text: string) {
  const { db, dir } = await freshStore();
  const before = await snapshot(db);
  const file = join(dir, name);
  writeFileSync(file, text);
  const summary = await importSources(db, [file]);
  const error = summary.files[0]?.error;
  return {
    db,
    error,
    shown: error?.toString().replace(`${dir}/`, ''),
    unchanged: JSON.stringify(await snapshot(db)) === JSON.stringify(before),
  };
}

describe('hostile feeds', () => {
  it('gives up on a feed nested 1,000,000 deep at the first element past the limit, naming its line', async () => {
    // <item> (the third open element) is on line 3, and each <x> a line below: the 257th open
    // element is the 254th <x>, on line 3 + 254.
    const text = `${head}<item>\n${'<x>\n'.repeat(1_000_000)}${'</x>'.repeat(1_000_000)}</item></channel></rss>`;
    const result = await importText('deep.xml', text);
    expect(result.shown).toBe(
      `deep.xml:${3 + (MAX_XML_DEPTH + 1 - 3)}: the feed nests elements deeper than ${MAX_XML_DEPTH} levels`,
    );
    expect(result.unchanged).toBe(true);
  });

  it('does not expand entities a doctype declares (billion laughs): an undefined entity, at its line', async () => {
    const laughs = Array.from(
      { length: 9 },
      (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level || ''};`.repeat(10)}">`,
    ).join('\n');
    const text = `<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n${laughs}\n]>\n<rss version="2.0"><channel>\n${goodItem(1)}<item><title>&lol9;</title><link>https://desk.example/x</link></item>\n</channel></rss>`;
    const result = await importText('laughs.xml', text);
    expect(result.shown).toBe('laughs.xml:16: invalid feed XML: undefined entity');
    expect(result.unchanged).toBe(true);
  });

  it(`refuses an item holding more than ${MAX_ITEM_CHARS.toLocaleString('en-US')} characters, naming the item's line`, async () => {
    const text = `${head}${goodItem(1)}<item><title>Big</title><link>https://desk.example/big</link>\n<description>${'a'.repeat(MAX_ITEM_CHARS + 1)}</description></item>\n</channel></rss>`;
    const result = await importText('big.xml', text);
    expect(result.shown).toMatch(
      /^big\.xml:4: the <item> holds more than 3,000,000 characters of text, more than an article can/,
    );
    expect(result.unchanged).toBe(true);
  });

  it(`refuses an item holding more than ${MAX_ITEM_ELEMENTS.toLocaleString('en-US')} elements, naming the item's line`, async () => {
    const text = `${head}${goodItem(1)}<item><title>Many</title><link>https://desk.example/many</link>\n<description>${'<b/>'.repeat(MAX_ITEM_ELEMENTS)}</description></item>\n</channel></rss>`;
    const result = await importText('many.xml', text);
    expect(result.shown).toBe(
      'many.xml:4: the <item> holds more than 100,000 elements, more than any article',
    );
    expect(result.unchanged).toBe(true);
  });

  it('reads text cut into 500,000 pieces by comments and CDATA in one linear pass', () => {
    const pieces = 'a<!-- -->b<![CDATA[c]]>'.repeat(250_000);
    const feed = parseXmlFeed(
      `${head}<item><description>${pieces}</description></item></channel></rss>`,
      'f.xml',
    );
    const description = feed.items[0]!.content[0];
    expect(typeof description === 'string' ? undefined : markupOf(description)).toBe('abc'.repeat(250_000));
  });

  it('refuses a single text node longer than any field, even outside the items, while reading it', async () => {
    const text = `${head}<description>\n${'b'.repeat(MAX_RUN_CHARS + 100_000)}</description>${goodItem(1)}</channel></rss>`;
    const result = await importText('run.xml', text);
    expect(result.shown).toMatch(
      /^run\.xml:4: more than 10,000,000 characters of text or markup without a tag: longer than any field of an article can be$/,
    );
    expect(result.unchanged).toBe(true);
  });

  it('refuses a feed cut in the middle of an item, naming the line where it ends, and imports nothing of it', async () => {
    const whole = `${head}${goodItem(1)}${goodItem(2)}${goodItem(3)}</channel></rss>\n`;
    const cut = whole.slice(0, whole.indexOf('Text 3'));
    const result = await importText('cut.xml', cut);
    expect(result.shown).toBe('cut.xml:5: invalid feed XML: unclosed tag: description');
    expect(result.unchanged).toBe(true);
  });

  it('refuses a feed whose tags do not match, at the line of the stray close tag', async () => {
    const text = `${head}<item><title>x</title>\n<link>https://desk.example/1</link></description></item></channel></rss>`;
    const result = await importText('mismatch.xml', text);
    expect(result.shown).toBe('mismatch.xml:4: invalid feed XML: unexpected close tag');
    expect(result.unchanged).toBe(true);
  });
});

describe('hostile feeds by URL', () => {
  it('are read by the same reader: a deep feed from a server names the URL and the line', async () => {
    const deep = `${head}<item>\n${'<x>'.repeat(100_000)}${'</x>'.repeat(100_000)}</item></channel></rss>`;
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/rss+xml' });
      response.end(deep);
    });
    try {
      const { db } = await freshStore();
      const before = await snapshot(db);
      const url = `http://127.0.0.1:${server.port}/feed.xml`;
      const summary = await importSources(db, [url], { fetch: { allowPrivateNetworks: true } });
      expect(summary.files[0]?.error?.toString()).toBe(
        `${url}:4: the feed nests elements deeper than ${MAX_XML_DEPTH} levels`,
      );
      expect(await snapshot(db)).toEqual(before);
    } finally {
      await server.close();
    }
  });
});

describe('what the streaming reader reads that a prefix-matching one did not', () => {
  it('reads Atom and RSS modules bound to any prefix, by namespace', async () => {
    const { db, dir } = await freshStore();
    const atomFile = join(dir, 'prefixed.atom');
    writeFileSync(
      atomFile,
      '<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:id>urn:f</a:id><a:title>t</a:title><a:updated>2026-01-01T00:00:00Z</a:updated>\n<a:entry><a:id>urn:e1</a:id><a:title>Prefixed</a:title><a:link href="https://desk.example/p"/><a:updated>2026-01-02T00:00:00Z</a:updated></a:entry></a:feed>',
    );
    const rssFile = join(dir, 'modules.xml');
    writeFileSync(
      rssFile,
      `<rss version="2.0" xmlns:c="http://purl.org/rss/1.0/modules/content/" xmlns:creator="http://purl.org/dc/elements/1.1/"><channel>
<item><title>Modules</title><link>https://desk.example/m</link><pubDate>Sat, 07 Mar 2026 10:00:00 GMT</pubDate>
<description>Short.</description><c:encoded><![CDATA[<p>Long &amp; full.</p>]]></c:encoded><creator:creator>Ana Lima</creator:creator></item>
</channel></rss>`,
    );
    const summary = await importSources(db, [atomFile, rssFile]);
    expect(summary.files.map((file) => file.error?.toString())).toEqual([undefined, undefined]);
    expect(await getArticle(db, 'urn:e1')).toMatchObject({
      title: 'Prefixed',
      url: 'https://desk.example/p',
    });
    expect(await getArticle(db, 'https://desk.example/m')).toMatchObject({
      html: '<p>Long &amp; full.</p>',
      summary: 'Short.',
      authors: [{ name: 'Ana Lima' }],
    });
  });

  it('takes XHTML content as the markup inside its div, in order, with its text still escaped', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'xhtml.atom');
    writeFileSync(
      file,
      '<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:f</id><title>t</title><updated>2026-01-01T00:00:00Z</updated><entry><id>urn:x</id><title type="html">A &amp;lt;b&amp;gt; &lt;em&gt;is&lt;/em&gt; markup</title><link href="https://desk.example/x"/><updated>2026-01-02T00:00:00Z</updated><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><b>Note:</b> a &lt;b&gt; is <i>markup</i><br/>here.</div></content></entry></feed>',
    );
    const summary = await importSources(db, [file]);
    expect(summary.files[0]?.error).toBeUndefined();
    expect(await getArticle(db, 'urn:x')).toMatchObject({
      html: '<b>Note:</b> a &lt;b&gt; is <i>markup</i><br/>here.',
      // An html title is read as the text it shows.
      title: 'A <b> is markup',
    });
  });

  it('decodes HTML named entities that feeds use undeclared, and keeps element order in titles', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'entities.xml');
    writeFileSync(
      file,
      `${head}<item><title>Caf&eacute;&nbsp;<b>society</b> today</title><link>https://desk.example/e</link><pubDate>Sat, 07 Mar 2026 10:00:00 GMT</pubDate></item></channel></rss>`,
    );
    const summary = await importSources(db, [file]);
    expect(summary.files[0]?.error).toBeUndefined();
    expect((await allArticles(db))[0]?.title).toBe('Café\u00a0society today');
  });

  it('does not take a guid marked isPermaLink="false" for the page URL', async () => {
    const result = await importText(
      'guid.xml',
      `${head}<item><title>T</title><guid isPermaLink="false">https://desk.example/not-a-page</guid><pubDate>Sat, 07 Mar 2026 10:00:00 GMT</pubDate></item></channel></rss>`,
    );
    expect(result.shown).toBe(
      'guid.xml:3: item[0].url: the item has no <link> (nor a permalink <guid>): an article needs the URL of its page',
    );
  });

  it("names an item's line where its start tag begins, even when the tag spans lines", () => {
    const feed = parseXmlFeed(
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">\n<channel rdf:about="x"/>\n<item\n  rdf:about="https://desk.example/1">\n</item>\r\n<item rdf:about="https://desk.example/2"/>\n</rdf:RDF>',
      'f.rdf',
    );
    expect(feed.items.map((item) => item.line)).toEqual([3, 6]);
  });
});
