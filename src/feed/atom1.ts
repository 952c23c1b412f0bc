import { escapeHtml } from '../text/html.ts';
import { validUnicode, xmlAttribute, xmlSafe, xmlText } from '../text/xml.ts';
import { type DocumentSink, renderText } from './_pieces.ts';
import { headerLinks } from './_tokens.ts';
import type { FeedDocument, FeedItem } from './model.ts';
import { feedUri, itemXmlHtml, MARKUP_LIKE, xmlHtml } from './text.ts';

/**
 * Atom 1.0: `xml:lang` on the feed, an author on every entry, `rights` per entry, categories with
 * term, scheme (a URI) and label, self and alternate links. Titles are plain text, written as text
 * constructs; a title that holds markup-like text (`</b>`, `&amp;`, see MARKUP_LIKE) or U+FFFD is
 * declared `html` and written HTML-escaped instead, so that validators and readers read the same
 * text. Hub and RFC 5005 archive links, RFC 6721
 * tombstones for entries that left the store, and an enclosure link for an entry's image.
 *
 * Written directly in the layout `feed` gives, for the reason given in `rss2.ts`: speed.
 */

const HISTORY_NAMESPACE = ' xmlns:fh="http://purl.org/syndication/history/1.0"';
const TOMBSTONE_NAMESPACE = ' xmlns:at="http://purl.org/atompub/tombstones/1.0"';

const END_TAG = /<\/\w+\s*>/;

/** A title element: a text construct, or an html one holding the escaped text when text would be misread. */
function title(indent: string, text: string): string {
  const carried = validUnicode(text);
  if (!MARKUP_LIKE.test(carried)) return `${indent}<title type="text">${xmlText(text)}</title>\n`;
  return `${indent}<title type="html">${xmlHtml(escapeHtml(carried))}</title>\n`;
}

const element = (indent: string, name: string, text: string) => `${indent}<${name}>${text}</${name}>\n`;

export function renderAtom(document: FeedDocument): string {
  return renderText(writeAtom, document);
}

export function writeAtom(document: FeedDocument, sink: DocumentSink): void {
  let namespaces = '';
  if (document.archive?.isArchive) namespaces += HISTORY_NAMESPACE;
  if (document.tombstones.length > 0) namespaces += TOMBSTONE_NAMESPACE;
  const indent = '    ';
  let xml =
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<feed xmlns="http://www.w3.org/2005/Atom"${namespaces} xml:lang="${xmlAttribute(document.language)}">\n`;
  xml += element(indent, 'id', xmlText(document.atomId));
  xml += title(indent, document.title);
  xml += element(indent, 'updated', new Date(document.updated).toISOString());
  xml += element(indent, 'generator', 'syndicate');
  xml +=
    `${indent}<author>\n` +
    element(`${indent}    `, 'name', xmlText(document.publisher.name)) +
    element(`${indent}    `, 'uri', xmlText(document.publisher.home)) +
    `${indent}</author>\n`;
  xml += `${indent}<link rel="alternate" href="${xmlAttribute(document.home)}"/>\n`;
  if (document.self.atom) xml += `${indent}<link rel="self" href="${xmlAttribute(document.self.atom)}"/>\n`;
  if (document.description) xml += element(indent, 'subtitle', xmlText(document.description));
  if (document.publisher.logo) xml += element(indent, 'logo', xmlText(document.publisher.logo));
  if (document.publisher.icon) xml += element(indent, 'icon', xmlText(document.publisher.icon));
  xml += element(indent, 'rights', xmlText(document.copyright));
  sink.text(xml + atomHeader(document));
  const updated = distinctUpdated(document.items);
  const { language } = document;
  for (const [index, item] of document.items.entries()) {
    sink.piece(item, 'atom-head', language, () => atomEntryHead(item, language));
    sink.text(element('        ', 'updated', updated[index]!.toISOString()));
    sink.piece(item, 'atom-tail', '', () => atomEntryTail(item));
  }
  sink.text('</feed>\n');
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
    // No atom:link inside: feedparser takes one there for a link of the feed itself.
    header += `    <at:deleted-entry ref="${xmlAttribute(tombstone.ref)}" when="${xmlAttribute(tombstone.when)}"/>\n`;
  }
  return header;
}

/** An entry up to its `updated` element. */
function atomEntryHead(item: FeedItem, feedLanguage: string): string {
  const indent = '        ';
  const language =
    item.language && item.language.toLowerCase() !== feedLanguage.toLowerCase()
      ? ` xml:lang="${xmlAttribute(item.language)}"`
      : '';
  let xml = `    <entry${language}>\n`;
  xml += title(indent, item.title);
  if (item.image) {
    const type = item.image.type ? ` type="${item.image.type}"` : '';
    xml += `${indent}<link rel="enclosure" href="${xmlAttribute(feedUri(item.image.url, 'iri'))}"${type}/>\n`;
  }
  xml += element(indent, 'id', xmlText(item.atomId));
  xml += `${indent}<link href="${xmlAttribute(feedUri(item.url, 'iri'))}"/>\n`;
  return xml;
}

/** An entry after its `updated` element, in parts: its escaped HTML apart, as in `rssItem`. */
function atomEntryTail(item: FeedItem): string[] {
  const indent = '        ';
  const parts = [`${indent}<summary type="html">`, itemXmlHtml(item, 'summaryHtml')];
  let xml = '</summary>\n';
  if (item.full) {
    parts.push(`${xml}${indent}<content type="html">`, itemXmlHtml(item, 'contentHtml'));
    xml = '</content>\n';
  }
  for (const author of item.authors) {
    xml += `${indent}<author>\n${element(`${indent}    `, 'name', xmlText(author.name))}`;
    if (author.email) xml += element(`${indent}    `, 'email', xmlText(author.email));
    if (author.url) xml += element(`${indent}    `, 'uri', xmlText(feedUri(author.url, 'iri')));
    xml += `${indent}</author>\n`;
  }
  for (const category of item.categories) {
    const scheme = category.schemeUri ? ` scheme="${xmlAttribute(category.schemeUri)}"` : '';
    // A label is for people and cannot be declared HTML: one holding an end tag (which readers
    // and the validator take for markup) is left out, and readers show the term, which is exact.
    const label = category.label ?? category.term;
    const labelAttribute = END_TAG.test(xmlSafe(label)) ? '' : ` label="${xmlAttribute(label)}"`;
    xml += `${indent}<category${labelAttribute}${scheme} term="${xmlAttribute(category.term)}"/>\n`;
  }
  xml += element(indent, 'published', new Date(item.published).toISOString());
  xml += element(indent, 'rights', xmlText(item.rights));
  parts.push(`${xml}    </entry>\n`);
  return parts;
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
