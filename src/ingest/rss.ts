import { inputError } from '../errors.ts';
import type { Category, Person } from '../store/article.ts';
import { htmlLineText } from '../text/html-text.ts';
import {
  attribute,
  itemLines,
  lineOf,
  nodeText,
  nonBlank,
  parseXmlFeed,
  type RawFeed,
  type RawItem,
  type XmlNode,
} from './_xml-feed.ts';
import { withoutOwnAttribution } from './attribution.ts';
import {
  compact,
  isoFeedDate,
  type ParsedRecord,
  type ReadOptions,
  type RecordWarning,
  readIsoDate,
  rssDate,
  undatedItem,
  untitledItem,
  validateRecord,
} from './record.ts';

/**
 * RSS 0.9x, 1.0 (RDF) and 2.0 items as articles: link → url, guid → id, pubDate (RFC 822) or
 * dc:date (ISO 8601) → published, content:encoded → html with description as the summary
 * (description is the html when there is no content:encoded), dc:creator or author → authors,
 * category with its `domain` as scheme. An item without a date takes the feed's own date, else
 * the time it was first imported, with a warning.
 */
export async function readRss(
  text: string,
  file: string,
  parsed?: RawFeed,
  options: ReadOptions = {},
): Promise<ParsedRecord[]> {
  const feed = parsed ?? (await parseXmlFeed(text, file));
  const lines = itemLines(text, 'item');
  const feedDate = channelDate(feed);
  return feed.items.map((item, index) => {
    const place = { file, item: `item[${index}]`, ...lineOf(lines, index) };
    const field = `${place.item}.published`;
    const warnings: RecordWarning[] = [];
    const pubDate = nonBlank(item.pubDate);
    const dcDate = nonBlank(item.date);
    let published: string | undefined;
    if (pubDate !== undefined) {
      published = rssDate(pubDate);
      if (published === undefined)
        throw inputError(
          `not an RFC 822 date: ${JSON.stringify(pubDate)} (write it as Sat, 07 Mar 2026 10:00:00 GMT)`,
          { ...place, field },
        );
    } else if (dcDate !== undefined) {
      published = isoFeedDate(dcDate);
    }
    const url = nonBlank(item.link) ?? permalinkGuid(item);
    const id = nonBlank(item.guid);
    if (published === undefined) {
      const undated = undatedItem(
        feedDate,
        compact({ id, url }),
        options,
        'the item has no pubDate or dc:date',
      );
      published = undated.published;
      warnings.push({ field: 'published', message: undated.warning });
    }
    if (url === undefined) {
      throw inputError(
        'the item has no <link> (nor a permalink <guid>): an article needs the URL of its page',
        {
          ...place,
          field: `${place.item}.url`,
        },
      );
    }
    const encoded = nonBlank(item['content:encoded']);
    const description = nonBlank(item.content);
    const html = encoded ?? description;
    let title = nonBlank(item.title);
    if (title === undefined) {
      const untitled = untitledItem(html, undefined);
      title = untitled?.title;
      if (untitled) warnings.push({ field: 'title', message: untitled.warning });
    }
    const input = compact({
      url,
      title,
      published,
      id,
      authors: authors(item),
      summary:
        encoded && description ? htmlLineText(withoutOwnAttribution(description)) || undefined : undefined,
      html: html === undefined ? undefined : withoutOwnAttribution(html),
      categories: categories(item.rawCategories),
      language: nonBlank(item.language) ?? nonBlank(feed.language),
      image: image(item),
      rights: nonBlank(item.rights) ?? nonBlank(feed.copyright),
    });
    return {
      ...place,
      article: validateRecord(input, place),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  });
}

/** The channel's own date, when it has a readable one: pubDate, lastBuildDate, dc:date. */
function channelDate(feed: RawFeed): string | undefined {
  for (const candidate of [feed.pubDate, feed.lastBuildDate]) {
    const text = nonBlank(typeof candidate === 'string' ? candidate : undefined);
    const date = text === undefined ? undefined : rssDate(text);
    if (date !== undefined) return date;
  }
  return readIsoDate(nonBlank(nodeText(feed.rawFeedDate?.[0])));
}

/** A guid is the item's link when it looks like one and `isPermaLink` is not false. */
function permalinkGuid(item: RawItem): string | undefined {
  const guid = nonBlank(item.guid);
  return guid && /^https?:\/\//.test(guid) ? guid : undefined;
}

function authors(item: RawItem): Person[] | undefined {
  const creators = (item.rawCreators ?? []).map((node) => nonBlank(nodeText(node))).filter(Boolean);
  if (creators.length > 0) return creators.map((name) => ({ name: name! }));
  // RSS <author> is an email address, conventionally `email (Name)`.
  const people = (item.rawAuthors ?? []).flatMap((node): Person[] => {
    const value = nonBlank(nodeText(node));
    if (!value) return [];
    const match = /^\s*([^\s()]+@[^\s()]+)\s*\((.+)\)\s*$/.exec(value);
    if (match) return [{ name: match[2]!.trim(), email: match[1]! }];
    return [{ name: value }];
  });
  return people.length > 0 ? people : undefined;
}

function categories(nodes: XmlNode[] | undefined): Category[] | undefined {
  const list = (nodes ?? []).flatMap((node): Category[] => {
    const term = nonBlank(nodeText(node));
    if (!term) return [];
    const scheme = nonBlank(attribute(node, 'domain'));
    return [scheme ? { term, scheme } : { term }];
  });
  return list.length > 0 ? list : undefined;
}

function image(item: RawItem): string | undefined {
  if (item.enclosure?.url && item.enclosure.type?.startsWith('image/')) return item.enclosure.url;
  for (const node of [...(item.rawMediaContent ?? []), ...(item.rawMediaThumbnail ?? [])]) {
    const url = attribute(node, 'url');
    const medium = attribute(node, 'medium') ?? attribute(node, 'type') ?? 'image';
    if (url && (medium === 'image' || medium.startsWith('image/'))) return url;
  }
  return undefined;
}
