import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { matchOptions } from '../../src/check/check-snapshot.ts';
import { loadTerms } from '../../src/check/terms.ts';
import type { ArchiveInput } from '../../src/discover/archive.ts';
import type { Discovery } from '../../src/discover/judge.ts';
import { buildPrefilter, loadPrefilter, Prefilter } from '../../src/discover/prefilter.ts';
import { runFile } from '../../src/discover/run-file.ts';
import { articleText, indexArticles, unpackFingerprints } from '../../src/match/fingerprint-index.ts';
import { toArticle } from '../../src/store/article.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines } from '../helpers/engines.ts';
import { FIXTURES, fixtureArticles } from '../helpers/fixture-store.ts';
import { storeArticles } from '../match/_articles.ts';
import { buildArchive } from './_archives.ts';

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
async function holdsEveryFingerprint(sql: Sql, prefilter: Prefilter): Promise<boolean> {
  const rows = await sql.all<{ fingerprints: Uint8Array }>('SELECT fingerprints FROM fingerprinted_articles');
  return rows.every(({ fingerprints }) => {
    const prints = unpackFingerprints(fingerprints);
    return Array.from(prints.high).every((high, i) => prefilter.has(high, prints.low[i]!));
  });
}

describeEngines('the stored prefilter', (engine) => {
  let sql: Sql;
  beforeEach(async () => {
    sql = await engine.open();
    await storeArticles(sql, fixtureArticles());
    await indexArticles(sql);
  });

  it('is built once, then read back until the index changes', async () => {
    const first = await loadPrefilter(sql);
    expect(first.stored).toBe(false);
    const again = await loadPrefilter(sql);
    expect(again.stored).toBe(true);
    expect(again.data.entries).toBe(first.data.entries);
    expect(Buffer.from(again.data.bits.buffer)).toEqual(Buffer.from((await buildPrefilter(sql)).bits.buffer));
    expect(await holdsEveryFingerprint(sql, new Prefilter(again.data))).toBe(true);

    // An import that changes the index makes it stale: the new article's text passes the filter.
    await storeArticles(sql, [newcomer]);
    await indexArticles(sql, [newcomer.id]);
    const afterImport = await loadPrefilter(sql);
    expect(afterImport.stored).toBe(false);
    expect(new Prefilter(afterImport.data).mayReprint(articleText(newcomer))).toBe(true);
    expect((await loadPrefilter(sql)).stored).toBe(true);

    // Re-indexing unchanged articles changes nothing, so the stored filter stays.
    await indexArticles(sql);
    expect((await loadPrefilter(sql)).stored).toBe(true);

    // An article deleted from the store leaves the index by cascade, and that counts too.
    await sql.run('DELETE FROM articles WHERE id = ?', [newcomer.id]);
    const afterDelete = await loadPrefilter(sql);
    expect(afterDelete.stored).toBe(false);
    expect(afterDelete.data.entries).toBe(first.data.entries);
  });

  it('shares its bits with worker threads when asked, with the same content', async () => {
    await loadPrefilter(sql);
    const shared = await loadPrefilter(sql, { shared: true });
    expect(shared.stored).toBe(true);
    expect(shared.data.bits.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(await holdsEveryFingerprint(sql, new Prefilter(shared.data))).toBe(true);
    // The fixture articles' own text passes; their filter is not all ones.
    const filter = new Prefilter(shared.data);
    expect(fixtureArticles().every((article) => filter.mayReprint(articleText(article)))).toBe(true);
    expect(filter.mayReprint(articleText(newcomer))).toBe(false);
  });

  it('sends only the hits the index confirms to a full check: a filter that holds everything lets no unrelated page through', async () => {
    const { data } = await loadPrefilter(sql);
    // Every bit set: every fingerprint of every page is a hit, as a few are on any long page.
    const terms = loadTerms(join(import.meta.dirname, '..', '..', 'rules'));
    const everything = new Prefilter(
      { bits: new Uint32Array(data.bits.length).fill(0xffffffff), entries: 0 },
      matchOptions(terms),
    );
    const page = (file: string) => readFileSync(join(FIXTURES, 'pages', file), 'utf8');
    const { bytes } = await buildArchive([
      { type: 'response', url: 'https://peaceblog.example/vessa', body: page('wordpress-credit.html') },
      { type: 'response', url: 'https://elsewhere.example/bread', body: page('unrelated.html') },
      {
        type: 'response',
        url: 'https://newcomer.example/',
        body: `<html><body>${newcomer.html}</body></html>`,
      },
      { type: 'conversion', url: 'https://newcomer.example/text', body: articleText(newcomer) },
    ]);
    const archive: ArchiveInput = {
      name: 'confirm.warc.gz',
      size: async () => bytes.length,
      async *read(start, end) {
        yield bytes.subarray(start, end);
      },
    };
    const found: Discovery[] = [];
    const counts = await runFile(
      archive,
      { sql, terms, sites: [], prefilter: everything, minCoverage: 0 },
      { onProgress: (step) => void found.push(...step.discoveries) },
    );
    expect(everything.mayReprint(articleText(newcomer))).toBe(true);
    expect(counts.pages).toBe(4);
    expect(counts.candidates).toBe(1);
    expect(found.map((item) => item.pageUrl)).toEqual(['https://peaceblog.example/vessa']);
    // The filter as built passes the same page, and finds the same.
    const built = new Prefilter(data, matchOptions(terms));
    const again = await runFile(
      archive,
      { sql, terms, sites: [], prefilter: built, minCoverage: 0 },
      { onProgress: () => {} },
    );
    expect(again).toEqual(counts);
  });

  it('reads the index in pages: a store of more articles than one page holds is filtered whole', async () => {
    const many = Array.from({ length: 5200 }, (_, i) =>
      toArticle({
        id: `bulk-${i}`,
        url: `https://northwind.example/bulk/${i}`,
        title: `Bulk ${i}`,
        published: '2026-02-01',
        html: `<p>${Array.from({ length: 30 }, (_, w) => `b${(i * 31 + w * 7) % 4099}y${w % 13}`).join(' ')}.</p>`,
      }),
    );
    await storeArticles(sql, many);
    await indexArticles(sql);
    const { data } = await loadPrefilter(sql);
    const total = await sql.get<{ n: number }>(
      'SELECT sum(length(fingerprints)) / 12 AS n FROM fingerprinted_articles',
    );
    expect(data.entries).toBe(total?.n);
    expect(await holdsEveryFingerprint(sql, new Prefilter(data))).toBe(true);
  }, 60_000);
});
