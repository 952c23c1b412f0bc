import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { loadFeedConfig } from '../../src/config/feeds.ts';
import { buildFeeds } from '../../src/feed/build.ts';
import { toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { tempDir } from '../helpers/tmp.ts';
import { sampleArticles } from './_sample.ts';
import { child, children, parseXml, seededStore } from './_support.ts';

const ajv = new Ajv({ allErrors: true, strictRequired: false });
addFormats.default(ajv);
const validateJsonFeed = ajv.compile(
  JSON.parse(readFileSync('test/fixtures/jsonfeed-1.1.schema.json', 'utf8')),
);

/** The ids a feed file gives its items, whatever its format. */
function ids(name: string, text: string): string[] {
  if (name.endsWith('.json')) return JSON.parse(text).items.map((item: { id: string }) => item.id);
  if (name.endsWith('.atom'))
    return children(parseXml(text), 'entry').map((entry) => child(entry, 'id')!.text);
  return children(child(parseXml(text), 'channel')!, 'item').map((item) => child(item, 'guid')!.text);
}

describe('every file a build of the example configuration writes', () => {
  it('parses strictly and with rss-parser, or validates as JSON Feed 1.1; ids survive an edit', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'), sampleArticles());
    const out = join(dir, 'public');
    await buildFeeds(db, loadFeedConfig('feeds'), { out });
    const names = readdirSync(out).filter((name) => !name.startsWith('.'));
    expect(names.sort()).toEqual(
      ['all', 'ana-lima', 'water-security']
        .flatMap((id) => [`${id}.xml`, `${id}.atom`, `${id}.json`])
        .concat('feeds.opml')
        .sort(),
    );
    const parser = new Parser();
    const before = new Map<string, string[]>();
    for (const name of names) {
      const text = readFileSync(join(out, name), 'utf8');
      if (name.endsWith('.json')) {
        expect(
          validateJsonFeed(JSON.parse(text)),
          `${name}: ${JSON.stringify(validateJsonFeed.errors)}`,
        ).toBe(true);
      } else {
        expect(() => parseXml(text), name).not.toThrow();
        if (!name.endsWith('.opml')) {
          const feed = await parser.parseString(text);
          expect(feed.items.length, name).toBeGreaterThan(0);
          expect(feed.items.every((item) => item.title && item.link)).toBe(true);
        }
      }
      if (!name.endsWith('.opml')) before.set(name, ids(name, text));
    }

    // A corrected article keeps its ids in every format.
    const [first] = sampleArticles();
    await upsertArticles(db, [
      toArticle({ ...first!, title: `${first!.title} (corrected)`, updated: '2026-03-29' }),
    ]);
    const rebuilt = await buildFeeds(db, loadFeedConfig('feeds'), { out });
    expect(rebuilt.written.length).toBeGreaterThan(0);
    for (const [name, list] of before) {
      expect(ids(name, readFileSync(join(out, name), 'utf8')), name).toEqual(list);
    }
    await db.close();
  });
});
