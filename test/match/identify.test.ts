import { beforeEach, expect, it } from 'vitest';
import { key } from '../../src/match/fingerprint.ts';
import {
  articlePrints,
  articleText,
  indexArticles,
  staleArticleIds,
  unpackFingerprints,
} from '../../src/match/fingerprint-index.ts';
import { type Identified, identify, PageFingerprints } from '../../src/match/identify.ts';
import { parsePage } from '../../src/match/page.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { toArticle } from '../../src/store/article.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines } from '../helpers/engines.ts';
import { fixtureArticles } from '../helpers/fixture-store.ts';
import { orphanPostings, storeArticles } from './_articles.ts';

const articles = new Map(fixtureArticles().map((article) => [article.id, article]));
const text = (id: string) => articleText(articles.get(id)!);
const paragraphs = (id: string) => text(id).split('\n');

function pageOf(html: string): PageFingerprints {
  const page = parsePage(
    `<html><body><article><div class="entry-content">${html}</div></article></body></html>`,
    'https://x.example/',
  );
  return new PageFingerprints(tokenise(page.text));
}

/**
 * Coverage worked out without the store: the share of the article's winnowed fingerprints among
 * the page's shingles. Whatever the engine, identification must give exactly this.
 */
function coverageInMemory(found: Identified, page: PageFingerprints): number {
  const prints = unpackFingerprints(articlePrints(articles.get(found.article.id)!).blob);
  let present = 0;
  for (let i = 0; i < prints.high.length; i++)
    if (page.keys.has(key(prints.high[i]!, prints.low[i]!))) present++;
  return present / prints.high.length;
}

async function identifyHtml(sql: Sql, html: string) {
  const page = pageOf(html);
  const found = await identify(sql, page);
  for (const match of found) expect(match.coverage).toBe(coverageInMemory(match, page));
  return found;
}

const wrap = (lines: string[]) => lines.map((line) => `<p>${line}</p>`).join('');

describeEngines('identification', (engine) => {
  let sql: Sql;
  beforeEach(async () => {
    sql = await engine.open();
    await storeArticles(sql, [...articles.values()]);
    await indexArticles(sql);
  });

  it('picks the right one of two reports of the same event by different authors', async () => {
    // Both articles quote the same council statement; the page reprints the second report.
    const found = await identifyHtml(sql, wrap(paragraphs('ledger-77')));
    expect(found.map((match) => match.article.id)).toEqual(['ledger-77']);
    expect(found[0]!.coverage).toBe(1);
    expect((await identifyHtml(sql, wrap(paragraphs('nw-481')))).map((match) => match.article.id)).toEqual([
      'nw-481',
    ]);
  });

  it('tells an article from its updated version, both ways', async () => {
    expect((await identifyHtml(sql, wrap(paragraphs('nw-390')))).map((match) => match.article.id)).toEqual([
      'nw-390',
    ]);
    expect(
      (await identifyHtml(sql, wrap(paragraphs('nw-390-update')))).map((match) => match.article.id),
    ).toEqual(['nw-390-update']);
  });

  it('finds every article of a digest, with passages as evidence', async () => {
    const found = await identifyHtml(
      sql,
      wrap([...paragraphs('nw-455').slice(0, 3), 'And now something else.', ...paragraphs('nw-470')]),
    );
    expect(found.map((match) => match.article.id).sort()).toEqual(['nw-455', 'nw-470']);
    const bees = found.find((match) => match.article.id === 'nw-455')!;
    expect(bees.coverage).toBeGreaterThan(0.4);
    expect(bees.coverage).toBeLessThan(0.8);
    expect(bees.passages[0]!.page).toContain('Beekeepers in the orchard towns');
    expect(bees.passages[0]!.article).toContain('Beekeepers in the orchard towns');
  });

  it('finds an excerpt of the first sentences and scores its coverage', async () => {
    const found = await identifyHtml(sql, wrap(paragraphs('nw-481').slice(0, 2)));
    expect(found.map((match) => match.article.id)).toEqual(['nw-481']);
    expect(found[0]!.coverage).toBeLessThan(0.35);
  });

  it('does not count a page that quotes two sentences as a reprint', async () => {
    const own =
      'I have read a great many reports about the war this month, and most of them say the same things in the same tired words. One of them stood out, because it said plainly what the diplomats will not.';
    const quoted = paragraphs('nw-481')[2]!; // two sentences
    expect(await identifyHtml(sql, wrap([own, quoted, own]))).toEqual([]);
  });

  it('reports nothing for an unrelated page', async () => {
    expect(
      await identifyHtml(
        sql,
        wrap([
          'The council met on Tuesday to discuss the new cycle lanes along the river, and the siege of traffic on the bridge.',
          'Residents said the bakery on the corner had never been busier, and that the water in the fountain was finally clean.',
        ]),
      ),
    ).toEqual([]);
  });

  it('re-indexes an updated article and forgets its old text', async () => {
    const original = articles.get('nw-470')!;
    await storeArticles(sql, [
      toArticle({
        ...original,
        html: '<p>The library closed for the summer and the volunteers went fishing, every one of them, on the same boat. Nobody could say who had the keys. The town council has not met since then. Books are piling up at the door.</p>',
        authors: ['Sara Lind'],
      }),
    ]);
    expect(await staleArticleIds(sql)).toEqual(['nw-470']);
    expect(await indexArticles(sql, ['nw-470'])).toEqual({ indexed: 1, unchanged: 0, removed: 0 });
    expect(await staleArticleIds(sql)).toEqual([]);
    expect(await identifyHtml(sql, wrap(paragraphs('nw-470')))).toEqual([]);
    expect((await indexArticles(sql, ['nw-470'])).unchanged).toBe(1);
    await sql.run('DELETE FROM articles WHERE id = ?', ['nw-455']);
    expect(await indexArticles(sql)).toMatchObject({ indexed: 0, removed: 0 });
    expect(await identifyHtml(sql, wrap(paragraphs('nw-455')))).toEqual([]);
    expect(await orphanPostings(sql)).toBe(0);
  });
});
