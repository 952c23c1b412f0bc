import { validUnicode } from '../text/xml.ts';
import { type ItemPieces, RENDER_PIECES } from './_pieces.ts';
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

export function renderJsonFeed(document: FeedDocument, pieces: ItemPieces = RENDER_PIECES): string {
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
  if (document.items.length === 0) return `${head}\n`;
  const { language } = document;
  const opening = `${head.slice(0, -'[]\n}'.length)}[\n`;
  let at = opening.length;
  const items = document.items.map((item) => {
    const text = pieces.piece(item, 'json', language, () => jsonItemText(item), at);
    at += text.length + ',\n'.length;
    return text;
  });
  return `${opening}${items.join(',\n')}\n  ]\n}\n`;
}

const validStrings = (_key: string, value: unknown) =>
  typeof value === 'string' ? validUnicode(value) : value;

/** An item as it stands in the feed's `items`: JSON strings hold no raw newline, so every one is layout. */
function jsonItemText(item: FeedItem): string {
  return `    ${JSON.stringify(jsonItem(item), validStrings, 2).replaceAll('\n', '\n    ')}`;
}

function jsonItem(item: FeedItem): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: item.atomId,
    url: feedUri(item.url, 'uri'),
    title: item.title,
    content_html: item.contentHtml,
  };
  if (item.summary) json.summary = item.summary;
  if (item.image) json.image = feedUri(item.image.url, 'uri');
  json.date_published = item.published;
  if (item.updated !== item.published) json.date_modified = item.updated;
  json.authors = item.authors.map((author) =>
    author.url ? { name: author.name, url: feedUri(author.url, 'uri') } : { name: author.name },
  );
  const tags = [...new Set(item.categories.map((category) => category.term))];
  if (tags.length > 0) json.tags = tags;
  if (item.language) json.language = item.language;
  json._syndicate = { rights: item.rights };
  return json;
}
