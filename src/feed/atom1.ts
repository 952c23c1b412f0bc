import { Feed, type Item } from 'feed';
import { Tokens } from './_tokens.ts';
import type { FeedDocument, FeedItem } from './model.ts';
import { escapeHtml, feedText, feedUri, MARKUP_LIKE, xmlAttribute, xmlHtml, xmlSafe } from './text.ts';

/**
 * Atom 1.0: `xml:lang` on the feed, an author on every entry, `rights` per entry, categories with
 * term, scheme (a URI) and label, self and alternate links. Titles are plain text, written as text
 * constructs; a title that holds markup-like text (`</b>`, `&amp;`) or U+FFFD is declared `html` and
 * written HTML-escaped instead, so that validators and readers read the same text.
 */

const END_TAG = /<\/\w+\s*>/;

/** A title: a text construct, or an html one holding the escaped text when text would be misread. */
function titleToken(title: string, tokens: Tokens, htmlTitles: Set<string>): string {
  const text = feedText(title);
  if (!MARKUP_LIKE.test(text)) return tokens.text(title);
  const token = tokens.text(xmlHtml(escapeHtml(text)), 'text', true);
  htmlTitles.add(token);
  return token;
}
export function renderAtom(document: FeedDocument): string {
  const tokens = new Tokens();
  const htmlTitles = new Set<string>();
  const self = document.self.atom;
  const feed = new Feed({
    id: tokens.url(document.atomId),
    title: titleToken(document.title, tokens, htmlTitles),
    updated: new Date(document.updated),
    generator: 'syndicate',
    link: tokens.url(document.home, 'attribute'),
    author: { name: tokens.text(document.publisher.name), link: tokens.url(document.publisher.home) },
    copyright: tokens.text(document.copyright),
    ...(document.description ? { description: tokens.text(document.description) } : {}),
    ...(document.publisher.logo ? { image: tokens.url(document.publisher.logo) } : {}),
    ...(document.publisher.icon ? { favicon: tokens.url(document.publisher.icon) } : {}),
    ...(self ? { feedLinks: { atom: tokens.url(self, 'attribute') } } : {}),
  });
  const updated = distinctUpdated(document.items);
  for (const [index, item] of document.items.entries())
    feed.addItem(atomEntry(item, updated[index]!, tokens, htmlTitles));
  const xml = feed
    .atom1()
    .replace(
      '<feed xmlns="http://www.w3.org/2005/Atom">',
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${xmlAttribute(document.language)}">`,
    )
    .replace(
      /<title(?: type="html")?>((?:<!\[CDATA\[)?(@@\d+@@))/g,
      (_whole, value: string, token: string) =>
        htmlTitles.has(token) ? `<title type="html">${value}` : `<title type="text">${value}`,
    );
  return `${tokens.fill(entryLanguages(xml, document))}\n`;
}

/** `xml:lang` on the entries whose article is in another language than the feed. */
function entryLanguages(xml: string, document: FeedDocument): string {
  let index = 0;
  return xml.replaceAll('<entry>', () => {
    const language = document.items[index++]?.language;
    return language && language.toLowerCase() !== document.language.toLowerCase()
      ? `<entry xml:lang="${xmlAttribute(language)}">`
      : '<entry>';
  });
}

function atomEntry(item: FeedItem, updated: Date, tokens: Tokens, htmlTitles: Set<string>): Item {
  const entry: Item = {
    id: tokens.url(item.atomId),
    title: titleToken(item.title, tokens, htmlTitles),
    link: tokens.url(feedUri(item.url, 'iri'), 'attribute'),
    date: updated,
    published: new Date(item.published),
    description: tokens.text(xmlHtml(item.summaryHtml), 'text', true),
    author: item.authors.map((author) => ({
      name: tokens.text(author.name),
      ...(author.email ? { email: tokens.text(author.email) } : {}),
      ...(author.url ? { link: tokens.url(feedUri(author.url, 'iri')) } : {}),
    })),
    category: item.categories.map((category) => ({
      term: tokens.text(category.term, 'attribute'),
      // A label is for people and cannot be declared HTML: one holding an end tag (which readers
      // and the validator take for markup) is left out, and readers show the term, which is exact.
      ...(END_TAG.test(xmlSafe(category.label ?? category.term))
        ? {}
        : { name: tokens.text(category.label ?? category.term, 'attribute') }),
      ...(category.schemeUri ? { scheme: tokens.url(category.schemeUri, 'attribute') } : {}),
    })),
    copyright: tokens.text(item.rights),
  };
  if (item.full) entry.content = tokens.text(xmlHtml(item.contentHtml), 'text', true);
  return entry;
}

/**
 * Atom readers (and the W3C validator) take two entries with the same `updated` as a feed that
 * stamps every entry alike. Entries whose dates tie (articles dated by the day) are told apart by
 * whole seconds added, so that the day and the order of the feed stay as they were.
 */
function distinctUpdated(items: readonly FeedItem[]): Date[] {
  const taken = new Set<number>();
  return items.map((item) => {
    let time = Date.parse(item.updated);
    while (taken.has(time)) time += 1000;
    taken.add(time);
    return new Date(time);
  });
}
