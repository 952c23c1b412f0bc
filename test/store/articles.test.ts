import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toArticle } from '../../src/store/article.ts';
import { countArticles, findArticleByUrl, getArticle, upsertArticles } from '../../src/store/articles.ts';
import { openStore } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

const base = {
  url: 'https://news.example/2026/one',
  title: 'One',
  published: '2026-03-01',
};

describe('article store', () => {
  it('creates a WAL store at the current schema version', () => {
    const file = join(tempDir(), 'sub', 'store.sqlite');
    const db = openStore(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
    db.close();
    // Opening again applies nothing twice.
    const again = openStore(file);
    expect(countArticles(again)).toBe(0);
    again.close();
  });

  it('upserts by id, else by URL or alias, and reports what changed', () => {
    const db = openStore(join(tempDir(), 'store.sqlite'));
    const first = upsertArticles(db, [toArticle({ ...base, aliases: ['https://news.example/?p=1'] })]);
    expect(first.inserted).toEqual([base.url]);
    expect(upsertArticles(db, [toArticle(base)]).updated).toEqual([base.url]);
    expect(upsertArticles(db, [toArticle(base)]).unchanged).toEqual([base.url]);

    const withId = toArticle({ ...base, url: 'https://news.example/2026/two', id: 'a-2', title: 'Two' });
    upsertArticles(db, [withId]);
    const moved = toArticle({ ...base, url: 'https://news.example/2026/two-moved', id: 'a-2', title: 'Two' });
    expect(upsertArticles(db, [moved]).updated).toEqual(['a-2']);
    expect(getArticle(db, 'a-2')?.url).toBe('https://news.example/2026/two-moved');
    expect(countArticles(db)).toBe(2);
    db.close();
  });

  it('finds an article through an alias', () => {
    const db = openStore(join(tempDir(), 'store.sqlite'));
    upsertArticles(db, [toArticle({ ...base, aliases: ['https://news.example/?p=1'] })]);
    expect(findArticleByUrl(db, 'https://news.example/?p=1')?.url).toBe(base.url);
    db.close();
  });
});

describe('article schema', () => {
  it('normalises authors, categories and dates', () => {
    const article = toArticle({
      ...base,
      published: '2026-03-01T10:00:00+02:00',
      authors: 'Ana Lima',
      categories: ['Peace', { term: 'Middle East', scheme: 'Region' }],
      markdown: 'Some *text*.',
    });
    expect(article.published).toBe('2026-03-01T08:00:00.000Z');
    expect(article.authors).toEqual([{ name: 'Ana Lima' }]);
    expect(article.categories).toEqual([{ term: 'Peace' }, { term: 'Middle East', scheme: 'Region' }]);
    expect(article.html).toBe('<p>Some <em>text</em>.</p>');
  });

  it('rejects a relative URL, a bad date and unknown fields', () => {
    expect(() => toArticle({ ...base, url: '/relative' })).toThrow(/absolute/);
    expect(() => toArticle({ ...base, published: '12/03/2026' })).toThrow(/ISO 8601/);
    expect(() => toArticle({ ...base, colour: 'red' })).toThrow();
  });
});

describe('migrations', () => {
  it('are numbered 1, 2, 3… in list order, so no store ever skips one', async () => {
    const { migrations } = await import('../../src/store/migrations/index.ts');
    expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, index) => index + 1));
  });
});
