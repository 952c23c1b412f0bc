import { readFileSync } from 'node:fs';

/**
 * The fixture articles and pages that reprint them, credited in different ways. No test runner
 * here (unlike _republisher.ts, which re-exports them): the benchmark network serves these pages
 * from a process of its own.
 */

export interface FixtureArticle {
  id: string;
  url: string;
  title: string;
  authors: string[];
  published: string;
  html: string;
}

/** The fixture articles the store is filled with, as the JSONL file has them. */
export const articles: Record<string, FixtureArticle> = Object.fromEntries(
  readFileSync(new URL('../fixtures/articles.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as FixtureArticle)
    .map((article) => [article.id, article]),
);

export type Credit = 'proper' | 'home-only' | 'no-copyright';

/**
 * A page that reprints an article in full. `proper` credits the publisher with a link to the
 * original and a copyright line; `home-only` links to the publisher's home page instead.
 */
export function reprint(article: FixtureArticle, credit: Credit, extra = ''): string {
  const link = credit === 'home-only' ? 'https://northwind.example/' : article.url;
  const year = article.published.slice(0, 4);
  const copyright =
    credit === 'no-copyright'
      ? ''
      : `<p class="copyright">Copyright © ${year} ${article.authors.join(', ')}, Northwind Review</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${article.title}</title></head>
<body><header><a href="/">A community site</a></header>
<main><article><h1>${article.title}</h1>${article.html}${extra}
<p class="credit">This article was originally published by <a href="${link}">Northwind Review</a>.</p>
${copyright}</article></main>
<footer>Run by volunteers.</footer></body></html>`;
}
