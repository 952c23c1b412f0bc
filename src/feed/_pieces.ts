import type { FeedItem } from './model.ts';

/**
 * The text of a feed document that belongs to one item: an RSS `<item>`, an Atom entry around its
 * `updated` element (which depends on the entry's neighbours, so it is left out), a JSON Feed item,
 * a browser view's `<article>`. Each is a function of the item and the document's language alone
 * (the Atom entry's tail and the JSON Feed item, of the item alone), so a build can render it once
 * and splice it into every document that carries the item, and a rebuild can take it from the
 * files the last build wrote (`fragments.ts`).
 */
export type PiecePart = 'rss' | 'atom-head' | 'atom-tail' | 'json' | 'view';

/**
 * Where a renderer writes a document, in order: text of the document's own, and item pieces. A
 * renderer never reads back what it wrote, so a sink may keep the document as it likes: as one
 * string (`renderText`), or as UTF-8 chunks whose pieces are shared with other documents and
 * with the files the last build wrote (`fragments.ts`).
 */
export interface DocumentSink {
  text(text: string): void;
  /**
   * The item's text for `part` in a document in `language` ('' for a part the document's language
   * does not change): `render()`, or the same text kept. `render` may give the text in parts,
   * which a sink may keep apart: an item's escaped HTML, a part of several of its pieces, is then
   * encoded once.
   */
  piece(item: FeedItem, part: PiecePart, language: string, render: () => string | readonly string[]): void;
}

/** A renderer: writes a document to a sink. */
export type DocumentWriter<D> = (document: D, sink: DocumentSink) => void;

/** The document as one string, every piece rendered afresh. */
export function renderText<D>(write: DocumentWriter<D>, document: D): string {
  let text = '';
  write(document, {
    text: (part) => {
      text += part;
    },
    piece: (_item, _part, _language, render) => {
      const rendered = render();
      text += typeof rendered === 'string' ? rendered : rendered.join('');
    },
  });
  return text;
}
