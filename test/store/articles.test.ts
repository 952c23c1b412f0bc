import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ArticleInput, toArticle } from '../../src/store/article.ts';
import {
  countArticles,
  findArticleByUrl,
  getArticle,
  iterateArticles,
  removeArticles,
  storeRevision,
  upsertArticles,
} from '../../src/store/articles.ts';
import { openSql, openStore } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines } from '../helpers/engines.ts';
import { tempDir } from '../helpers/tmp.ts';

const base = {
  url: 'https://news.example/2026/one',
  title: 'One',
  published: '2026-03-01',
};

const article = (input: Partial<ArticleInput> & { url: string }) => toArticle({ ...base, ...input });

async function terms(sql: Sql, id: string): Promise<string[]> {
  const rows = await sql.all<{ kind: string; scheme: string; value: string; published: string }>(
    'SELECT kind, scheme, value, published FROM article_terms WHERE article_id = ?',
    [id],
  );
  return rows.map((row) => `${row.kind}/${row.scheme}/${row.value}@${row.published}`).sort();
}

async function departures(sql: Sql) {
  return sql.all<{
    revision: number;
    article_id: string;
    url: string;
    language: string | null;
    terms: string;
    removed_at: string | null;
  }>(
    'SELECT revision, article_id, url, language, terms, removed_at FROM article_departures ORDER BY revision, article_id',
  );
}

describe('article store file', () => {
  it('creates a WAL store at the current schema version', async () => {
    const file = join(tempDir(), 'sub', 'store.sqlite');
    const db = openStore(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
    db.close();
    // Opening again applies nothing twice.
    const again = await openSql(file);
    expect(await countArticles(again)).toBe(0);
    await again.close();
  });
});

describeEngines('article store', (engine) => {
  it('upserts by id, else by URL or alias, and reports what changed', async () => {
    const sql = await engine.open();
    const first = await upsertArticles(sql, [
      article({ url: base.url, aliases: ['https://news.example/?p=1'] }),
    ]);
    expect(first).toEqual({ inserted: [base.url], updated: [], unchanged: [] });
    expect((await upsertArticles(sql, [article({ url: base.url })])).updated).toEqual([base.url]);
    expect((await upsertArticles(sql, [article({ url: base.url })])).unchanged).toEqual([base.url]);

    await upsertArticles(sql, [article({ url: 'https://news.example/2026/two', id: 'a-2', title: 'Two' })]);
    const moved = article({ url: 'https://news.example/2026/two-moved', id: 'a-2', title: 'Two' });
    expect((await upsertArticles(sql, [moved])).updated).toEqual(['a-2']);
    expect((await getArticle(sql, 'a-2'))?.url).toBe('https://news.example/2026/two-moved');
    expect(await getArticle(sql, 'no-such-id')).toBeUndefined();
    expect(await countArticles(sql)).toBe(2);
    // An article without an id of its own, given again under an alias URL, is the same article.
    await upsertArticles(sql, [article({ url: base.url, aliases: ['https://news.example/?p=1'] })]);
    const byAlias = await upsertArticles(sql, [
      { ...article({ url: 'https://news.example/?p=1', title: 'One, retitled' }), aliases: [] },
    ]);
    expect(byAlias.updated).toEqual([base.url]);
    expect((await getArticle(sql, base.url))?.title).toBe('One, retitled');
    expect(await countArticles(sql)).toBe(2);
  });

  it('finds an article through its URL or an alias, and an alias given to another article moves to it', async () => {
    const sql = await engine.open();
    await upsertArticles(sql, [article({ url: base.url, aliases: ['https://news.example/?p=1'] })]);
    expect((await findArticleByUrl(sql, 'https://news.example/?p=1'))?.url).toBe(base.url);
    expect((await findArticleByUrl(sql, base.url))?.url).toBe(base.url);
    expect(await findArticleByUrl(sql, 'https://news.example/?p=2')).toBeUndefined();
    await upsertArticles(sql, [
      article({ url: 'https://news.example/other', id: 'other', aliases: ['https://news.example/?p=1'] }),
    ]);
    expect((await findArticleByUrl(sql, 'https://news.example/?p=1'))?.id).toBe('other');
  });

  it('keeps each article’s terms, dated as the article, and replaces them when it changes', async () => {
    const sql = await engine.open();
    const input = {
      url: base.url,
      authors: ['Ana Lima', { name: 'Zoë Ötzi' }],
      categories: ['Peace', { term: 'Middle East', scheme: 'Region' }],
      tags: ['water', 'water'],
    };
    await upsertArticles(sql, [article(input)]);
    expect(await terms(sql, base.url)).toEqual([
      'author//Ana Lima@2026-03-01T00:00:00.000Z',
      'author//Zoë Ötzi@2026-03-01T00:00:00.000Z',
      'category//Peace@2026-03-01T00:00:00.000Z',
      'category/Region/Middle East@2026-03-01T00:00:00.000Z',
      'tag//water@2026-03-01T00:00:00.000Z',
    ]);
    await upsertArticles(sql, [
      article({ ...input, published: '2026-03-05', authors: ['Ana Lima'], tags: [] }),
    ]);
    expect(await terms(sql, base.url)).toEqual([
      'author//Ana Lima@2026-03-05T00:00:00.000Z',
      'category//Peace@2026-03-05T00:00:00.000Z',
      'category/Region/Middle East@2026-03-05T00:00:00.000Z',
    ]);
  });

  it('takes one new revision for each write that changes something, and none for one that does not', async () => {
    const sql = await engine.open();
    const start = await storeRevision(sql);
    expect(start.storeId).toMatch(/^[0-9a-f]{32}$/);
    const batch = [article({ url: base.url }), article({ url: 'https://news.example/b', tags: ['x'] })];
    await upsertArticles(sql, batch);
    expect(await storeRevision(sql)).toEqual({ ...start, revision: start.revision + 1 });
    await upsertArticles(sql, batch);
    expect((await storeRevision(sql)).revision).toBe(start.revision + 1);
    await upsertArticles(sql, [{ ...batch[1]!, title: 'Changed' }]);
    expect((await storeRevision(sql)).revision).toBe(start.revision + 2);
    await removeArticles(sql, [base.url]);
    expect((await storeRevision(sql)).revision).toBe(start.revision + 3);
    const rows = await sql.all<{ id: string; revision: number }>(
      'SELECT id, revision FROM articles ORDER BY id',
    );
    expect(rows).toEqual([{ id: 'https://news.example/b', revision: start.revision + 2 }]);
  });

  it('records what an article was when a write takes it out of feeds, and when it leaves the store', async () => {
    const sql = await engine.open();
    const input = { url: base.url, tags: ['water'], language: 'fr', aliases: ['https://news.example/?p=9'] };
    await upsertArticles(sql, [article(input)]);
    const { revision } = await storeRevision(sql);
    // A new title changes no feed's filter: no departure.
    await upsertArticles(sql, [article({ ...input, title: 'Retitled' })]);
    expect(await departures(sql)).toEqual([]);
    await upsertArticles(sql, [article({ ...input, title: 'Retitled', tags: ['rivers'], language: 'en' })]);
    await removeArticles(sql, ['https://news.example/?p=9'], { now: new Date('2026-04-01T00:00:00Z') });
    expect(await departures(sql)).toEqual([
      {
        revision: revision + 2,
        article_id: base.url,
        url: base.url,
        language: 'fr',
        terms: JSON.stringify([['tag', '', 'water']]),
        removed_at: null,
      },
      {
        revision: revision + 3,
        article_id: base.url,
        url: base.url,
        language: 'en',
        terms: JSON.stringify([['tag', '', 'rivers']]),
        removed_at: '2026-04-01T00:00:00.000Z',
      },
    ]);
    expect(await getArticle(sql, base.url)).toBeUndefined();
    expect(await terms(sql, base.url)).toEqual([]);
    expect(await findArticleByUrl(sql, 'https://news.example/?p=9')).toBeUndefined();
  });

  it('removes by id, URL or alias, all or none, and none when the step that goes with it fails', async () => {
    const sql = await engine.open();
    await upsertArticles(sql, [
      article({ url: 'https://news.example/a', id: 'a' }),
      article({ url: 'https://news.example/b', aliases: ['https://news.example/?p=2'] }),
      article({ url: 'https://news.example/c' }),
    ]);
    const revision = (await storeRevision(sql)).revision;
    await expect(removeArticles(sql, ['a', 'https://news.example/nope'])).rejects.toThrow(
      /no article with the id or URL "https:\/\/news.example\/nope"; nothing removed/,
    );
    await expect(
      removeArticles(sql, ['a'], {
        alsoRemove: async () => {
          throw new Error('index unavailable');
        },
      }),
    ).rejects.toThrow('index unavailable');
    expect(await countArticles(sql)).toBe(3);
    expect(await departures(sql)).toEqual([]);
    expect((await storeRevision(sql)).revision).toBe(revision);
    let told: readonly string[] = [];
    const removed = await removeArticles(sql, ['https://news.example/?p=2', 'https://news.example/a', 'a'], {
      alsoRemove: async (ids) => {
        told = ids;
        // The hook runs inside the removal's transaction, just before the article rows go.
        expect(await sql.get('SELECT 1 AS found FROM articles WHERE id = ?', ['a'])).toBeDefined();
      },
    });
    expect(removed).toEqual(['https://news.example/b', 'a']);
    expect(told).toEqual(removed);
    expect((await iterateToList(sql)).map((stored) => stored.id)).toEqual(['https://news.example/c']);
  });

  it('takes the rows that refer to a removed article with it (its discoveries), and no other', async () => {
    const sql = await engine.open();
    await upsertArticles(sql, [
      article({ url: 'https://news.example/a' }),
      article({ url: 'https://news.example/b' }),
    ]);
    for (const [offset, id] of [
      [0, 'https://news.example/a'],
      [1, 'https://news.example/b'],
    ] as const) {
      await sql.run(
        `INSERT INTO discoveries (source, record_offset, record_length, record_type, page_url, host, article_id,
           coverage, kind, verdict, found_at)
         VALUES ('crawl.warc.gz', ?, 100, 'response', 'https://copy.example/', 'copy.example', ?, 0.9, 'full', 'violation', '2026-04-01')`,
        [offset, id],
      );
    }
    await removeArticles(sql, ['https://news.example/a']);
    expect(await sql.all('SELECT article_id FROM discoveries')).toEqual([
      { article_id: 'https://news.example/b' },
    ]);
  });

  it('gives every article newest first, ties by id in code-unit order, however many pages it takes', async () => {
    const sql = await engine.open();
    // Ids whose order differs between a binary collation and a linguistic one (case, punctuation).
    const ids = ['b', 'B', 'a-1', 'a_1', 'A', 'a1', 'Z', 'é'];
    const stored = [
      ...ids.map((id) => article({ url: `https://news.example/tie/${encodeURIComponent(id)}`, id })),
      ...Array.from({ length: 520 }, (_, index) =>
        article({
          url: `https://news.example/many/${index}`,
          published: new Date(Date.UTC(2026, 0, 1) + (index % 300) * 60_000).toISOString(),
        }),
      ),
    ];
    await upsertArticles(sql, stored);
    const listed = await iterateToList(sql);
    const expected = [...stored]
      .sort((a, b) =>
        a.published === b.published ? (a.id < b.id ? -1 : 1) : a.published < b.published ? 1 : -1,
      )
      .map((entry) => entry.id);
    expect(listed.map((entry) => entry.id)).toEqual(expected);
    expect(listed.slice(0, ids.length).map((entry) => entry.id)).toEqual([
      'A',
      'B',
      'Z',
      'a-1',
      'a1',
      'a_1',
      'b',
      'é',
    ]);
    expect(listed[0]).toEqual(stored.find((entry) => entry.id === expected[0]));
  });
});

async function iterateToList(sql: Sql) {
  const list = [];
  for await (const stored of iterateArticles(sql)) list.push(stored);
  return list;
}

describe('article schema', () => {
  it('normalises authors, categories and dates', () => {
    const normalised = toArticle({
      ...base,
      published: '2026-03-01T10:00:00+02:00',
      authors: 'Ana Lima',
      categories: ['Peace', { term: 'Middle East', scheme: 'Region' }],
      markdown: 'Some *text*.',
    });
    expect(normalised.published).toBe('2026-03-01T08:00:00.000Z');
    expect(normalised.authors).toEqual([{ name: 'Ana Lima' }]);
    expect(normalised.categories).toEqual([{ term: 'Peace' }, { term: 'Middle East', scheme: 'Region' }]);
    expect(normalised.html).toBe('<p>Some <em>text</em>.</p>');
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
