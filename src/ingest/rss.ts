import { inputError } from '../errors.ts';
import type { Category, Person } from '../store/article.ts';
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
import { compact, feedDate, htmlToText, type ParsedRecord, validateRecord } from './record.ts';

/**
 * RSS 2.0 items as articles: link → url, guid → id, pubDate (or dc:date) → published,
 * content:encoded → html with description as the summary (description is the html when there is
 * no content:encoded), dc:creator or author → authors, category with its `domain` as scheme.
 */
export async function readRss(text: string, file: string, parsed?: RawFeed): Promise<ParsedRecord[]> {
  const feed = parsed ?? (await parseXmlFeed(text, file));
  const lines = itemLines(text, 'item');
  return feed.items.map((item, index) => {
    const place = { file, item: `item[${index}]`, ...lineOf(lines, index) };
    const published = nonBlank(item.pubDate) ?? nonBlank(item.date);
    if (published === undefined) {
      throw inputError('missing date: the item has no pubDate (or dc:date)', {
        ...place,
        field: `${place.item}.published`,
      });
    }
    const encoded = nonBlank(item['content:encoded']);
    const description = nonBlank(item.content);
    const input = compact({
      url: nonBlank(item.link) ?? permalinkGuid(item),
      title: nonBlank(item.title),
      published: feedDate(published),
      id: nonBlank(item.guid),
      authors: authors(item),
      summary: encoded && description ? htmlToText(description) || undefined : undefined,
      html: encoded ?? description,
      categories: categories(item.rawCategories),
      language: nonBlank(item.language) ?? nonBlank(feed.language),
      image: image(item),
      rights: nonBlank(item.rights) ?? nonBlank(feed.copyright),
    });
    return { ...place, article: validateRecord(input, place) };
  });
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
