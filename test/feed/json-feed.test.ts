import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Feed } from 'feed';
import { describe, expect, it } from 'vitest';
import { buildFeeds } from '../../src/feed/build.ts';
import { nameUuid } from '../../src/feed/model.ts';
import { cleanHtml } from '../../src/feed/source/clean.ts';
import { toArticle } from '../../src/store/article.ts';
import { validUnicode } from '../../src/text/xml.ts';
import { tempDir } from '../helpers/tmp.ts';
import { articles, feedConfig, HOSTILE_HTML, HOSTILE_TITLE, seededStore } from './_support.ts';

const schema = JSON.parse(readFileSync('test/fixtures/jsonfeed-1.1.schema.json', 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

async function build() {
  const dir = tempDir();
  const db = await seededStore(join(dir, 'store.sqlite'));
  const out = join(dir, 'public');
  await buildFeeds(
    db,
    feedConfig(
      { id: 'all', title: 'All', description: 'Everything' },
      { id: 'ana', title: 'Ana', filter: { authors: ['Ana Lima'] }, content: 'summary', attribution: false },
    ),
    { out },
  );
  await db.close();
  return (name: string) => JSON.parse(readFileSync(join(out, name), 'utf8'));
}

describe('JSON Feed 1.1 output', () => {
  it('validates against the 1.1 schema', async () => {
    const read = await build();
    for (const name of ['all.json', 'ana.json']) {
      const feed = read(name);
      expect(validate(feed), JSON.stringify(validate.errors)).toBe(true);
      expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
      expect(feed.language).toBe('en');
      expect(feed.authors).toEqual([{ name: 'Northwind Review', url: 'https://northwind.example/' }]);
    }
  });

  it('carries every text as stored, only what no feed may hold taken out (validUnicode)', async () => {
    const feed = (await build())('all.json');
    const stored = articles.map(toArticle);
    // An id only the store knows is published as a name-based UUID URN, the same in every format.
    expect(feed.items.map((item: { id: string }) => item.id)).toEqual(
      stored.map((article) =>
        article.id === 'nw-1234' ? nameUuid('https://northwind.example/', 'nw-1234') : article.id,
      ),
    );
    expect(feed.items.map((item: { url: string }) => item.url)).toEqual(stored.map((article) => article.url));
    const [first, second] = feed.items;
    expect(first.title).toBe(validUnicode(HOSTILE_TITLE));
    expect(first.title).toContain('\r\n'); // what XML normalises, JSON keeps
    expect(
      first.content_html.startsWith(
        `${validUnicode(cleanHtml(HOSTILE_HTML, stored[0]!.url))}\n<div class="syndicate-attribution"><p class="credit">`,
      ),
    ).toBe(true);
    // The lone surrogate in the body became U+FFFD, valid Unicode.
    expect(first.content_html).toContain('\uFFFDlone');
    expect(first.authors.map((author: { name: string }) => author.name)).toEqual(
      stored[0]!.authors.map((a) => validUnicode(a.name)),
    );
    expect(first.tags).toEqual(['Peace and Security', 'A <b> & "c"', 'ceasefire', 'tag ]]> <z>']);
    expect(first.date_published).toBe('2026-03-02T09:00:00.000Z');
    expect(first.date_modified).toBe('2026-03-03T10:00:00.000Z');
    expect(second.date_modified).toBeUndefined();
    expect(feed.items[2].language).toBe('fr');
  });

  it('leaves out the attribution when a feed turns it off', async () => {
    const feed = (await build())('ana.json');
    expect(feed.items.map((item: { title: string }) => item.title)).toEqual([
      validUnicode(HOSTILE_TITLE),
      'Water & borders',
      'Old Ana piece',
    ]);
    for (const item of feed.items) expect(item.content_html).not.toContain('First published by');
    expect(feed.items[0].content_html).toBe('<p>Talks &amp; hopes &lt;rise&gt;.</p>');
  });

  it('the schema has teeth: feed 6 JSON (Feed 1.0) and an item without content fail it', async () => {
    const old = new Feed({
      title: 'x',
      id: 'https://x.example/',
      link: 'https://x.example/',
      copyright: 'c',
    });
    old.addItem({ title: 'a', link: 'https://x.example/a', date: new Date(0), content: '<p>a</p>' });
    expect(validate(JSON.parse(old.json1()))).toBe(false);
    const good = (await build())('all.json');
    delete good.items[0].content_html;
    expect(validate(good)).toBe(false);
  });
});
