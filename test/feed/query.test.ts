import { expect, it } from 'vitest';
import { FeedSelector, feedQuery, selectFeedArticles } from '../../src/feed/query.ts';
import { type ArticleInput, toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines } from '../helpers/engines.ts';
import { feedConfig, publisher } from './_support.ts';

const store: ArticleInput[] = Array.from({ length: 60 }, (_, index) => ({
  url: `https://northwind.example/${index}`,
  title: `Story ${index}`,
  published: new Date(Date.UTC(2026, 0, 1) + index * 3_600_000).toISOString(),
  authors: index % 3 === 0 ? ['Ana Lima', 'Omar Haddad'] : [index % 3 === 1 ? 'Omar Haddad' : 'Zoë Ötzi'],
  categories: [
    { term: index % 2 ? 'Peace and Security' : 'Environment', scheme: 'Theme' },
    { term: index % 4 ? 'Middle East' : 'West Africa', scheme: 'Region' },
    ...(index % 10 === 0 ? ['Peace and Security'] : []),
  ],
  tags: index % 5 === 0 ? ['water'] : [],
  ...(index % 6 === 0 ? { language: 'fr' } : index % 6 === 1 ? { language: 'en-GB' } : {}),
  html: '<p>x</p>',
}));

/** Five articles published at the same instant, with ids whose order differs between collations. */
const ties: ArticleInput[] = ['b', 'B', 'a-1', 'a_1', 'é'].map((id) => ({
  id,
  url: `https://northwind.example/tie/${encodeURIComponent(id)}`,
  title: `Tie ${id}`,
  published: '2025-12-31T00:00:00Z',
  authors: ['Ana Lima', 'Omar Haddad'],
  tags: ['water'],
  html: '<p>x</p>',
}));

async function numbers(sql: Sql, filter: unknown, limit = 100): Promise<number[]> {
  const definition = feedConfig({ id: 'q', title: 'q', filter, limit }).feeds[0]!;
  const selected = await selectFeedArticles(sql, definition, publisher);
  // The selector agrees with the one-statement SQL reference, hashes included.
  const { sql: text, params } = feedQuery(definition, publisher, sql.dialect);
  expect(await sql.all(text, params)).toEqual(selected);
  // A selector reused across feeds gives the same.
  expect(await new FeedSelector(sql).select(definition, publisher)).toEqual(selected);
  return selected
    .filter((row) => !row.id.includes('/tie/') && !ties.some((tie) => tie.id === row.id))
    .map((row) => Number(row.id.split('/').pop()));
}

const expected = (test: (index: number) => boolean, limit = 100) =>
  Array.from({ length: 60 }, (_, index) => 59 - index)
    .filter(test)
    .slice(0, limit);

describeEngines('feed article selection', (engine) => {
  const db = async () => {
    const sql = await engine.open();
    await upsertArticles(sql, [...store, ...ties].map(toArticle));
    return sql;
  };

  it('takes everything newest first, up to the limit', async () => {
    expect(await numbers(await db(), {}, 5)).toEqual([59, 58, 57, 56, 55]);
  });

  it('filters by category in a scheme, by author and by tag', async () => {
    const store = await db();
    expect(await numbers(store, { categories: { Theme: ['Peace and Security'] } })).toEqual(
      expected((i) => i % 2 === 1),
    );
    expect(await numbers(store, { authors: ['Ana Lima'] })).toEqual(expected((i) => i % 3 === 0));
    expect(await numbers(store, { tags: ['water'] })).toEqual(expected((i) => i % 5 === 0));
    // A term in another scheme does not count; "*" takes any scheme, and none.
    expect(await numbers(store, { categories: { Region: ['Peace and Security'] } })).toEqual([]);
    expect(await numbers(store, { categories: { '*': ['Peace and Security'] } })).toEqual(
      expected((i) => i % 2 === 1 || i % 10 === 0),
    );
  });

  it('matches any listed value of a field and every field given', async () => {
    const store = await db();
    expect(await numbers(store, { authors: ['Ana Lima', 'Zoë Ötzi'] })).toEqual(expected((i) => i % 3 !== 1));
    expect(
      await numbers(store, {
        categories: { Theme: ['Environment'], Region: ['West Africa'] },
        authors: ['Ana Lima'],
      }),
    ).toEqual(expected((i) => i % 2 === 0 && i % 4 === 0 && i % 3 === 0));
    // A field of several values with others (on SQLite, a merge of their index ranges), and two
    // fields of several values (which are not), at limits that cut through the ties.
    for (const limit of [1, 4, 100]) {
      expect(
        await numbers(
          store,
          { categories: { Region: ['West Africa'] }, authors: ['Zoë Ötzi', 'Omar Haddad'], tags: ['water'] },
          limit,
        ),
      ).toEqual(expected((i) => i % 4 === 0 && i % 5 === 0, limit));
      expect(
        await numbers(
          store,
          { categories: { Theme: ['Environment', 'Peace and Security'] }, authors: ['Ana Lima', 'Zoë Ötzi'] },
          limit,
        ),
      ).toEqual(expected((i) => i % 3 !== 1, limit));
    }
  });

  it('filters by language, regional variants included, unmarked articles counting as the publisher’s', async () => {
    const store = await db();
    expect(await numbers(store, { language: 'fr' })).toEqual(expected((i) => i % 6 === 0));
    expect(await numbers(store, { language: 'EN' })).toEqual(expected((i) => i % 6 !== 0));
    expect(await numbers(store, { language: 'en-gb' })).toEqual(expected((i) => i % 6 === 1));
    expect(await numbers(store, { language: 'fr', authors: ['Ana Lima'] }, 3)).toEqual([54, 48, 42]);
  });

  it('orders articles of the same date by id, byte by byte, on every engine', async () => {
    const store = await db();
    const tieOrder = ['B', 'a-1', 'a_1', 'b', 'é'];
    for (const filter of [{}, { tags: ['water'] }, { authors: ['Ana Lima', 'Omar Haddad'] }]) {
      const definition = feedConfig({ id: 'q', title: 'q', filter, limit: 1000 }).feeds[0]!;
      const ids = (await selectFeedArticles(store, definition, publisher)).map((row) => row.id);
      expect(
        ids.filter((id) => tieOrder.includes(id)),
        JSON.stringify(filter),
      ).toEqual(tieOrder);
    }
  });

  it('reads on past the repeats of a term of several values, page after page, and stops at the limit', async () => {
    const store = await db();
    // Every third story and every tie has both authors: each appears twice in the driving range.
    const both = { authors: ['Ana Lima', 'Omar Haddad'] };
    for (const limit of [1, 7, 17, 18, 19, 40, 1000]) {
      const definition = feedConfig({ id: 'q', title: 'q', filter: both, limit }).feeds[0]!;
      const selected = await selectFeedArticles(store, definition, publisher);
      const { sql: text, params } = feedQuery(definition, publisher, store.dialect);
      expect(selected, `limit ${limit}`).toEqual(await store.all(text, params));
      expect(new Set(selected.map((row) => row.id)).size).toBe(selected.length);
    }
  });
});
