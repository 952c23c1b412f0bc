import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importSources } from '../../src/ingest/import.ts';
import type { Article } from '../../src/store/article.ts';
import { allArticles, freshStore } from './_store.ts';

const folder = fileURLToPath(new URL('../../examples/articles', import.meta.url));

function words(html: string): number {
  return html
    .replace(/<[^>]+>/g, ' ')
    .split(/\s+/)
    .filter(Boolean).length;
}

/** Reserved names only (RFC 2606 / RFC 6761): the example content must not point at real sites. */
function reserved(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'example.org' || host === 'example.com' || host.endsWith('.example');
}

describe('the example articles', () => {
  it('import cleanly, and a second import changes nothing', async () => {
    const { db } = await freshStore();
    const first = await importSources(db, [folder]);
    expect(first.files.filter((file) => file.error).map((file) => file.error?.toString())).toEqual([]);
    expect(first.inserted).toBeGreaterThanOrEqual(20);
    expect(first.inserted).toBeLessThanOrEqual(30);
    const second = await importSources(db, [folder]);
    expect(second).toMatchObject({ inserted: 0, updated: 0, unchanged: first.inserted, failed: 0 });
    await db.close();
  });

  it('hold what the demo, the feeds and the matcher rely on', async () => {
    const { db } = await freshStore();
    await importSources(db, [folder]);
    const articles: Article[] = await allArticles(db);
    for (const article of articles) {
      expect(words(article.html), article.url).toBeGreaterThanOrEqual(350);
      expect(words(article.html), article.url).toBeLessThanOrEqual(600);
      expect(article.summary, article.url).toBeTruthy();
      expect(article.url.startsWith('https://northwind.example/')).toBe(true);
      const links = [
        article.url,
        ...article.aliases,
        article.image,
        ...article.authors.map((author) => author.url),
      ];
      for (const href of article.html.matchAll(/href="([^"]+)"/g)) links.push(href[1]);
      for (const link of links.filter((value): value is string => value !== undefined))
        expect(reserved(link), link).toBe(true);
    }
    const byAuthor = (name: string) =>
      articles.filter((article) => article.authors.some((a) => a.name === name));
    const byTheme = (term: string) =>
      articles.filter((article) => article.categories.some((c) => c.scheme === 'Theme' && c.term === term));
    expect(byAuthor('Ana Lima').length).toBeGreaterThanOrEqual(3);
    expect(byTheme('Water Security').length).toBeGreaterThanOrEqual(5);
    const schemes = new Set(articles.flatMap((article) => article.categories.map((c) => c.scheme)));
    expect([...schemes].sort()).toEqual(['In-depth Report', 'Region', 'Theme']);
    const languages = new Set(articles.map((article) => article.language));
    expect(languages).toEqual(new Set(['en', 'es', 'fr']));
    expect(articles.some((article) => article.authors.some((a) => a.url && a.email))).toBe(true);
    expect(articles.filter((article) => article.authors.length > 1).length).toBeGreaterThanOrEqual(3);
    expect(articles.some((article) => /[\u0600-\u06FF]/.test(article.html))).toBe(true);
    expect(articles.some((article) => /[\u0370-\u03FF]/.test(article.html))).toBe(true);
    expect(articles.filter((article) => article.aliases.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(articles.filter((article) => article.rights).length).toBeGreaterThanOrEqual(3);
    expect(articles.filter((article) => article.image).length).toBeGreaterThanOrEqual(3);
    const years = new Set(articles.map((article) => article.published.slice(0, 4)));
    expect(years).toEqual(new Set(['2025', '2026']));
    // The deliberate near-duplicates: an article and its updated copy under another id and URL.
    const updated = articles.find((article) => article.updated && article.url.includes('updated'));
    expect(updated).toBeDefined();
    const original = articles.find(
      (article) => article.id !== updated!.id && article.published === updated!.published,
    );
    expect(original?.url).not.toBe(updated?.url);
    await db.close();
  });
});
