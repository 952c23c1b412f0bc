import type { Article } from '../../store/article.ts';
import { validUnicode } from '../../text/xml.ts';
import { cleanHtml, excerpt } from './clean.ts';

/**
 * What feed items are made from: an article's record with its HTML cleaned (`clean.ts`) and its
 * summary text made (the article's own, else an excerpt of its body). Cleaning with a real HTML
 * parser costs as much as rendering the item in every format, and both depend on the article
 * alone, so a source is made once per article version (at import, or by the first build that
 * needs it) and kept in the store (`item-sources.ts`), where every build reads it instead of the
 * record. Everything in this folder is what a stored source is a function of: a change to it
 * makes every stored source stale.
 */
export interface ItemSource extends Omit<Article, 'html' | 'summary' | 'aliases'> {
  /** The article's summary, trimmed, else an excerpt of its body ('' for an empty body). */
  summary: string;
  /** The article's HTML as feeds may carry it, valid Unicode (`validUnicode`). */
  body: string;
}

/** The source of an article's items; `withBody: false` leaves the body out (a summary-only item needs none). */
export function itemSource(article: Article, withBody = true): ItemSource {
  const { html, summary, aliases: _aliases, ...rest } = article;
  return {
    ...rest,
    summary: summary?.trim() || excerpt(html),
    // Character references can put what valid text may not hold back into the cleaned HTML.
    body: withBody ? validUnicode(cleanHtml(html, article.url)) : '',
  };
}
