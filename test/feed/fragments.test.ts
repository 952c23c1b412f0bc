import { cpSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { type FeedConfig, feedDefinitionSchema, publisherSchema } from '../../src/config/feeds.ts';
import { type BuildResult, buildFeeds, fragmentContext, MANIFEST_FILE } from '../../src/feed/build.ts';
import { fragmentKey, fragmentsFileName } from '../../src/feed/fragments.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { getArticle, removeArticles, upsertArticles } from '../../src/store/articles.ts';
import type { Sql } from '../../src/store/sql.ts';
import { tempDir } from '../helpers/tmp.ts';
import { sampleArticles } from './_sample.ts';
import {
  articles,
  child,
  children,
  feedConfig,
  HOSTILE_HTML,
  HOSTILE_TITLE,
  parseXml,
  seededStore,
} from './_support.ts';

/**
 * The item fragment cache: a rebuild takes the pieces of unchanged items from the files the last
 * build wrote, and must write exactly the bytes a build from scratch writes, every format reading
 * back with real parsers, whatever changed in between.
 */

const config = feedConfig(
  { id: 'all', title: 'All', limit: 12 },
  { id: 'summaries', title: 'Summaries', content: 'summary', limit: 12 },
  { id: 'plain', title: 'No credit', attribution: false, formats: ['json', 'atom'], limit: 8 },
  { id: 'french', title: 'Français', filter: { language: 'fr' } },
  { id: 'ana', title: 'Ana', filter: { authors: ['Ana Lima'] }, language: 'pt-BR', tombstones: true },
  {
    id: 'water',
    title: 'Water',
    filter: { categories: { Theme: ['Water Security', 'Environment'] } },
    limit: 10,
    archive: { pageSize: 10 },
  },
);

const ajv = new Ajv({ allErrors: true, strictRequired: false });
addFormats.default(ajv);
const validateJsonFeed = ajv.compile(
  JSON.parse(readFileSync('test/fixtures/jsonfeed-1.1.schema.json', 'utf8')),
);

const isCache = (name: string) => name === MANIFEST_FILE || name.endsWith('.fragments.json');

function outputs(out: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(out).sort())
    if (!isCache(name)) files.set(name, readFileSync(join(out, name)));
  return files;
}

/**
 * Render every document of `db` again from scratch and compare: same files, same bytes; each
 * reads back. The scratch build starts from a copy of the output folder, because what readers have
 * seen (tombstones of removed entries) is part of a feed's history; `force` renders every piece.
 */
async function expectSameAsFromScratch(
  db: Sql,
  out: string,
  label: string,
  built: FeedConfig = config,
): Promise<void> {
  const fresh = join(tempDir(), 'public');
  cpSync(out, fresh, { recursive: true });
  expect((await buildFeeds(db, built, { out: fresh, force: true })).fragments.reused).toBe(0);
  const cached = outputs(out);
  const scratch = outputs(fresh);
  expect([...cached.keys()]).toEqual([...scratch.keys()]);
  for (const [name, bytes] of scratch)
    expect(difference(cached.get(name)!, bytes), `${label}: ${name}`).toBe('');
  const parser = new Parser();
  for (const [name, bytes] of cached) {
    const text = bytes.toString('utf8');
    if (name.endsWith('.json')) {
      expect(validateJsonFeed(JSON.parse(text)), `${name}: ${JSON.stringify(validateJsonFeed.errors)}`).toBe(
        true,
      );
    } else if (name.endsWith('.xml') || name.endsWith('.atom')) {
      const root = parseXml(text);
      const items = name.endsWith('.xml')
        ? children(child(root, 'channel')!, 'item')
        : children(root, 'entry');
      const feed = await parser.parseString(text);
      expect(feed.items.length, name).toBe(items.length);
    }
  }
}

/** '' for the same bytes, else where they first differ and what stands there in each. */
function difference(actual: Buffer, expected: Buffer): string {
  if (actual.equals(expected)) return '';
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const around = (bytes: Buffer) => bytes.subarray(Math.max(0, at - 80), at + 80).toString('utf8');
  return `byte ${at}:\n${around(actual)}\n--- from scratch:\n${around(expected)}`;
}

async function setUp() {
  const dir = tempDir();
  const db = await seededStore(join(dir, 'store.sqlite'), [...articles, ...sampleArticles(30)]);
  return { db, out: join(dir, 'public') };
}

async function byUrl(db: Sql, url: string): Promise<Article> {
  const row = await db.get<{ id: string }>('SELECT id FROM articles WHERE url = ?', [url]);
  return (await getArticle(db, row!.id))!;
}

describe('item fragment cache', () => {
  it('rebuilds after every kind of change write what a build from scratch writes', async () => {
    const { db, out } = await setUp();
    const first = await buildFeeds(db, config, { out });
    expect(first.fragments.reused).toBe(0);
    await expectSameAsFromScratch(db, out, 'first build');

    const story = (index: number) => byUrl(db, sampleArticles(30)[index]!.url);
    const changes: Array<[string, () => Promise<unknown>]> = [
      ['a hostile title', async () => upsertArticles(db, [{ ...(await story(0)), title: HOSTILE_TITLE }])],
      ['a hostile body', async () => upsertArticles(db, [{ ...(await story(1)), html: HOSTILE_HTML }])],
      [
        'a new article with an image (RSS declares the media namespace)',
        () =>
          upsertArticles(db, [
            toArticle({
              url: 'https://northwind.example/2026/04/new',
              title: 'New, with a picture',
              published: '2026-04-01T08:00:00Z',
              authors: ['Ana Lima'],
              categories: [{ term: 'Water Security', scheme: 'Theme' }],
              image: 'https://northwind.example/images/new.jpg',
              html: '<p>Fresh.</p>',
            }),
          ]),
      ],
      ['an article turned French', async () => upsertArticles(db, [{ ...(await story(2)), language: 'fr' }])],
      ['an article removed (a tombstone)', async () => removeArticles(db, [(await story(0)).url])],
      [
        'two articles dated alike (Atom spreads their updated dates)',
        async () => {
          const later = await story(4);
          return upsertArticles(db, [{ ...(await story(3)), updated: later.updated ?? later.published }]);
        },
      ],
    ];
    for (const [what, change] of changes) {
      await change();
      const result = await buildFeeds(db, config, { out });
      expect(result.selected.length, what).toBeGreaterThan(0);
      expect(result.fragments.reused, what).toBeGreaterThan(0);
      await expectSameAsFromScratch(db, out, what);
    }
    await db.close();
  });

  it('after one article changed, prepares that article alone and takes every other item from the files', async () => {
    const { db, out } = await setUp();
    await buildFeeds(db, config, { out });
    const water = await byUrl(db, articles[1]!.url);
    await upsertArticles(db, [{ ...water, title: 'Water & borders, revised' }]);
    const result: BuildResult = await buildFeeds(db, config, { out });
    expect(result.fragments.prepared).toBe(1);
    expect(result.fragments.rendered).toBeGreaterThan(0);
    expect(result.fragments.reused).toBeGreaterThan(result.fragments.rendered * 5);
    await db.close();
  });

  it('indexes only the items the files hold: an article that left a feed leaves its index', async () => {
    const { db, out } = await setUp();
    await buildFeeds(db, config, { out });
    const keysOf = (feedId: string) =>
      (JSON.parse(readFileSync(join(out, fragmentsFileName(feedId)), 'utf8')).items as string[][]).map(
        ([key]) => key,
      );
    const context = fragmentContext(config.publisher);
    const hashOf = async (id: string) =>
      (await db.get<{ hash: string }>('SELECT hash FROM articles WHERE id = ?', [id]))!.hash;
    const ana = await byUrl(db, articles[3]!.url); // "Old Ana piece", in the feed "ana"
    const key = fragmentKey(context, true, true, ana.id, await hashOf(ana.id));
    expect(keysOf('ana')).toContain(key);
    const count = keysOf('ana').length;
    await removeArticles(db, [ana.id]);
    await buildFeeds(db, config, { out });
    expect(keysOf('ana')).not.toContain(key);
    expect(keysOf('ana').length).toBeLessThan(count);
    // Each index names the items of its feed's files, no more.
    for (const definition of config.feeds) {
      const documents = readdirSync(out).filter(
        (name) => name.startsWith(`${definition.id}.`) && name.endsWith('.json'),
      );
      const ids = new Set(
        documents.flatMap((name) =>
          JSON.parse(readFileSync(join(out, name), 'utf8')).items.map((item: { id: string }) => item.id),
        ),
      );
      if (documents.length > 0) expect(keysOf(definition.id).length, definition.id).toBe(ids.size);
    }
    await db.close();
  });

  it('never serves a piece made for another definition or publisher: each change writes what a build from scratch writes', async () => {
    const { db, out } = await setUp();
    await buildFeeds(db, config, { out });
    const redefine = (id: string, change: Record<string, unknown>): FeedConfig => ({
      ...config,
      feeds: config.feeds.map((definition) =>
        definition.id === id ? feedDefinitionSchema.parse({ ...definition, ...change }) : definition,
      ),
    });
    const steps: Array<[string, FeedConfig]> = [
      ['full content turned to summaries', redefine('all', { content: 'summary' })],
      ['the attribution turned off', redefine('summaries', { attribution: false })],
      ['the feed in another language (its items take other pieces)', redefine('plain', { language: 'de' })],
      [
        'another attribution template',
        {
          ...config,
          publisher: publisherSchema.parse({
            ...config.publisher,
            attribution: '<p>Via {publisher}: <a href="{url}">{title}</a>, {copyright}.</p>',
          }),
        },
      ],
      ['the first definitions again', config],
    ];
    for (const [what, changed] of steps) {
      const result = await buildFeeds(db, changed, { out });
      expect(result.selected.length, what).toBeGreaterThan(0);
      await expectSameAsFromScratch(db, out, what, changed);
    }
    await db.close();
  });

  it('is not trusted across code versions or publishers, nor from a file changed since it was written', async () => {
    const { db, out } = await setUp();
    await buildFeeds(db, config, { out });
    const edit = async (title: string) =>
      upsertArticles(db, [{ ...(await byUrl(db, articles[1]!.url)), title }]);

    // An index written by other code (another context) is read as none.
    for (const name of readdirSync(out).filter((file) => file.endsWith('.fragments.json'))) {
      const index = JSON.parse(readFileSync(join(out, name), 'utf8'));
      writeFileSync(join(out, name), JSON.stringify({ ...index, context: 'another version of the code' }));
    }
    await edit('Water, take two');
    expect((await buildFeeds(db, config, { out })).fragments.reused).toBe(0);
    await expectSameAsFromScratch(db, out, 'an index of other code');

    // Another publisher: the context differs, nothing is taken.
    const renamed = {
      ...config,
      publisher: publisherSchema.parse({
        ...config.publisher,
        copyright: 'Copyright © Northwind Review Ltd',
      }),
    };
    const result = await buildFeeds(db, renamed, { out });
    expect(result.fragments.reused).toBe(0);
    await buildFeeds(db, config, { out });

    // A file touched since the build: its pieces are not read (and the feed is rendered again).
    const all = join(out, 'all.xml');
    const later = new Date(Date.now() + 5000);
    utimesSync(all, later, later);
    await edit('Water, take three');
    const touched = await buildFeeds(db, config, { out });
    expect(touched.selected).toContain('all');
    await expectSameAsFromScratch(db, out, 'a file touched');

    // --force takes nothing from the cache.
    expect((await buildFeeds(db, config, { out, force: true })).fragments.reused).toBe(0);
    await db.close();
  });
});
