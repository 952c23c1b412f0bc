import { describe, expect, it } from 'vitest';
import { articleText, indexArticles, staleArticleIds } from '../../src/match/fingerprint-index.ts';
import { identify, PageFingerprints } from '../../src/match/identify.ts';
import { parsePage } from '../../src/match/page.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { fixtureArticles, fixtureStore } from '../helpers/fixture-store.ts';
import { sqlOf } from '../helpers/sql-of.ts';

const articles = new Map(fixtureArticles().map((article) => [article.id, article]));
const text = (id: string) => articleText(articles.get(id)!);
const paragraphs = (id: string) => text(id).split('\n');

function identifyHtml(db: Parameters<typeof identify>[0], html: string) {
  const page = parsePage(
    `<html><body><article><div class="entry-content">${html}</div></article></body></html>`,
    'https://x.example/',
  );
  return identify(db, new PageFingerprints(tokenise(page.text)));
}

const wrap = (lines: string[]) => lines.map((line) => `<p>${line}</p>`).join('');

describe('identification', () => {
  it('picks the right one of two reports of the same event by different authors', () => {
    const { db } = fixtureStore();
    // Both articles quote the same council statement; the page reprints the second report.
    const found = identifyHtml(db, wrap(paragraphs('ledger-77')));
    expect(found.map((match) => match.article.id)).toEqual(['ledger-77']);
    expect(found[0]!.coverage).toBe(1);
    expect(identifyHtml(db, wrap(paragraphs('nw-481'))).map((match) => match.article.id)).toEqual(['nw-481']);
  });

  it('tells an article from its updated version, both ways', () => {
    const { db } = fixtureStore();
    expect(identifyHtml(db, wrap(paragraphs('nw-390'))).map((match) => match.article.id)).toEqual(['nw-390']);
    expect(identifyHtml(db, wrap(paragraphs('nw-390-update'))).map((match) => match.article.id)).toEqual([
      'nw-390-update',
    ]);
  });

  it('finds every article of a digest, with passages as evidence', () => {
    const { db } = fixtureStore();
    const found = identifyHtml(
      db,
      wrap([...paragraphs('nw-455').slice(0, 3), 'And now something else.', ...paragraphs('nw-470')]),
    );
    expect(found.map((match) => match.article.id).sort()).toEqual(['nw-455', 'nw-470']);
    const bees = found.find((match) => match.article.id === 'nw-455')!;
    expect(bees.coverage).toBeGreaterThan(0.4);
    expect(bees.coverage).toBeLessThan(0.8);
    expect(bees.passages[0]!.page).toContain('Beekeepers in the orchard towns');
    expect(bees.passages[0]!.article).toContain('Beekeepers in the orchard towns');
  });

  it('finds an excerpt of the first sentences and scores its coverage', () => {
    const { db } = fixtureStore();
    const found = identifyHtml(db, wrap(paragraphs('nw-481').slice(0, 2)));
    expect(found.map((match) => match.article.id)).toEqual(['nw-481']);
    expect(found[0]!.coverage).toBeLessThan(0.35);
  });

  it('does not count a page that quotes two sentences as a reprint', () => {
    const { db } = fixtureStore();
    const own =
      'I have read a great many reports about the war this month, and most of them say the same things in the same tired words. One of them stood out, because it said plainly what the diplomats will not.';
    const quoted = paragraphs('nw-481')[2]!; // two sentences
    expect(identifyHtml(db, wrap([own, quoted, own]))).toEqual([]);
  });

  it('reports nothing for an unrelated page', () => {
    const { db } = fixtureStore();
    expect(
      identifyHtml(
        db,
        wrap([
          'The council met on Tuesday to discuss the new cycle lanes along the river, and the siege of traffic on the bridge.',
          'Residents said the bakery on the corner had never been busier, and that the water in the fountain was finally clean.',
        ]),
      ),
    ).toEqual([]);
  });

  it('re-indexes an updated article and forgets its old text', async () => {
    const { db } = fixtureStore();
    const original = articles.get('nw-470')!;
    await upsertArticles(sqlOf(db), [
      toArticle({
        ...original,
        html: '<p>The library closed for the summer and the volunteers went fishing, every one of them, on the same boat. Nobody could say who had the keys. The town council has not met since then. Books are piling up at the door.</p>',
        authors: ['Sara Lind'],
      }),
    ]);
    expect(staleArticleIds(db)).toEqual(['nw-470']);
    expect(indexArticles(db, ['nw-470'])).toEqual({ indexed: 1, unchanged: 0, removed: 0 });
    expect(staleArticleIds(db)).toEqual([]);
    expect(identifyHtml(db, wrap(paragraphs('nw-470')))).toEqual([]);
    expect(indexArticles(db, ['nw-470']).unchanged).toBe(1);
    db.prepare('DELETE FROM articles WHERE id = ?').run('nw-455');
    indexArticles(db);
    expect(identifyHtml(db, wrap(paragraphs('nw-455')))).toEqual([]);
    const orphans = db
      .prepare(
        'SELECT count(*) AS n FROM fingerprints WHERE doc NOT IN (SELECT doc FROM fingerprinted_articles)',
      )
      .get() as { n: number };
    expect(orphans.n).toBe(0);
  });
});
