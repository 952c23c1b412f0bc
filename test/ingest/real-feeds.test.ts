import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFeeds } from '../../src/feed/build.ts';
import { nameUuid } from '../../src/feed/model.ts';
import { importSources } from '../../src/ingest/import.ts';
import { rssDate } from '../../src/ingest/record.ts';
import { toArticle } from '../../src/store/article.ts';
import { getArticle } from '../../src/store/articles.ts';
import { feedConfig, seededStore } from '../feed/_support.ts';
import { allArticles, freshStore, snapshot } from './_store.ts';

/** Feeds shaped as real ones are, written here: what the W3C validator's test cases taught us. */

const undatedRss = (channelDate: string) => `<?xml version="1.0"?>
<rss version="2.0">
  <channel>
    <title>Desk</title>
    <link>https://desk.example/</link>
    <description>d</description>
    ${channelDate}
    <item>
      <title>First</title>
      <link>https://desk.example/1</link>
      <guid isPermaLink="false">desk-1</guid>
    </item>
    <item>
      <link>https://desk.example/2</link>
      <description>&lt;p&gt;A post with no title, only some words of text.&lt;/p&gt;</description>
      <pubDate>Sat, 07 Mar 2026 10:00:00 GMT</pubDate>
    </item>
  </channel>
</rss>
`;

const item = (id: string, title: string, updated: string) =>
  `<entry><id>${id}</id><title>${title}</title><link href="https://desk.example/${id.slice(-1)}"/><published>2026-01-01T00:00:00Z</published><updated>${updated}</updated></entry>`;
const atomFeed = (...entries: string[]) =>
  `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>${entries.join('')}</feed>`;

function warnings(summary: Awaited<ReturnType<typeof importSources>>, dir: string): string[] {
  return summary.files.flatMap((file) =>
    file.warnings.map(
      (warning) =>
        `${warning.where.file?.replace(`${dir}/`, '')}:${warning.where.line}: ${warning.where.field}: ${warning.message}`,
    ),
  );
}

describe('items without a date', () => {
  it("take the channel's own date, with a warning naming the item", async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'desk.xml');
    writeFileSync(file, undatedRss('<lastBuildDate>Fri, 06 Mar 2026 09:00:00 +0100</lastBuildDate>'));
    const summary = await importSources(db, [file], { now: new Date('2026-12-01T00:00:00Z') });
    expect(summary.failed).toBe(0);
    expect((await getArticle(db, 'desk-1'))?.published).toBe('2026-03-06T08:00:00.000Z');
    expect(warnings(summary, dir)).toEqual([
      "desk.xml:8: item[0].published: the item has no pubDate or dc:date: it takes the feed's own date, 2026-03-06T08:00:00.000Z",
      'desk.xml:13: item[1].title: the item has no title: it takes the first words of its text, "A post with no title, only some words of text."',
    ]);
  });

  it('take the time they were first imported when the feed has none, and keep it on the next import', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'desk.xml');
    writeFileSync(file, undatedRss(''));
    const first = await importSources(db, [file], { now: new Date('2026-12-01T00:00:00Z') });
    expect(first.inserted).toBe(2);
    expect((await getArticle(db, 'desk-1'))?.published).toBe('2026-12-01T00:00:00.000Z');
    expect(warnings(first, dir)[0]).toBe(
      'desk.xml:8: item[0].published: the item has no pubDate or dc:date, and neither has the feed: it takes the time it was first imported, 2026-12-01T00:00:00.000Z',
    );
    const again = await importSources(db, [file], { now: new Date('2026-12-02T00:00:00Z') });
    expect(again.unchanged).toBe(2);
    expect((await getArticle(db, 'desk-1'))?.published).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('the same article in several files of one run', () => {
  it('is one article: identical records merge, the newer of two differing ones wins with a warning', async () => {
    const { db, dir } = await freshStore();
    const main = join(dir, 'main.atom');
    const category = join(dir, 'category.atom');
    const late = join(dir, 'late.atom');
    writeFileSync(
      main,
      atomFeed(
        item('urn:a:1', 'One', '2026-01-02T00:00:00Z'),
        item('urn:a:2', 'Two', '2026-01-02T00:00:00Z'),
      ),
    );
    // The category feed holds the same first article, and a newer version of the second.
    writeFileSync(
      category,
      atomFeed(
        item('urn:a:1', 'One', '2026-01-02T00:00:00Z'),
        item('urn:a:2', 'Two, corrected', '2026-01-05T00:00:00Z'),
      ),
    );
    // An older copy of the second comes last: it must not win because it was read last.
    writeFileSync(late, atomFeed(item('urn:a:2', 'Two, first draft', '2026-01-01T12:00:00Z')));
    const summary = await importSources(db, [main, category, late]);
    expect(summary.failed).toBe(0);
    expect(summary.files.map((file) => [file.inserted, file.updated, file.unchanged])).toEqual([
      [['urn:a:1', 'urn:a:2'], [], []],
      [[], ['urn:a:2'], ['urn:a:1']],
      [[], [], ['urn:a:2']],
    ]);
    expect((await getArticle(db, 'urn:a:2'))?.title).toBe('Two, corrected');
    expect(warnings(summary, dir)).toEqual([
      `category.atom:1: item[1].id: article "urn:a:2" is also in ${main} item[1] (line 1), differently; this version is newer (2026-01-05T00:00:00.000Z) and replaces it`,
      `late.atom:1: item[0].id: article "urn:a:2" is also in ${category} item[1] (line 1), differently; that version is as new or newer (2026-01-05T00:00:00.000Z) and stays`,
    ]);
  });
});

describe('RSS 1.0 (RDF)', () => {
  it('is read: items beside the channel, dc:date and dc:creator', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'rdf.xml');
    writeFileSync(
      file,
      `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://desk.example/rdf"><title>Desk</title><link>https://desk.example/</link><description>d</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://desk.example/r1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://desk.example/r1">
    <title>Old but gold</title>
    <link>https://desk.example/r1</link>
    <description>Words.</description>
    <dc:date>2004-05-06T07:08:09+02:00</dc:date>
    <dc:creator>Ana Lima</dc:creator>
  </item>
</rdf:RDF>
`,
    );
    const summary = await importSources(db, [file]);
    expect(summary.files[0]?.error).toBeUndefined();
    const [article] = await allArticles(db);
    expect(article).toMatchObject({
      url: 'https://desk.example/r1',
      title: 'Old but gold',
      published: '2004-05-06T05:08:09.000Z',
      authors: [{ name: 'Ana Lima' }],
    });
  });
});

describe('feeds that rss-parser could not read', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    [
      'an Atom entry <link> without href',
      'nohref.atom',
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>\n<entry><id>urn:e</id><title>T</title><link/><updated>2026-01-01T00:00:00Z</updated></entry></feed>',
      /^nohref\.atom:2: item\[0\]\.url: the entry's <link> has no href$/,
    ],
    [
      'a feed-level Atom <link> without attributes',
      'feedlink.atom',
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link/><id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>\n<entry><id>urn:e</id><title>T</title><updated>2026-01-01T00:00:00Z</updated></entry></feed>',
      /^feedlink\.atom:2: item\[0\]\.url: the entry has no alternate <link>: an article needs the URL of its page$/,
    ],
    [
      'an <rss> without <channel>',
      'nochannel.xml',
      '<?xml version="1.0"?>\n<!-- a comment -->\n<rss version="0.91"><item><title>x</title></item></rss>',
      /^nochannel\.xml:3: rss: the <rss> element has no <channel>$/,
    ],
  ];

  it.each(cases)(
    '%s: a message naming the file, line and element, and nothing imported',
    async (_name, name, text, message) => {
      const { db, dir } = await freshStore();
      const before = await snapshot(db);
      const file = join(dir, name);
      writeFileSync(file, text);
      const summary = await importSources(db, [file]);
      const error = summary.files[0]?.error;
      expect(error?.code).toBe('input');
      expect(error?.toString().replace(`${dir}/`, '')).toMatch(message);
      expect(error?.message).not.toMatch(/Cannot read|undefined|TypeError/);
      expect(await snapshot(db)).toEqual(before);
    },
  );
});

describe('our own feeds, imported back', () => {
  it('round-trip: all.xml then all.atom import without a clash, ids the same, the attribution not doubled', async () => {
    const { dir } = await freshStore();
    const source = await seededStore(join(dir, 'source.sqlite'), [
      {
        id: '42',
        url: 'https://northwind.example/2026/03/short-id',
        title: 'A WordPress id',
        published: '2026-03-09T07:30:00Z',
        html: '<p>Body text.</p>',
      },
      {
        url: 'https://northwind.example/2026/03/by-url',
        title: 'Known by its URL',
        published: '2026-03-08',
        html: '<p>Other text.</p>',
      },
    ]);
    const out = join(dir, 'public');
    await buildFeeds(source, feedConfig({ id: 'all', title: 'All' }), { out });
    await source.close();
    const { db } = await freshStore();
    const summary = await importSources(db, [
      join(out, 'all.xml'),
      join(out, 'all.atom'),
      join(out, 'all.json'),
    ]);
    expect(summary.files.map((file) => file.error?.toString())).toEqual([undefined, undefined, undefined]);
    expect(summary.inserted).toBe(2);
    const imported = await allArticles(db);
    expect(imported.map((article) => article.id).sort()).toEqual([
      'https://northwind.example/2026/03/by-url',
      nameUuid('https://northwind.example/', '42'),
    ]);
    for (const article of imported) {
      expect(article.html).not.toContain('syndicate-attribution');
      expect(article.html).not.toContain('First published by');
    }
    // Built again from the imported store, each item carries one attribution block.
    const out2 = join(dir, 'public2');
    await buildFeeds(db, feedConfig({ id: 'all', title: 'All' }), { out: out2 });
    const rss = readFileSync(join(out2, 'all.xml'), 'utf8');
    expect(rss.match(/syndicate-attribution/g)).toHaveLength(2 * 2); // description and content:encoded
  });
});

describe('dates', () => {
  it.each([
    ['Sat, 07 Mar 2026 10:00:00 GMT', '2026-03-07T10:00:00.000Z'],
    ['Sat, 7 Mar 2026 10:00 +0200', '2026-03-07T08:00:00.000Z'],
    ['07 Mar 2026 10:00:00 EST', '2026-03-07T15:00:00.000Z'],
    ['Saturday, 07 March 2026 10:00:00 +02:00', '2026-03-07T08:00:00.000Z'],
    ['Sat, 07 Mar 26 10:00:00 UT', '2026-03-07T10:00:00.000Z'],
    ['Sat, 07 Mar 2026 10:00:00', '2026-03-07T10:00:00.000Z'],
    ['2026-03-07T10:00:00Z', '2026-03-07T10:00:00.000Z'],
    ['Thu, 29 Feb 2024 00:00:00 GMT', '2024-02-29T00:00:00.000Z'],
  ])('RSS reads %s', (text, iso) => {
    expect(rssDate(text)).toBe(iso);
  });

  it.each([
    '06/10/2025',
    '2025-06-10 maybe',
    'Sun, 29 Feb 2026 00:00:00 GMT',
    'Sat, 07 Mar 2026 24:00:00 GMT',
    'Sat, 07 Mar 2026 10:00:00 XYZ',
    'Sat, 07 Mrz 2026 10:00:00 GMT',
    '2026-02-30T10:00:00Z',
  ])('RSS refuses %s', (text) => {
    expect(rssDate(text)).toBeUndefined();
  });

  it.each([
    '2026-02-30',
    '2026-13-01',
    '2025-02-29T10:00:00Z',
    '2026-03-09T25:00:00Z',
    '2026-03-09T10:61:00Z',
  ])('an article refuses %s instead of rolling it into another day', (published) => {
    expect(() => toArticle({ url: 'https://northwind.example/x', title: 'T', published })).toThrow(
      /not an ISO 8601 date/,
    );
  });

  it('an impossible date in a JSONL file names the file, the line and the field', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'a.jsonl');
    writeFileSync(
      file,
      '{"url":"https://northwind.example/ok","title":"OK","published":"2026-02-28"}\n{"url":"https://northwind.example/x","title":"T","published":"2026-02-30"}\n',
    );
    const summary = await importSources(db, [file]);
    expect(summary.files[0]?.error?.toString().replace(`${dir}/`, '')).toBe(
      'a.jsonl:2: published: not an ISO 8601 date: "2026-02-30"',
    );
  });
});

describe('e-mail addresses', () => {
  it.each(["o'brien&sons@example.org", 'a.b+tag@mail.northwind.example', 'x@localhost'])(
    'accepts %s (HTML spec grammar)',
    (email) => {
      expect(
        toArticle({
          url: 'https://n.example/a',
          title: 'T',
          published: '2026-01-01',
          authors: [{ name: 'A', email }],
        }).authors[0]?.email,
      ).toBe(email);
    },
  );

  it.each(['no-at.example', 'two@@example.org', 'a@-bad-.example', 'spaces in@example.org'])(
    'refuses %s',
    (email) => {
      expect(() =>
        toArticle({
          url: 'https://n.example/a',
          title: 'T',
          published: '2026-01-01',
          authors: [{ name: 'A', email }],
        }),
      ).toThrow(/e-mail address/);
    },
  );
});
