import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { buildFeeds } from '../../src/feed/build.ts';
import { FeedSelector } from '../../src/feed/query.ts';
import { toArticle } from '../../src/store/article.ts';
import { removeArticles, storeRevision, upsertArticles } from '../../src/store/articles.ts';
import { migrate, openStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { tempDir } from '../helpers/tmp.ts';
import { articles, feedConfig, publisher, seededStore } from './_support.ts';

const config = feedConfig(
  { id: 'all', title: 'All' },
  { id: 'peace', title: 'Peace', filter: { categories: { Theme: ['Peace and Security'] } } },
  { id: 'environment', title: 'Environment', filter: { categories: { Theme: ['Environment'] } } },
  { id: 'ana', title: 'Ana', filter: { authors: ['Ana Lima'] } },
  { id: 'french', title: 'French', filter: { language: 'fr' }, formats: ['atom'] },
);

function setUp() {
  const dir = tempDir();
  const db = seededStore(join(dir, 'store.sqlite'));
  const out = join(dir, 'public');
  return { db, out };
}

describe('store revision', () => {
  it('is bumped once by every write that changes an article, and by nothing else', () => {
    const db = openStore(join(tempDir(), 'store.sqlite'));
    const start = storeRevision(db).revision;
    const batch = articles.map(toArticle);
    upsertArticles(db, batch);
    expect(storeRevision(db).revision).toBe(start + 1);
    upsertArticles(db, batch);
    expect(storeRevision(db).revision).toBe(start + 1);
    upsertArticles(db, [{ ...batch[1]!, title: 'Changed' }]);
    expect(storeRevision(db).revision).toBe(start + 2);
    removeArticles(db, [batch[1]!.url]);
    expect(storeRevision(db).revision).toBe(start + 3);
    db.close();
  });

  it('is kept in the file: another connection reads the same revision and store id', () => {
    const file = join(tempDir(), 'store.sqlite');
    const db = seededStore(file);
    const first = storeRevision(db);
    db.close();
    const again = openStore(file);
    expect(storeRevision(again)).toEqual(first);
    again.close();
  });
});

describe('incremental build', () => {
  it('selects and writes nothing when the store did not change', () => {
    const { db, out } = setUp();
    const first = buildFeeds(db, config, { out });
    expect(first.selected).toEqual(['all', 'peace', 'environment', 'ana', 'french']);
    const again = buildFeeds(db, config, { out });
    expect(again.selected).toEqual([]);
    expect(again.written).toEqual([]);
    expect(again.changed).toEqual([]);
    db.close();
  });

  it('selects again only the feeds whose filter takes the changed article', () => {
    const { db, out } = setUp();
    buildFeeds(db, config, { out });
    // "Water & borders": Environment, by Ana Lima, in English.
    const water = toArticle(articles[1]!);
    upsertArticles(db, [{ ...water, title: 'Water & borders, revised' }]);
    const result = buildFeeds(db, config, { out });
    expect(result.selected.sort()).toEqual(['all', 'ana', 'environment']);
    expect(result.changed.sort()).toEqual(['all', 'ana', 'environment']);
    expect(readFileSync(join(out, 'environment.json'), 'utf8')).toContain('Water & borders, revised');
    db.close();
  });

  it('selects again the feeds an article left when its terms or language changed', () => {
    const { db, out } = setUp();
    buildFeeds(db, config, { out });
    const water = toArticle(articles[1]!);
    // Now a French article about peace: it leaves Environment and English-only feeds, joins Peace and French.
    upsertArticles(db, [
      { ...water, language: 'fr', categories: [{ term: 'Peace and Security', scheme: 'Theme' }] },
    ]);
    const result = buildFeeds(db, config, { out });
    expect(result.selected.sort()).toEqual(['all', 'ana', 'environment', 'french', 'peace']);
    expect(readFileSync(join(out, 'environment.json'), 'utf8')).not.toContain('Water &');
    expect(readFileSync(join(out, 'french.atom'), 'utf8')).toContain('Water &amp; borders');
    db.close();
  });

  it('selects every feed again for another store, a store put back to an older copy, or --force', () => {
    const { db, out } = setUp();
    buildFeeds(db, config, { out });
    const other = seededStore(join(tempDir(), 'other.sqlite'));
    const fromOther = buildFeeds(other, config, { out });
    expect(fromOther.selected).toHaveLength(5);
    // Same content, so nothing is written: the bytes are compared.
    expect(fromOther.written).toEqual([]);
    other.close();
    expect(buildFeeds(db, config, { out }).selected).toHaveLength(5);
    expect(buildFeeds(db, config, { out, force: true }).selected).toHaveLength(5);
    db.prepare('UPDATE article_state SET revision = revision - 1').run();
    expect(buildFeeds(db, config, { out }).selected).toHaveLength(5);
    db.close();
  });

  it('selects again a feed whose definition changed, and only it', () => {
    const { db, out } = setUp();
    buildFeeds(db, config, { out });
    const changed = feedConfig(
      { id: 'all', title: 'All' },
      { id: 'peace', title: 'Peace, retitled', filter: { categories: { Theme: ['Peace and Security'] } } },
      { id: 'environment', title: 'Environment', filter: { categories: { Theme: ['Environment'] } } },
      { id: 'ana', title: 'Ana', filter: { authors: ['Ana Lima'] } },
      { id: 'french', title: 'French', filter: { language: 'fr' }, formats: ['atom'] },
    );
    const result = buildFeeds(db, changed, { out });
    expect(result.selected).toEqual(['peace']);
    expect(result.written.sort()).toEqual([
      '.peace.view.html',
      'feeds.opml',
      'peace.atom',
      'peace.json',
      'peace.xml',
    ]);
    db.close();
  });
});

describe('migration of a store written before revisions', () => {
  it('dates the terms of the articles already there, so that selection finds them', () => {
    const db = new Database(':memory:');
    for (const migration of migrations.filter((step) => step.version < 6)) {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }
    // Two articles as the earlier schema stored them.
    for (const [index, theme] of ['Environment', 'Peace and Security'].entries()) {
      const id = `https://northwind.example/old-${index}`;
      db.prepare(
        `INSERT INTO articles (id, url, title, published, record, hash, stored_at)
         VALUES (?, ?, 'Old', ?, '{}', ?, '2026-01-01T00:00:00.000Z')`,
      ).run(id, id, `2026-01-0${index + 1}T00:00:00.000Z`, `hash-${index}`);
      db.prepare(
        "INSERT INTO article_terms (article_id, kind, scheme, value) VALUES (?, 'category', 'Theme', ?)",
      ).run(id, theme);
    }
    migrate(db);
    expect(storeRevision(db).revision).toBe(1);
    const peace = feedConfig({
      id: 'peace',
      title: 'Peace',
      filter: { categories: { Theme: ['Peace and Security'] } },
    }).feeds[0]!;
    expect(new FeedSelector(db).select(peace, publisher)).toEqual([
      { id: 'https://northwind.example/old-1', hash: 'hash-1' },
    ]);
    db.close();
  });
});
