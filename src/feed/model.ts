import { createHash } from 'node:crypto';
import type { FeedDefinition, FeedFormat, Publisher } from '../config/feeds.ts';
import type { Article, Category, Person } from '../store/article.ts';
import { validUnicode } from '../text/xml.ts';
import { fillTemplate, joinNames, paragraph } from './html.ts';
import { type ItemSource, itemSource } from './source/item-source.ts';
import { feedUri } from './text.ts';

/**
 * The feed model: everything a renderer needs, computed once and in the same way for every format.
 * Renderers are pure functions of it, and it is a pure function of the definition, the publisher
 * and the articles: no clock is read anywhere, so the same store gives the same bytes.
 */

export interface FeedCategory extends Category {
  /** The scheme as a URI, for Atom (which wants one). */
  schemeUri?: string;
}

export interface FeedItem {
  /** The article id: RSS guid and JSON Feed id. Stable across versions of the article. */
  id: string;
  /**
   * The id every format publishes (Atom id, RSS guid, JSON Feed id): the article id when it is
   * already a URI, else a name-based UUID URN made from it (see `atomEntryId`).
   */
  atomId: string;
  url: string;
  title: string;
  published: string;
  /** updated, else published. */
  updated: string;
  /** Whether the authors are the article's own (false: the publisher stands in). */
  ownAuthors: boolean;
  authors: Person[];
  /** The article's categories, then its tags (as categories without a scheme). */
  categories: FeedCategory[];
  /** Plain-text summary: the article's, else an excerpt of its body. */
  summary: string;
  /** Whether the feed carries the whole article or only its summary. */
  full: boolean;
  /**
   * The HTML the item carries (the cleaned article body, or the summary as HTML), attribution
   * included. Valid Unicode (`validUnicode`), as `summaryHtml` is: made so once, here, and not by
   * every format that carries it.
   */
  contentHtml: string;
  /** The summary as HTML, attribution included: RSS description. Valid Unicode. */
  summaryHtml: string;
  /** The attribution block alone ('' without one): the browser view shows it under the summary. */
  creditHtml: string;
  /** The item's copyright line. */
  rights: string;
  language?: string;
  image?: FeedImage;
}

export interface FeedImage {
  url: string;
  /** The media type when the URL's extension says it, for the formats that want one. */
  type?: string;
}

const IMAGE_TYPES: Record<string, string> = {
  avif: 'image/avif',
  gif: 'image/gif',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  png: 'image/png',
  svg: 'image/svg+xml',
  webp: 'image/webp',
};

/** An article's image with the type its file extension names (none when it names none). */
export function feedImage(url: string): FeedImage {
  let extension: string | undefined;
  try {
    extension = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  } catch {
    extension = undefined;
  }
  const type = extension ? IMAGE_TYPES[extension] : undefined;
  return type ? { url, type } : { url };
}

export interface FeedDocument {
  id: string;
  title: string;
  description?: string;
  language: string;
  /** The publisher's home page: the feed's alternate link. */
  home: string;
  /** Where each format of this feed is served from. */
  self: Partial<Record<FeedFormat, string>>;
  /** Atom id of the feed. */
  atomId: string;
  /** The newest item's updated date (a fixed date when the feed is empty). */
  updated: string;
  publisher: { name: string; home: string; logo?: string; icon?: string };
  copyright: string;
  items: FeedItem[];
  /** WebSub hubs the feed names (`rel="hub"`). */
  hubs: string[];
  /** RFC 5005 links, when the feed is archived. */
  archive?: ArchiveLinks;
  /** RFC 6721: entries readers have seen in this feed that have left the store. */
  tombstones: Tombstone[];
}

/** A document's place among a feed's archives (RFC 5005), as URLs in each format. */
export interface ArchiveLinks {
  /** An archive document (`fh:archive`), not the subscription document. */
  isArchive: boolean;
  /** The subscription document (on archive documents). */
  current?: Partial<Record<FeedFormat, string>>;
  /** The next older archive document. */
  prev?: Partial<Record<FeedFormat, string>>;
  /** The next newer archive document. */
  next?: Partial<Record<FeedFormat, string>>;
}

export interface Tombstone {
  /** The Atom id the entry had. */
  ref: string;
  /** When the article left the store. */
  when: string;
}

export const FILE_EXTENSIONS: Record<FeedFormat, string> = { rss: 'xml', atom: 'atom', json: 'json' };

/**
 * `updated` of a feed with no items: fixed, so that an empty feed is as deterministic as a full one,
 * and not the Unix epoch, which feed validators reject as implausible (anything before 1990).
 */
export const EMPTY_FEED_DATE = '2000-01-01T00:00:00.000Z';

/** A feed's file in one format; `page` names archive document `page` (1 the oldest). */
export function feedFileName(id: string, format: FeedFormat, page?: number): string {
  return page === undefined
    ? `${id}.${FILE_EXTENSIONS[format]}`
    : `${id}.archive-${page}.${FILE_EXTENSIONS[format]}`;
}

/** Where each format of a feed (or of one of its archive documents) is served from. */
export function feedUrls(
  definition: FeedDefinition,
  publisher: Publisher,
  page?: number,
): Partial<Record<FeedFormat, string>> {
  const urls: Partial<Record<FeedFormat, string>> = {};
  for (const format of definition.formats)
    urls[format] = publisher.feedBase + feedFileName(definition.id, format, page);
  return urls;
}

/** A name-based (version 5 style) UUID URN, stable for the same publisher and name. */
export function nameUuid(namespace: string, name: string): string {
  const hex = createHash('sha1').update(`${namespace}\n${name}`).digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

function isCanonicalUrl(value: string): boolean {
  if (!/^https?:\/\/[\x21-\x7E]+$/.test(value) || value.includes('%')) return false;
  try {
    return new URL(value).href === value;
  } catch {
    return false;
  }
}

/** Scheme URIs by publisher and scheme: a build asks for the same few schemes of thousands of items. */
const schemeUris = new WeakMap<Publisher, Map<string, string>>();

function schemeUri(scheme: string, publisher: Publisher): string {
  let known = schemeUris.get(publisher);
  if (!known) {
    known = new Map();
    schemeUris.set(publisher, known);
  }
  let uri = known.get(scheme);
  if (uri === undefined) {
    uri =
      publisher.schemes[scheme] ??
      (isCanonicalUrl(scheme)
        ? scheme
        : new URL(`schemes/${encodeURIComponent(scheme)}`, publisher.home).href);
    known.set(scheme, uri);
  }
  return uri;
}

const URI_ID =
  /^(?:https?:\/\/[^/\s]|tag:[a-z0-9.-]+,\d{4}(?:-\d{2}){0,2}:|urn:uuid:[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$)/i;

/**
 * The id every format publishes for an article (Atom id, RSS guid, JSON Feed id; a tombstone names
 * the entry by it after the article is gone). An id that is already a URI (http(s), tag:,
 * urn:uuid:) means the same thing everywhere and is kept. Any other id (`42`, as WordPress exports
 * have, or a slug) is only unique in this store, so it becomes a name-based UUID URN of the
 * publisher's home and the id: globally unique, and the same in every format and every build.
 */
export function atomEntryId(articleId: string, publisher: Publisher): string {
  return URI_ID.test(articleId) && feedUri(articleId, 'uri') === articleId
    ? articleId
    : nameUuid(publisher.home, validUnicode(articleId));
}

/**
 * The parts of an item that depend only on the article, the publisher and the content mode. A
 * build computes them once per article, however many feeds carry it, from the article's stored
 * source (`itemFromSource`); this makes the source too.
 */
export function prepareItem(
  article: Article,
  publisher: Publisher,
  full: boolean,
  attribution: boolean,
): FeedItem {
  return itemFromSource(itemSource(article, full), publisher, full, attribution);
}

/** `prepareItem` from the article's source (its HTML already cleaned, its summary made). */
export function itemFromSource(
  article: ItemSource,
  publisher: Publisher,
  full: boolean,
  attribution: boolean,
): FeedItem {
  const ownAuthors = article.authors.length > 0;
  const authors = ownAuthors ? article.authors : [{ name: publisher.name, url: publisher.home }];
  const year = article.published.slice(0, 4);
  const rights =
    article.rights ??
    creditLine(publisher, ownAuthors ? joinNames(authors.map((author) => author.name)) : undefined, year);
  const credit = attribution
    ? fillTemplate(publisher.attribution, {
        publisher: publisher.name,
        home: publisher.home,
        title: article.title,
        url: feedUri(article.url, 'iri'),
        authors: joinNames(authors.map((author) => author.name)),
        year,
        copyright: rights,
      })
    : '';
  const { summary } = article;
  // The source's body is valid Unicode already; the rest is made so. Joined by a line break, valid
  // parts make a valid whole.
  const block = validUnicode(attributionBlock(credit));
  const summaryHtml = joinHtml(summary ? validUnicode(paragraph(summary)) : '', block);
  const item: FeedItem = {
    id: article.id,
    atomId: atomEntryId(article.id, publisher),
    url: article.url,
    title: article.title,
    published: article.published,
    updated: article.updated ?? article.published,
    ownAuthors,
    authors,
    categories: feedCategories(article, publisher),
    summary,
    full,
    contentHtml: full ? joinHtml(article.body, block) : summaryHtml,
    summaryHtml,
    creditHtml: credit.trim(),
    rights,
  };
  if (article.language !== undefined) item.language = article.language;
  if (article.image !== undefined) item.image = feedImage(article.image);
  return item;
}

/** The item copyright line; without authors the publisher holds it, named once. */
function creditLine(publisher: Publisher, authors: string | undefined, year: string): string {
  const line = fillTemplate(
    publisher.itemCopyright,
    { publisher: publisher.name, authors: authors ?? publisher.name, year },
    false,
  );
  return authors === undefined
    ? line.replaceAll(`${publisher.name}, ${publisher.name}`, publisher.name)
    : line;
}

/** The article's categories, then its tags as categories without a scheme; no pair twice. */
function feedCategories(article: ItemSource, publisher: Publisher): FeedCategory[] {
  const seen = new Set<string>();
  const categories: FeedCategory[] = [];
  const add = (category: FeedCategory) => {
    const key = `${category.scheme ?? ''}\u0000${category.term}`;
    if (seen.has(key)) return;
    seen.add(key);
    categories.push(category);
  };
  for (const category of article.categories) {
    add(
      category.scheme === undefined
        ? { ...category }
        : { ...category, schemeUri: schemeUri(category.scheme, publisher) },
    );
  }
  for (const tag of article.tags) add({ term: tag });
  return categories;
}

/**
 * The attribution block is wrapped in an element of its own class, so that importing one of our
 * feeds back recognises it and does not keep it as part of the article (`src/ingest/attribution.ts`).
 */
function attributionBlock(credit: string): string {
  return credit ? `<div class="syndicate-attribution">${credit.trim()}</div>` : '';
}

/** HTML followed by the attribution block, if there is one. */
function joinHtml(html: string, block: string): string {
  if (!block) return html;
  return html ? `${html}\n${block}` : block;
}

/** The feed document for a definition and its items (already selected, newest first). */
export function buildFeedDocument(
  definition: FeedDefinition,
  publisher: Publisher,
  items: FeedItem[],
  options: { page?: number; archive?: ArchiveLinks; tombstones?: Tombstone[] } = {},
): FeedDocument {
  const self = feedUrls(definition, publisher, options.page);
  let updated = items.length > 0 ? items[0]!.updated : EMPTY_FEED_DATE;
  for (const item of items) if (item.updated > updated) updated = item.updated;
  const document: FeedDocument = {
    id: definition.id,
    title: definition.title,
    language: definition.language ?? definition.filter.language ?? publisher.language,
    home: publisher.home,
    self,
    atomId: publisher.feedBase + definition.id,
    updated,
    publisher: { name: publisher.name, home: publisher.home },
    copyright: publisher.copyright,
    items,
    hubs: publisher.hubs,
    tombstones: options.tombstones ?? [],
  };
  if (options.archive) document.archive = options.archive;
  if (definition.description !== undefined) document.description = definition.description;
  if (publisher.logo !== undefined) document.publisher.logo = publisher.logo;
  if (publisher.icon !== undefined) document.publisher.icon = publisher.icon;
  return document;
}
