import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeedSelector, feedQuery, selectFeedArticles } from '../../src/feed/query.ts';
import type { ArticleInput } from '../../src/store/article.ts';
import type { Db } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';
import { feedConfig, publisher, seededStore } from './_support.ts';

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

function numbers(db: Db, filter: unknown, limit = 100): number[] {
  const definition = feedConfig({ id: 'q', title: 'q', filter, limit }).feeds[0]!;
  const selected = selectFeedArticles(db, definition, publisher).map((row) =>
    Number(row.id.split('/').pop()),
  );
  // The selector agrees with the one-statement SQL reference, hashes included.
  const { sql, params } = feedQuery(definition, publisher);
  expect(db.prepare(sql).all(...params)).toEqual(selectFeedArticles(db, definition, publisher));
  // Also when the selector was not told about the feed in advance (terms read per feed).
  expect(new FeedSelector(db).select(definition, publisher)).toEqual(
    selectFeedArticles(db, definition, publisher),
  );
  return selected;
}

const expected = (test: (index: number) => boolean, limit = 100) =>
  Array.from({ length: 60 }, (_, index) => 59 - index)
    .filter(test)
    .slice(0, limit);

describe('feed article selection', () => {
  const db = () => seededStore(join(tempDir(), 'store.sqlite'), store);

  it('takes everything newest first, up to the limit', () => {
    expect(numbers(db(), {}, 5)).toEqual([59, 58, 57, 56, 55]);
  });

  it('filters by category in a scheme, by author and by tag', () => {
    const store = db();
    expect(numbers(store, { categories: { Theme: ['Peace and Security'] } })).toEqual(
      expected((i) => i % 2 === 1),
    );
    expect(numbers(store, { authors: ['Ana Lima'] })).toEqual(expected((i) => i % 3 === 0));
    expect(numbers(store, { tags: ['water'] })).toEqual(expected((i) => i % 5 === 0));
    // A term in another scheme does not count; "*" takes any scheme, and none.
    expect(numbers(store, { categories: { Region: ['Peace and Security'] } })).toEqual([]);
    expect(numbers(store, { categories: { '*': ['Peace and Security'] } })).toEqual(
      expected((i) => i % 2 === 1 || i % 10 === 0),
    );
  });

  it('matches any listed value of a field and every field given', () => {
    const store = db();
    expect(numbers(store, { authors: ['Ana Lima', 'Zoë Ötzi'] })).toEqual(expected((i) => i % 3 !== 1));
    expect(
      numbers(store, {
        categories: { Theme: ['Environment'], Region: ['West Africa'] },
        authors: ['Ana Lima'],
      }),
    ).toEqual(expected((i) => i % 2 === 0 && i % 4 === 0 && i % 3 === 0));
  });

  it('filters by language, regional variants included, unmarked articles counting as the publisher’s', () => {
    const store = db();
    expect(numbers(store, { language: 'fr' })).toEqual(expected((i) => i % 6 === 0));
    expect(numbers(store, { language: 'en' })).toEqual(expected((i) => i % 6 !== 0));
    expect(numbers(store, { language: 'en-GB' })).toEqual(expected((i) => i % 6 === 1));
    expect(numbers(store, { language: 'fr', authors: ['Ana Lima'] }, 3)).toEqual([54, 48, 42]);
  });
});
