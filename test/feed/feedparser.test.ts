import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFeedConfig } from '../../src/config/feeds.ts';
import { buildFeeds } from '../../src/feed/build.ts';
import { selectFeedArticles } from '../../src/feed/query.ts';
import { xmlSafe } from '../../src/feed/text.ts';
import { getArticle } from '../../src/store/articles.ts';
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
  it('with the right titles, authors and links', () => {
    const dir = tempDir();
    const db = seededStore(join(dir, 'store.sqlite'), sampleArticles());
    const config = loadFeedConfig('feeds');
    const out = join(dir, 'public');
    buildFeeds(db, config, { out });
    const files = readdirSync(out).filter((name) => name.endsWith('.xml') || name.endsWith('.atom'));
    const run = spawnSync(PYTHON, ['test/feed/_feedparser.py', ...files.map((name) => join(out, name))], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as Record<string, Parsed>;
    let entries = 0;
    for (const feed of config.feeds) {
      const expected = selectFeedArticles(db, feed, config.publisher).map(({ id }) => getArticle(db, id)!);
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
    db.close();
  });
});
