import { Feed, type Item } from 'feed';
import { Tokens } from './_tokens.ts';
import type { FeedDocument, FeedItem } from './model.ts';
import { feedUri, xmlAttribute } from './text.ts';

/**
 * Atom 1.0: `xml:lang` on the feed, an author on every entry, `rights` per entry, categories with
 * term, scheme (a URI) and label, self and alternate links. Titles are plain text, so they are
 * written as text constructs, not declared as HTML as `feed` does.
 */
export function renderAtom(document: FeedDocument): string {
  const tokens = new Tokens();
  const self = document.self.atom;
  const feed = new Feed({
    id: tokens.url(document.atomId),
    title: tokens.text(document.title),
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
    feed.addItem(atomEntry(item, updated[index]!, tokens));
  const xml = feed
    .atom1()
    .replace(
      '<feed xmlns="http://www.w3.org/2005/Atom">',
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${xmlAttribute(document.language)}">`,
    )
    .replaceAll('<title type="html">', '<title type="text">');
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

function atomEntry(item: FeedItem, updated: Date, tokens: Tokens): Item {
  const entry: Item = {
    id: tokens.url(item.atomId),
    title: tokens.text(item.title),
    link: tokens.url(feedUri(item.url, 'iri'), 'attribute'),
    date: updated,
    published: new Date(item.published),
    description: tokens.text(item.summaryHtml),
    author: item.authors.map((author) => ({
      name: tokens.text(author.name),
      ...(author.email ? { email: tokens.text(author.email) } : {}),
      ...(author.url ? { link: tokens.url(feedUri(author.url, 'iri')) } : {}),
    })),
    category: item.categories.map((category) => ({
      term: tokens.text(category.term, 'attribute'),
      name: tokens.text(category.label ?? category.term, 'attribute'),
      ...(category.schemeUri ? { scheme: tokens.url(category.schemeUri, 'attribute') } : {}),
    })),
    copyright: tokens.text(item.rights),
  };
  if (item.full) entry.content = tokens.text(item.contentHtml);
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
