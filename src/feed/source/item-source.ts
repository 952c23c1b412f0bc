import type { Article } from '../../store/article.ts';
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
  /** The article's HTML as feeds may carry it. */
  body: string;
}

/** The source of an article's items; `withBody: false` leaves the body out (a summary-only item needs none). */
export function itemSource(article: Article, withBody = true): ItemSource {
  const { html, summary, aliases: _aliases, ...rest } = article;
  return {
    ...rest,
    summary: summary?.trim() || excerpt(html),
    body: withBody ? cleanHtml(html, article.url) : '',
  };
}
