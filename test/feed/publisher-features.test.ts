import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { type FeedConfig, feedDefinitionSchema, publisherSchema } from '../../src/config/feeds.ts';
import { buildFeeds } from '../../src/feed/build.ts';
import { type ArticleInput, toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';
import { child, children, parseXml, publisher } from './_support.ts';

const ajv = new Ajv({ allErrors: true, strictRequired: false });
addFormats.default(ajv);
const validateJsonFeed = ajv.compile(
  JSON.parse(readFileSync('test/fixtures/jsonfeed-1.1.schema.json', 'utf8')),
);
const ATOM = 'http://www.w3.org/2005/Atom';
const HISTORY = 'http://purl.org/syndication/history/1.0';
const BASE = 'https://northwind.example/feeds/';

const story = (index: number, extra: Partial<ArticleInput> = {}): ArticleInput => ({
  url: `https://northwind.example/2025/story-${index}`,
  title: `Story ${index}`,
  published: new Date(Date.UTC(2025, 0, 1 + index)).toISOString(),
  authors: ['Ana Lima'],
  html: `<p>Body of story ${index}.</p>`,
  ...extra,
});

function archivedConfig(hubs: string[] = []): FeedConfig {
  return {
    publisher: publisherSchema.parse({ ...publisher, hubs }),
    feeds: [feedDefinitionSchema.parse({ id: 'all', title: 'All', limit: 10, archive: { pageSize: 10 } })],
  };
}

/** The links of a feed document by rel, in the format's own terms. */
function atomLinks(xml: string): Record<string, string> {
  const root = parseXml(xml);
  return Object.fromEntries(
    root.children
      .filter((node) => node.uri === ATOM && node.local === 'link')
      .map((node) => [node.attributes.rel ?? 'alternate', node.attributes.href!]),
  );
}

async function setUp(count: number) {
  const dir = tempDir();
  const db = await openSql(join(dir, 'store.sqlite'));
  await upsertArticles(
    db,
    Array.from({ length: count }, (_, index) => toArticle(story(index))),
  );
  return { db, out: join(dir, 'public') };
}

describe('RFC 5005 archives', () => {
  it('keeps the newest items in the feed and every older one in full, linked archive pages', async () => {
    const { db, out } = await setUp(35);
    await buildFeeds(db, archivedConfig(), { out });
    await db.close();
    expect(
      readdirSync(out)
        .filter((name) => name.includes('archive'))
        .sort(),
    ).toEqual(
      [1, 2, 3].flatMap((page) => ['atom', 'json', 'xml'].map((format) => `all.archive-${page}.${format}`)),
    );
    // Atom: the subscription document points at the newest archive; each archive at its neighbours.
    const current = readFileSync(join(out, 'all.atom'), 'utf8');
    expect(atomLinks(current)['prev-archive']).toBe(`${BASE}all.archive-3.atom`);
    expect(current).not.toContain('fh:archive');
    for (const page of [1, 2, 3]) {
      const xml = readFileSync(join(out, `all.archive-${page}.atom`), 'utf8');
      const root = parseXml(xml);
      expect(root.children.some((node) => node.uri === HISTORY && node.local === 'archive')).toBe(true);
      const links = atomLinks(xml);
      expect(links.self).toBe(`${BASE}all.archive-${page}.atom`);
      expect(links.current).toBe(`${BASE}all.atom`);
      expect(links['prev-archive']).toBe(page > 1 ? `${BASE}all.archive-${page - 1}.atom` : undefined);
      expect(links['next-archive']).toBe(page < 3 ? `${BASE}all.archive-${page + 1}.atom` : undefined);
      expect(children(root, 'entry')).toHaveLength(10);
    }
    // RSS carries the same links as atom:link, and rss-parser reads every page.
    const rss = parseXml(readFileSync(join(out, 'all.archive-2.xml'), 'utf8'));
    const channel = child(rss, 'channel')!;
    expect(
      channel.children
        .filter((node) => node.uri === ATOM && node.local === 'link')
        .map((node) => `${node.attributes.rel} ${node.attributes.href}`),
    ).toEqual([
      `self ${BASE}all.archive-2.xml`,
      `current ${BASE}all.xml`,
      `prev-archive ${BASE}all.archive-1.xml`,
      `next-archive ${BASE}all.archive-3.xml`,
    ]);
    const parser = new Parser();
    const seen = new Set<string>();
    for (const name of ['all.xml', 'all.archive-1.xml', 'all.archive-2.xml', 'all.archive-3.xml']) {
      const feed = await parser.parseString(readFileSync(join(out, name), 'utf8'));
      for (const item of feed.items) seen.add(item.link!);
    }
    // Every article reachable: 30 archived, the newest 5 (and the 5 before them again) in the feed.
    expect(seen.size).toBe(35);
  });

  it('pages JSON Feed with next_url, newest to oldest, every page valid JSON Feed 1.1', async () => {
    const { db, out } = await setUp(35);
    await buildFeeds(db, archivedConfig(), { out });
    await db.close();
    const chain: string[] = [];
    let url: string | undefined = `${BASE}all.json`;
    const ids: string[] = [];
    while (url) {
      chain.push(url);
      const feed = JSON.parse(readFileSync(join(out, url.slice(BASE.length)), 'utf8'));
      expect(validateJsonFeed(feed), JSON.stringify(validateJsonFeed.errors)).toBe(true);
      expect(feed.feed_url).toBe(`${BASE}all.json`);
      ids.push(...feed.items.map((item: { id: string }) => item.id));
      url = feed.next_url;
    }
    expect(chain).toEqual([`${BASE}all.json`, ...[3, 2, 1].map((page) => `${BASE}all.archive-${page}.json`)]);
    expect(new Set(ids).size).toBe(35);
  });

  it('leaves full archive pages as they are; a new page fills, and the one before gains its next link', async () => {
    const { db, out } = await setUp(35);
    const config = archivedConfig();
    await buildFeeds(db, config, { out });
    await upsertArticles(db, [toArticle(story(40))]);
    const added = await buildFeeds(db, config, { out });
    expect(added.written.filter((name) => name.includes('archive'))).toEqual([]);
    expect(added.unchanged).toContain('all.archive-3.atom');
    // 40 articles: a fourth page; page 3 is written once more to link to it (JSON Feed pages
    // link only to older ones, so its JSON stays as it was).
    await upsertArticles(
      db,
      Array.from({ length: 4 }, (_, index) => toArticle(story(41 + index))),
    );
    const filled = await buildFeeds(db, config, { out });
    expect(filled.written.filter((name) => name.includes('archive')).sort()).toEqual([
      'all.archive-3.atom',
      'all.archive-3.xml',
      'all.archive-4.atom',
      'all.archive-4.json',
      'all.archive-4.xml',
    ]);
    expect(atomLinks(readFileSync(join(out, 'all.archive-3.atom'), 'utf8'))['next-archive']).toBe(
      `${BASE}all.archive-4.atom`,
    );
    expect(atomLinks(readFileSync(join(out, 'all.atom'), 'utf8'))['prev-archive']).toBe(
      `${BASE}all.archive-4.atom`,
    );
    await db.close();
  });

  it('refuses a page larger than the feed: the items not yet archived would not all fit', () => {
    expect(() =>
      feedDefinitionSchema.parse({ id: 'all', title: 'All', limit: 10, archive: { pageSize: 20 } }),
    ).toThrow(/archive.pageSize must not exceed limit/);
  });
});

describe('hubs, images and the OPML list', () => {
  it('links every hub in each format', async () => {
    const { db, out } = await setUp(3);
    await buildFeeds(db, archivedConfig(['https://hub.example/', 'https://websub.example/hub']), { out });
    await db.close();
    const atom = parseXml(readFileSync(join(out, 'all.atom'), 'utf8'));
    expect(
      atom.children
        .filter((node) => node.local === 'link' && node.attributes.rel === 'hub')
        .map((node) => node.attributes.href),
    ).toEqual(['https://hub.example/', 'https://websub.example/hub']);
    const rss = child(parseXml(readFileSync(join(out, 'all.xml'), 'utf8')), 'channel')!;
    expect(
      rss.children
        .filter((node) => node.uri === ATOM && node.attributes.rel === 'hub')
        .map((node) => node.attributes.href),
    ).toEqual(['https://hub.example/', 'https://websub.example/hub']);
    const json = JSON.parse(readFileSync(join(out, 'all.json'), 'utf8'));
    expect(json.hubs).toEqual([
      { type: 'WebSub', url: 'https://hub.example/' },
      { type: 'WebSub', url: 'https://websub.example/hub' },
    ]);
    expect(validateJsonFeed(json), JSON.stringify(validateJsonFeed.errors)).toBe(true);
  });

  it('carries an article’s image in every format, with its type when the file name says it', async () => {
    const dir = tempDir();
    const db = await openSql(join(dir, 'store.sqlite'));
    await upsertArticles(db, [
      toArticle(story(1, { image: 'https://northwind.example/images/river bank.JPG' })),
      toArticle(story(2, { image: 'https://northwind.example/image?id=2' })),
      toArticle(story(3)),
    ]);
    const out = join(dir, 'public');
    await buildFeeds(
      db,
      { publisher, feeds: [feedDefinitionSchema.parse({ id: 'all', title: 'All' })] },
      { out },
    );
    await db.close();
    const items = children(child(parseXml(readFileSync(join(out, 'all.xml'), 'utf8')), 'channel')!, 'item');
    expect(
      items.map((item) => item.children.find((node) => node.name === 'media:content')?.attributes ?? null),
    ).toEqual([
      null,
      { url: 'https://northwind.example/image?id=2', medium: 'image' },
      { url: 'https://northwind.example/images/river%20bank.JPG', medium: 'image', type: 'image/jpeg' },
    ]);
    const entries = children(parseXml(readFileSync(join(out, 'all.atom'), 'utf8')), 'entry');
    expect(
      entries.map(
        (entry) =>
          entry.children.find((node) => node.local === 'link' && node.attributes.rel === 'enclosure')
            ?.attributes ?? null,
      ),
    ).toEqual([
      null,
      { rel: 'enclosure', href: 'https://northwind.example/image?id=2' },
      { rel: 'enclosure', href: 'https://northwind.example/images/river%20bank.JPG', type: 'image/jpeg' },
    ]);
    const json = JSON.parse(readFileSync(join(out, 'all.json'), 'utf8'));
    expect(json.items.map((item: { image?: string }) => item.image ?? null)).toEqual([
      null,
      'https://northwind.example/image?id=2',
      'https://northwind.example/images/river%20bank.JPG',
    ]);
  });

  it('lists a JSON-only feed in the OPML as a subscription of JSON Feed, the others as RSS', async () => {
    const { db, out } = await setUp(2);
    await buildFeeds(
      db,
      {
        publisher,
        feeds: [
          feedDefinitionSchema.parse({ id: 'all', title: 'All' }),
          feedDefinitionSchema.parse({ id: 'atom-only', title: 'Atom', formats: ['atom'] }),
          feedDefinitionSchema.parse({ id: 'json-only', title: 'JSON', formats: ['json'] }),
        ],
      },
      { out },
    );
    await db.close();
    const body = child(parseXml(readFileSync(join(out, 'feeds.opml'), 'utf8')), 'body')!;
    expect(
      children(body, 'outline').map(({ attributes }) => [
        attributes.type,
        attributes.version,
        attributes.xmlUrl,
      ]),
    ).toEqual([
      ['rss', 'RSS2', `${BASE}all.xml`],
      ['rss', 'Atom', `${BASE}atom-only.atom`],
      ['rss', 'JSONFeed', `${BASE}json-only.json`],
    ]);
  });
});

/**
 * The W3C Feed Validation Service's own code, run on every RSS and Atom file of a build with
 * archives, hubs, images and tombstones, when a local copy is named by FEEDVALIDATOR_SRC (its
 * `src` folder; see test/feed/w3c-validate.py) and FEEDVALIDATOR_PYTHON (a Python with lxml,
 * html5lib and rdflib). Skipped otherwise: the validator is not part of this repository.
 */
const validator = process.env.FEEDVALIDATOR_SRC;
describe.skipIf(!validator || !existsSync(validator))('the W3C feed validator', () => {
  it('reports no error and no warning on archives, hubs and images', async () => {
    const { db, out } = await setUp(25);
    await upsertArticles(db, [
      toArticle(story(30, { image: 'https://northwind.example/images/photo-30.png' })),
    ]);
    await buildFeeds(db, archivedConfig(['https://hub.example/']), { out });
    await db.close();
    const files = readdirSync(out)
      .filter((name) => /\.(xml|atom)$/.test(name))
      .map((name) => join(out, name));
    expect(files.length).toBeGreaterThanOrEqual(6);
    const output = execFileSync(
      process.env.FEEDVALIDATOR_PYTHON ?? 'python3',
      ['test/feed/w3c-validate.py', validator!, ...files],
      { encoding: 'utf8' },
    );
    expect(output.trim().split('\n')).toEqual(files.map((file) => `${file}: no errors or warnings`));
  });
});
