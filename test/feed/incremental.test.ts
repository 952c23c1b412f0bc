import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { buildFeeds } from '../../src/feed/build.ts';
import { FeedSelector } from '../../src/feed/query.ts';
import { toArticle } from '../../src/store/article.ts';
import { removeArticles, storeRevision, upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import { articleRevisions } from '../../src/store/migrations/007-article-revisions.ts';
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

async function setUp() {
  const dir = tempDir();
  const db = await seededStore(join(dir, 'store.sqlite'));
  const out = join(dir, 'public');
  return { db, out };
}

describe('store revision', () => {
  it('is bumped once by every write that changes an article, and by nothing else', async () => {
    const db = await openSql(join(tempDir(), 'store.sqlite'));
    const start = (await storeRevision(db)).revision;
    const batch = articles.map(toArticle);
    await upsertArticles(db, batch);
    expect((await storeRevision(db)).revision).toBe(start + 1);
    await upsertArticles(db, batch);
    expect((await storeRevision(db)).revision).toBe(start + 1);
    await upsertArticles(db, [{ ...batch[1]!, title: 'Changed' }]);
    expect((await storeRevision(db)).revision).toBe(start + 2);
    await removeArticles(db, [batch[1]!.url]);
    expect((await storeRevision(db)).revision).toBe(start + 3);
    await db.close();
  });

  it('is kept in the file: another connection reads the same revision and store id', async () => {
    const file = join(tempDir(), 'store.sqlite');
    const db = await seededStore(file);
    const first = await storeRevision(db);
    await db.close();
    const again = await openSql(file);
    expect(await storeRevision(again)).toEqual(first);
    await again.close();
  });
});

describe('incremental build', () => {
  it('selects and writes nothing when the store did not change', async () => {
    const { db, out } = await setUp();
    const first = await buildFeeds(db, config, { out });
    expect(first.selected).toEqual(['all', 'peace', 'environment', 'ana', 'french']);
    const again = await buildFeeds(db, config, { out });
    expect(again.selected).toEqual([]);
    expect(again.written).toEqual([]);
    expect(again.changed).toEqual([]);
    await db.close();
  });

  it('selects again only the feeds whose filter takes the changed article', async () => {
    const { db, out } = await setUp();
    await buildFeeds(db, config, { out });
    // "Water & borders": Environment, by Ana Lima, in English.
    const water = toArticle(articles[1]!);
    await upsertArticles(db, [{ ...water, title: 'Water & borders, revised' }]);
    const result = await buildFeeds(db, config, { out });
    expect(result.selected.sort()).toEqual(['all', 'ana', 'environment']);
    expect(result.changed.sort()).toEqual(['all', 'ana', 'environment']);
    expect(readFileSync(join(out, 'environment.json'), 'utf8')).toContain('Water & borders, revised');
    await db.close();
  });

  it('selects again the feeds an article left when its terms or language changed', async () => {
    const { db, out } = await setUp();
    await buildFeeds(db, config, { out });
    const water = toArticle(articles[1]!);
    // Now a French article about peace: it leaves Environment and English-only feeds, joins Peace and French.
    await upsertArticles(db, [
      { ...water, language: 'fr', categories: [{ term: 'Peace and Security', scheme: 'Theme' }] },
    ]);
    const result = await buildFeeds(db, config, { out });
    expect(result.selected.sort()).toEqual(['all', 'ana', 'environment', 'french', 'peace']);
    expect(readFileSync(join(out, 'environment.json'), 'utf8')).not.toContain('Water &');
    expect(readFileSync(join(out, 'french.atom'), 'utf8')).toContain('Water &amp; borders');
    await db.close();
  });

  it('selects every feed again for another store, a store put back to an older copy, or --force', async () => {
    const { db, out } = await setUp();
    await buildFeeds(db, config, { out });
    const other = await seededStore(join(tempDir(), 'other.sqlite'));
    const fromOther = await buildFeeds(other, config, { out });
    expect(fromOther.selected).toHaveLength(5);
    // Same content, so nothing is written: the bytes are compared.
    expect(fromOther.written).toEqual([]);
    await other.close();
    expect((await buildFeeds(db, config, { out })).selected).toHaveLength(5);
    expect((await buildFeeds(db, config, { out, force: true })).selected).toHaveLength(5);
    await db.run('UPDATE article_state SET revision = revision - 1');
    expect((await buildFeeds(db, config, { out })).selected).toHaveLength(5);
    await db.close();
  });

  it('selects again a feed whose definition changed, and only it', async () => {
    const { db, out } = await setUp();
    await buildFeeds(db, config, { out });
    const changed = feedConfig(
      { id: 'all', title: 'All' },
      { id: 'peace', title: 'Peace, retitled', filter: { categories: { Theme: ['Peace and Security'] } } },
      { id: 'environment', title: 'Environment', filter: { categories: { Theme: ['Environment'] } } },
      { id: 'ana', title: 'Ana', filter: { authors: ['Ana Lima'] } },
      { id: 'french', title: 'French', filter: { language: 'fr' }, formats: ['atom'] },
    );
    const result = await buildFeeds(db, changed, { out });
    expect(result.selected).toEqual(['peace']);
    expect(result.written.sort()).toEqual([
      '.peace.view.html',
      'feeds.opml',
      'peace.atom',
      'peace.json',
      'peace.xml',
    ]);
    await db.close();
  });
});

describe('migration of a store written before revisions', () => {
  it('dates the terms of the articles already there, so that selection finds them', async () => {
    const file = join(tempDir(), 'store.sqlite');
    const db = new Database(file);
    for (const migration of migrations.filter((step) => step.version < articleRevisions.version)) {
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
    db.close();
    // Opening the store brings it up to date.
    const sql = await openSql(file);
    expect((await storeRevision(sql)).revision).toBe(1);
    const peace = feedConfig({
      id: 'peace',
      title: 'Peace',
      filter: { categories: { Theme: ['Peace and Security'] } },
    }).feeds[0]!;
    expect(await new FeedSelector(sql).select(peace, publisher)).toEqual([
      { id: 'https://northwind.example/old-1', hash: 'hash-1' },
    ]);
    await sql.close();
  });
});
