import type { FeedItem } from './model.ts';

/**
 * The text of a feed document that belongs to one item: an RSS `<item>`, an Atom entry around its
 * `updated` element (which depends on the entry's neighbours, so it is left out), a JSON Feed item,
 * a browser view's `<article>`. Each is a function of the item and the document's language alone,
 * so a build can render it once and splice it into every document that carries the item, and a
 * rebuild can take it from the files the last build wrote (`fragments.ts`).
 */
export type PiecePart = 'rss' | 'atom-head' | 'atom-tail' | 'json' | 'view';

export interface ItemPieces {
  /**
   * The item's text for `part` in a document in `language`: `render()`, or the same text kept.
   * `at` is where the text starts in the document (in UTF-16 code units): the renderer knows it
   * without reading the document, which is a rope of pieces until it is written.
   */
  piece(item: FeedItem, part: PiecePart, language: string, render: () => string, at: number): string;
}

/** Every piece rendered afresh. */
export const RENDER_PIECES: ItemPieces = { piece: (_item, _part, _language, render) => render() };
