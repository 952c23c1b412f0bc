import { Feed, type Item } from 'feed';
import { headerLinks, insertIntoHeader, Tokens } from './_tokens.ts';
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
  const withHeader = insertIntoHeader(
    extraNamespaces(entryLanguages(xml, document), document),
    '<entry',
    '</feed>',
    atomHeader(document),
  );
  return `${tokens.fill(withEnclosures(withHeader, document))}\n`;
}

const HISTORY_NAMESPACE = ' xmlns:fh="http://purl.org/syndication/history/1.0"';
const TOMBSTONE_NAMESPACE = ' xmlns:at="http://purl.org/atompub/tombstones/1.0"';

function extraNamespaces(xml: string, document: FeedDocument): string {
  let extra = '';
  if (document.archive?.isArchive) extra += HISTORY_NAMESPACE;
  if (document.tombstones.length > 0) extra += TOMBSTONE_NAMESPACE;
  return extra ? xml.replace('<feed xmlns="http://www.w3.org/2005/Atom"', `$&${extra}`) : xml;
}

/** Hub and RFC 5005 links, the archive marker, and RFC 6721 tombstones of removed entries. */
function atomHeader(document: FeedDocument): string {
  const type = 'application/atom+xml';
  const { archive } = document;
  let header = headerLinks('link', '    ', [
    ...document.hubs.map((hub) => ({ rel: 'hub', href: hub })),
    { rel: 'current', href: archive?.isArchive ? archive.current?.atom : undefined, type },
    { rel: 'prev-archive', href: archive?.prev?.atom, type },
    { rel: 'next-archive', href: archive?.next?.atom, type },
  ]);
  if (archive?.isArchive) header += '    <fh:archive/>\n';
  for (const tombstone of document.tombstones) {
    header +=
      `    <at:deleted-entry ref="${xmlAttribute(tombstone.ref)}" when="${xmlAttribute(tombstone.when)}">` +
      `<link href="${xmlAttribute(feedUri(tombstone.url, 'iri'))}"/></at:deleted-entry>\n`;
  }
  return header;
}

/** An enclosure link for each entry's image, after the entry's own link. */
function withEnclosures(xml: string, document: FeedDocument): string {
  if (!document.items.some((item) => item.image)) return xml;
  let index = 0;
  return xml.replace(/<entry\b[^>]*>[\s\S]*?<\/entry>/g, (entry) => {
    const image = document.items[index++]?.image;
    if (!image) return entry;
    const type = image.type ? ` type="${image.type}"` : '';
    const link = `<link rel="enclosure" href="${xmlAttribute(feedUri(image.url, 'iri'))}"${type}/>`;
    return entry.replace('</title>', `</title>\n        ${link}`);
  });
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
