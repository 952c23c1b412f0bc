/**
 * Pages for the checker's tests: each reprints the fixture article `nw-481` in one of two themes,
 * with markup put in one place of it (in the text, after it, in the post's header, in the comments,
 * the sidebar or the site footer).
 */
import { checkSnapshot } from '../../src/check/check-snapshot.ts';
import type { PageResult } from '../../src/check/result.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { loadSites } from '../../src/config/sites.ts';
import type { PageSnapshot } from '../../src/crawl/snapshot.ts';
import { articleText } from '../../src/match/fingerprint-index.ts';
import { fixtureArticles, fixtureStore } from '../helpers/fixture-store.ts';

const river = fixtureArticles().find((article) => article.id === 'nw-481')!;
export const ORIGINAL = river.url;
export const PARAGRAPHS = articleText(river)
  .split('\n')
  .map((paragraph) => paragraph.replace(/&/g, '&amp;').replace(/</g, '&lt;'));

export interface Placement {
  /** `wordpress`: a theme with the usual class names; `bare`: one without any known name. */
  theme?: 'wordpress' | 'bare';
  /** Inside the text's container, after the last paragraph. */
  inText?: string;
  /** After the text's container, inside the post. */
  afterText?: string;
  /** Before the first paragraph, inside the text's container. */
  lead?: string;
  /** In the post's header, under the title. */
  header?: string;
  heading?: string;
  comments?: string;
  sidebar?: string;
  siteFooter?: string;
  url?: string;
  fetchedAt?: string;
  /** A whole page of another structure, made around the article's paragraphs (`<p>` each). */
  page?: (paragraphs: string[]) => string;
}

export function pageHtml(test: Placement): string {
  if (test.page) return test.page(PARAGRAPHS.map((paragraph) => `<p>${paragraph}</p>`));
  const body = PARAGRAPHS.map((paragraph) => `<p>${paragraph}</p>`).join('\n');
  const heading = test.heading ?? 'Siege of Lower Vessa';
  if (test.theme === 'bare') {
    const menu = ['Home', 'World', 'Valley', 'Opinion', 'About', 'Contact']
      .map((item) => `<a href="/${item.toLowerCase()}">${item}</a>`)
      .join(' ');
    return `<!doctype html><html><head><title>t</title></head><body>
<div><div><b>Peace Blog</b></div><div>${menu}</div></div>
<div><div>
<div><h1>${heading}</h1>${test.header ?? ''}</div>
<div>${test.lead ?? ''}${body}${test.inText ?? ''}</div>
${test.afterText ?? ''}
<section class="comments">${test.comments ?? ''}</section>
</div>
<div>${test.sidebar ?? ''}</div></div>
<footer>${test.siteFooter ?? '&copy; 2026 Peace Blog'}</footer></body></html>`;
  }
  return `<!doctype html><html><head><title>t</title></head><body>
<header class="site-header"><a href="/">Peace Blog</a><nav><a href="https://northwind.example/">Partners</a></nav></header>
<div id="content">
<article class="post hentry"><header class="entry-header"><h1 class="entry-title">${heading}</h1>${test.header ?? ''}</header>
<div class="entry-content">${test.lead ?? ''}${body}${test.inText ?? ''}</div>
${test.afterText ?? ''}
<div id="comments" class="comments-area">${test.comments ?? ''}</div></article>
<aside id="secondary" class="widget-area">${test.sidebar ?? ''}</aside></div>
<footer id="colophon" class="site-footer">${test.siteFooter ?? '&copy; 2026 Peace Blog'}</footer></body></html>`;
}

export function snapshotOf(test: Placement): PageSnapshot {
  const url = test.url ?? 'https://peaceblog.example/2026/03/vessa/';
  return {
    url,
    finalUrl: url,
    status: 200,
    headers: {},
    fetchedAt: test.fetchedAt ?? '2026-03-20T10:00:00.000Z',
    contentType: 'text/html',
    body: pageHtml(test),
    bodyHash: '',
  };
}

export async function checkCase(test: Placement): Promise<PageResult> {
  const { sql, rules } = await fixtureStore();
  const result = await checkSnapshot(sql, snapshotOf(test), {
    terms: loadTerms(rules),
    sites: loadSites(rules).sites,
  });
  await sql.close();
  return result;
}

/**
 * A page of a theme with no known class names whose text is cut in two wrappers, with `between`
 * (a menu, a promotion, a list of links) between them: the text's container holds most of it, and
 * its last paragraphs, with `after` behind them, come past the region between.
 */
export function splitText(between: string, after: string): (paragraphs: string[]) => string {
  return (paragraphs) => `<!doctype html><html><head><title>t</title></head><body>
<div><b>Peace Blog</b> <a href="/">Home</a> <a href="/w">World</a> <a href="/v">Valley</a> <a href="/o">Opinion</a> <a href="/a">About</a></div>
<div><div><h1>Siege of Lower Vessa</h1>
<div><div>${paragraphs.slice(0, -1).join('')}</div>${between}<div>${paragraphs.at(-1)}${after}</div></div>
</div><div><p>Popular this week</p></div></div>
<footer>&copy; 2026 Peace Blog</footer></body></html>`;
}

/** Regions a theme puts between the parts of a post's text. */
export const BETWEEN: Array<[string, string]> = [
  ['a menu', '<nav><a href="/next">Next story</a></nav>'],
  ['a promotion named like a sidebar', '<div class="sidebar-promo"><a href="/join">Join us</a></div>'],
  [
    'a list of links',
    `<ul>${['One', 'Two', 'Three', 'Four', 'Five'].map((name) => `<li><a href="/${name}">${name} more story</a></li>`).join('')}</ul>`,
  ],
];
