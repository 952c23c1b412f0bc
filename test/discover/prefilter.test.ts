import { describe, expect, it } from 'vitest';
import { buildPrefilter, loadPrefilter, Prefilter } from '../../src/discover/prefilter.ts';
import { articleText, indexArticles, unpackFingerprints } from '../../src/match/fingerprint-index.ts';
import { toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import type { Db } from '../../src/store/db.ts';
import { fixtureArticles, fixtureStore } from '../helpers/fixture-store.ts';
import { sqlOf } from '../helpers/sql-of.ts';

const prose = (seed: number) =>
  Array.from({ length: 8 }, (_, p) =>
    Array.from({ length: 30 }, (_, w) => `w${(seed * 131 + p * 37 + w * 17) % 9973}x${(w + p) % 11}`).join(
      ' ',
    ),
  )
    .map((text) => `<p>${text}.</p>`)
    .join('\n');

const newcomer = toArticle({
  id: 'newcomer',
  url: 'https://northwind.example/newcomer',
  title: 'A newcomer',
  published: '2026-02-01',
  html: prose(7),
});

/** Every indexed fingerprint is in the filter: a Bloom filter never misses. */
function holdsEveryFingerprint(db: Db, prefilter: Prefilter): boolean {
  const blobs = db.prepare('SELECT fingerprints FROM fingerprinted_articles').pluck().all() as Buffer[];
  return blobs.every((blob) => {
    const prints = unpackFingerprints(blob);
    return Array.from(prints.high).every((high, i) => prefilter.has(high, prints.low[i]!));
  });
}

describe('the stored prefilter', () => {
  it('is built once, then read back until the index changes', async () => {
    const { db } = fixtureStore();
    const first = loadPrefilter(db);
    expect(first.stored).toBe(false);
    const again = loadPrefilter(db);
    expect(again.stored).toBe(true);
    expect(again.data.entries).toBe(first.data.entries);
    expect(Buffer.from(again.data.bits.buffer)).toEqual(Buffer.from(buildPrefilter(db).bits.buffer));
    expect(holdsEveryFingerprint(db, new Prefilter(again.data))).toBe(true);

    // An import that changes the index makes it stale: the new article's text passes the filter.
    await upsertArticles(sqlOf(db), [newcomer]);
    indexArticles(db, [newcomer.id]);
    const afterImport = loadPrefilter(db);
    expect(afterImport.stored).toBe(false);
    expect(new Prefilter(afterImport.data).mayReprint(articleText(newcomer))).toBe(true);
    expect(loadPrefilter(db).stored).toBe(true);

    // Re-indexing unchanged articles changes nothing, so the stored filter stays.
    indexArticles(db);
    expect(loadPrefilter(db).stored).toBe(true);

    // An article deleted from the store leaves the index by cascade, and that counts too.
    db.prepare('DELETE FROM articles WHERE id = ?').run(newcomer.id);
    const afterDelete = loadPrefilter(db);
    expect(afterDelete.stored).toBe(false);
    expect(afterDelete.data.entries).toBe(first.data.entries);
    db.close();
  });

  it('shares its bits with worker threads when asked, with the same content', () => {
    const { db } = fixtureStore();
    loadPrefilter(db);
    const shared = loadPrefilter(db, { shared: true });
    expect(shared.stored).toBe(true);
    expect(shared.data.bits.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(holdsEveryFingerprint(db, new Prefilter(shared.data))).toBe(true);
    // The fixture articles' own text passes; their filter is not all ones.
    const filter = new Prefilter(shared.data);
    expect(fixtureArticles().every((article) => filter.mayReprint(articleText(article)))).toBe(true);
    expect(filter.mayReprint(articleText(newcomer))).toBe(false);
    db.close();
  });
});
