import { validUnicode } from '../text/xml.ts';
import { type DocumentSink, renderText } from './_pieces.ts';
import type { FeedDocument, FeedItem } from './model.ts';
import { feedUri } from './text.ts';

/**
 * JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), written directly: `feed` only knows 1.0.
 * Plain text stays plain (`summary`, `title`); the HTML, attribution included, is `content_html`.
 * The item copyright line, which JSON Feed has no field for, goes in the `_syndicate` extension.
 * Every string is valid Unicode (`validUnicode`: a lone surrogate, which JSON would otherwise carry as
 * a `\ud800` escape that readers reject, becomes U+FFFD) and every URL a valid URI.
 */
export const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

export function renderJsonFeed(document: FeedDocument): string {
  return renderText(writeJsonFeed, document);
}

export function writeJsonFeed(document: FeedDocument, sink: DocumentSink): void {
  const feed: Record<string, unknown> = {
    version: JSON_FEED_VERSION,
    title: document.title,
    home_page_url: document.home,
  };
  // An archive page is part of the feed, not a feed of its own: the feed's URL names it.
  const feedUrl = document.archive?.isArchive ? document.archive.current?.json : document.self.json;
  if (feedUrl) feed.feed_url = feedUrl;
  if (document.description) feed.description = document.description;
  if (document.publisher.logo) feed.icon = document.publisher.logo;
  if (document.publisher.icon) feed.favicon = document.publisher.icon;
  feed.authors = [{ name: document.publisher.name, url: document.publisher.home }];
  feed.language = document.language;
  // RFC 5005 in JSON Feed's terms: the next page is the next older archive document.
  if (document.archive?.prev?.json) feed.next_url = document.archive.prev.json;
  if (document.hubs.length > 0) feed.hubs = document.hubs.map((url) => ({ type: 'WebSub', url }));
  // Items are written one by one, as `JSON.stringify` lays them out in the feed (four spaces in),
  // so that each is a piece of text of its own; `items` is the feed's last member.
  feed.items = [];
  const head = JSON.stringify(feed, validStrings, 2);
  if (document.items.length === 0) {
    sink.text(`${head}\n`);
    return;
  }
  sink.text(`${head.slice(0, -'[]\n}'.length)}[\n`);
  for (const [index, item] of document.items.entries()) {
    if (index > 0) sink.text(',\n');
    sink.piece(item, 'json', '', () => jsonItemText(item));
  }
  sink.text('\n  ]\n}\n');
}

const validStrings = (_key: string, value: unknown) =>
  typeof value === 'string' ? validUnicode(value) : value;

/** An item as it stands in the feed's `items`: JSON strings hold no raw newline, so every one is layout. */
function jsonItemText(item: FeedItem): string {
  return `    ${JSON.stringify(jsonItem(item), null, 2).replaceAll('\n', '\n    ')}`;
}

/** The item's members, every string valid Unicode (made so here: a replacer would cost more than the rest). */
function jsonItem(item: FeedItem): Record<string, unknown> {
  const text = validUnicode;
  const json: Record<string, unknown> = {
    id: text(item.atomId),
    url: text(feedUri(item.url, 'uri')),
    title: text(item.title),
    // Valid Unicode already (`FeedItem`).
    content_html: item.contentHtml,
  };
  if (item.summary) json.summary = text(item.summary);
  if (item.image) json.image = text(feedUri(item.image.url, 'uri'));
  json.date_published = text(item.published);
  if (item.updated !== item.published) json.date_modified = text(item.updated);
  json.authors = item.authors.map((author) =>
    author.url
      ? { name: text(author.name), url: text(feedUri(author.url, 'uri')) }
      : { name: text(author.name) },
  );
  const tags = [...new Set(item.categories.map((category) => category.term))].map(text);
  if (tags.length > 0) json.tags = tags;
  if (item.language) json.language = text(item.language);
  json._syndicate = { rights: text(item.rights) };
  return json;
}
