import { inputError } from '../errors.ts';
import type { Category, Person } from '../store/article.ts';
import { htmlLineText } from '../text/html-text.ts';
import {
  attribute,
  child,
  childrenNamed,
  type FeedElement,
  headText,
  markupOf,
  nonBlank,
  type RawFeed,
  textOf,
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
export function readRss(feed: RawFeed, file: string, options: ReadOptions = {}): ParsedRecord[] {
  const feedDate = channelDate(feed);
  const language = headText(feed, 'language');
  const copyright = headText(feed, 'copyright');
  return feed.items.map((item, index) => {
    const place = { file, item: `item[${index}]`, line: item.line };
    const field = `${place.item}.published`;
    const warnings: RecordWarning[] = [];
    const pubDate = nonBlank(textOf(child(item, 'pubDate')));
    const dcDate = nonBlank(textOf(child(item, 'dc:date')));
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
    const guid = child(item, 'guid');
    const url = nonBlank(textOf(child(item, 'link'))) ?? permalinkGuid(guid);
    const id = nonBlank(textOf(guid));
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
    const encoded = nonBlank(markupOf(child(item, 'content:encoded')));
    const description = nonBlank(markupOf(child(item, 'description')));
    const html = encoded ?? description;
    let title = nonBlank(textOf(child(item, 'title'))) ?? nonBlank(textOf(child(item, 'dc:title')));
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
      categories: categories(childrenNamed(item, 'category')),
      language: nonBlank(textOf(child(item, 'dc:language'))) ?? language,
      image: image(item),
      rights: nonBlank(textOf(child(item, 'dc:rights'))) ?? copyright,
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
  for (const name of ['pubDate', 'lastBuildDate']) {
    const text = headText(feed, name);
    const date = text === undefined ? undefined : rssDate(text);
    if (date !== undefined) return date;
  }
  return readIsoDate(headText(feed, 'dc:date'));
}

/** A guid is the item's link when it looks like one and `isPermaLink` is not false. */
function permalinkGuid(guid: FeedElement | undefined): string | undefined {
  const text = nonBlank(textOf(guid));
  if (text === undefined || attribute(guid, 'isPermaLink')?.trim() === 'false') return undefined;
  return /^https?:\/\//.test(text) ? text : undefined;
}

function authors(item: FeedElement): Person[] | undefined {
  const creators = childrenNamed(item, 'dc:creator')
    .map((element) => nonBlank(textOf(element)))
    .filter(Boolean);
  if (creators.length > 0) return creators.map((name) => ({ name: name! }));
  // RSS <author> is an email address, conventionally `email (Name)`.
  const people = childrenNamed(item, 'author').flatMap((element): Person[] => {
    const value = nonBlank(textOf(element));
    if (!value) return [];
    const match = /^\s*([^\s()]+@[^\s()]+)\s*\((.+)\)\s*$/.exec(value);
    if (match) return [{ name: match[2]!.trim(), email: match[1]! }];
    return [{ name: value }];
  });
  return people.length > 0 ? people : undefined;
}

function categories(elements: FeedElement[]): Category[] | undefined {
  const list = elements.flatMap((element): Category[] => {
    const term = nonBlank(textOf(element));
    if (!term) return [];
    const scheme = nonBlank(attribute(element, 'domain'));
    return [scheme ? { term, scheme } : { term }];
  });
  return list.length > 0 ? list : undefined;
}

function image(item: FeedElement): string | undefined {
  const enclosure = child(item, 'enclosure');
  const url = attribute(enclosure, 'url');
  if (url && attribute(enclosure, 'type')?.startsWith('image/')) return url;
  for (const element of [
    ...childrenNamed(item, 'media:content'),
    ...childrenNamed(item, 'media:thumbnail'),
  ]) {
    const url = attribute(element, 'url');
    const medium = attribute(element, 'medium') ?? attribute(element, 'type') ?? 'image';
    if (url && (medium === 'image' || medium.startsWith('image/'))) return url;
  }
  return undefined;
}
