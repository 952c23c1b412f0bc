import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFeedConfig } from '../../src/config/feeds.ts';
import { buildFeeds } from '../../src/feed/build.ts';
import { selectFeedArticles } from '../../src/feed/query.ts';
import type { Article } from '../../src/store/article.ts';
import { getArticle, removeArticles } from '../../src/store/articles.ts';
import { xmlSafe } from '../../src/text/xml.ts';
import { tempDir } from '../helpers/tmp.ts';
import { sampleArticles } from './_sample.ts';
import { seededStore } from './_support.ts';

/**
 * Python's feedparser, the reader behind many aggregators, must understand every feed we write.
 * CI installs it (Debian python3-feedparser); where it is missing this test says so and skips.
 */
const PYTHON = '/usr/bin/python3';
const available = spawnSync(PYTHON, ['-c', 'import feedparser']).status === 0;

interface Parsed {
  bozo: boolean;
  bozo_exception: string;
  version: string;
  title: string;
  link: string;
  language: string;
  links: Array<[string, string]>;
  entries: Array<{
    id: string;
    title: string;
    link: string;
    authors: string[];
    content: string[];
    summary: string;
  }>;
}

describe.skipIf(!available)('feedparser reads every feed', () => {
  it('with the right titles, authors and links', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'), sampleArticles());
    const config = loadFeedConfig('feeds');
    const out = join(dir, 'public');
    await buildFeeds(db, config, { out });
    const files = readdirSync(out).filter((name) => name.endsWith('.xml') || name.endsWith('.atom'));
    const run = spawnSync(PYTHON, ['test/feed/_feedparser.py', ...files.map((name) => join(out, name))], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as Record<string, Parsed>;
    let entries = 0;
    for (const feed of config.feeds) {
      const expected: Article[] = [];
      for (const { id } of await selectFeedArticles(db, feed, config.publisher))
        expected.push((await getArticle(db, id))!);
      expect(expected.length).toBeGreaterThan(0);
      for (const [extension, version] of [
        ['xml', 'rss20'],
        ['atom', 'atom10'],
      ] as const) {
        const read = parsed[join(out, `${feed.id}.${extension}`)]!;
        expect(read.bozo, read.bozo_exception).toBe(false);
        expect(read.version).toBe(version);
        expect(read.title).toBe(feed.title);
        expect(read.link).toBe(config.publisher.home);
        expect(read.language).toBe('en');
        expect(read.entries.map((entry) => entry.title)).toEqual(
          expected.map((article) => xmlSafe(article.title)),
        );
        expect(read.entries.map((entry) => entry.link)).toEqual(expected.map((article) => article.url));
        expect(read.entries.map((entry) => entry.authors)).toEqual(
          expected.map((article) => article.authors.map((author) => author.name)),
        );
        for (const [index, entry] of read.entries.entries()) {
          const html = entry.content[0] ?? entry.summary;
          expect(html).toContain(`href="${expected[index]!.url}"`);
          expect(html).toContain('Northwind Review');
        }
        entries += read.entries.length;
      }
    }
    expect(entries).toBeGreaterThan(60);
    await db.close();
  });
});

describe.skipIf(!available)('feedparser reads archives, hubs and tombstones', () => {
  it('follows the RFC 5005 links and is not confused by a removed entry', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'), sampleArticles());
    const config = loadFeedConfig('feeds');
    const all = config.feeds.find((feed) => feed.id === 'all')!;
    const archived = {
      publisher: { ...config.publisher, hubs: ['https://hub.example/'] },
      feeds: [{ ...all, limit: 10, archive: { pageSize: 10 }, tombstones: true }],
    };
    const out = join(dir, 'public');
    await buildFeeds(db, archived, { out });
    const [newest] = await selectFeedArticles(db, all, config.publisher);
    await removeArticles(db, [newest!.id]);
    await buildFeeds(db, archived, { out });
    await db.close();
    const files = readdirSync(out)
      .filter((name) => /\.(xml|atom)$/.test(name))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(4);
    const run = spawnSync(PYTHON, ['test/feed/_feedparser.py', ...files.map((name) => join(out, name))], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as Record<string, Parsed>;
    const BASE = config.publisher.feedBase;
    let entries = 0;
    for (const name of files) {
      const read = parsed[join(out, name)]!;
      expect(read.bozo, `${name}: ${read.bozo_exception}`).toBe(false);
      const extension = name.split('.').pop()!;
      const page = /archive-(\d+)/.exec(name)?.[1];
      const rels = Object.fromEntries(read.links.map(([rel, href]) => [rel, href]));
      expect(rels.hub, name).toBe('https://hub.example/');
      // Only the publisher's home is an alternate link: the tombstone adds none.
      expect(
        read.links.filter(([rel]) => rel === 'alternate').map(([, href]) => href),
        name,
      ).toEqual([config.publisher.home]);
      if (page) expect(rels.current, name).toBe(`${BASE}all.${extension}`);
      else
        expect(rels['prev-archive'], name).toMatch(new RegExp(`^${BASE}all\\.archive-\\d+\\.${extension}$`));
      expect(read.entries.map((entry) => entry.id)).not.toContain(newest!.id);
      entries += read.entries.length;
    }
    expect(entries).toBeGreaterThan(0);
  });
});
