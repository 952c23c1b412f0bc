import { inputError } from '../errors.ts';
import type { Category, Person } from '../store/article.ts';
import { textToHtml } from '../text/html.ts';
import { htmlLineText } from '../text/html-text.ts';
import {
  attribute,
  childText,
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
  undatedItem,
  untitledItem,
  validateRecord,
} from './record.ts';

/**
 * Atom 1.0 entries as articles: the alternate link → url, id → id, published (else updated) →
 * published, content → html (text content escaped), summary as text, author name/uri/email,
 * category term with its scheme and label, rights, and an image enclosure link. An entry without
 * a date takes the feed's `updated`, else the time it was first imported, with a warning.
 */
export async function readAtom(
  text: string,
  file: string,
  parsed?: RawFeed,
  options: ReadOptions = {},
): Promise<ParsedRecord[]> {
  const feed = parsed ?? (await parseXmlFeed(text, file));
  const lines = itemLines(text, 'entry');
  const feedRights = nonBlank(nodeText(feed.rawRights?.[0]));
  const feedDate = readIsoDate(nonBlank(nodeText(feed.rawFeedDate?.[0])));
  return feed.items.map((item, index) => {
    const place = { file, item: `item[${index}]`, ...lineOf(lines, index) };
    const published = nonBlank(nodeText(item.rawPublished?.[0]));
    const updated = nonBlank(nodeText(item.rawUpdated?.[0]));
    const id = nonBlank(item.id);
    const warnings: RecordWarning[] = [];
    let url = link(item.rawLinks, place);
    if (url === undefined && id !== undefined && /^https?:\/\/\S+$/i.test(id)) {
      url = id;
      warnings.push({
        field: 'url',
        message: 'the entry has no alternate <link>: its id, an http(s) URL, is taken as its URL',
      });
    }
    let date = isoFeedDate(published ?? updated);
    if (date === undefined) {
      const undated = undatedItem(
        feedDate,
        compact({ id, url }),
        options,
        'the entry has neither published nor updated',
      );
      date = undated.published;
      warnings.push({ field: 'published', message: undated.warning });
    }
    if (url === undefined) {
      throw inputError('the entry has no alternate <link>: an article needs the URL of its page', {
        ...place,
        field: `${place.item}.url`,
      });
    }
    const html = content(item);
    let title = nonBlank(item.title);
    if (title === undefined) {
      const untitled = untitledItem(html, summary(item));
      title = untitled?.title;
      if (untitled) warnings.push({ field: 'title', message: untitled.warning });
    }
    const input = compact({
      url,
      title,
      published: date,
      updated: published !== undefined && updated !== undefined ? isoFeedDate(updated) : undefined,
      id,
      authors: authors(item.rawAuthors),
      summary: summary(item),
      html: html === undefined ? undefined : withoutOwnAttribution(html),
      categories: categories(item.rawCategories),
      image: image(item.rawLinks),
      rights: nonBlank(nodeText(item.rawRights?.[0])) ?? feedRights,
    });
    return {
      ...place,
      article: validateRecord(input, place),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  });
}

function link(
  nodes: XmlNode[] | undefined,
  place: { file: string; item: string; line?: number },
): string | undefined {
  const links = nodes ?? [];
  const alternates = links.filter((node) => (attribute(node, 'rel') ?? 'alternate') === 'alternate');
  const href = alternates.map((node) => nonBlank(attribute(node, 'href'))).find(Boolean);
  if (href === undefined && alternates.length > 0) {
    throw inputError("the entry's <link> has no href", { ...place, field: `${place.item}.url` });
  }
  return href;
}

function image(nodes: XmlNode[] | undefined): string | undefined {
  const enclosure = (nodes ?? []).find(
    (node) => attribute(node, 'rel') === 'enclosure' && (attribute(node, 'type') ?? '').startsWith('image/'),
  );
  return nonBlank(attribute(enclosure, 'href'));
}

function authors(nodes: XmlNode[] | undefined): Person[] | undefined {
  const people = (nodes ?? []).flatMap((node): Person[] => {
    const name = childText(node, 'name');
    if (!name) return [];
    const url = childText(node, 'uri');
    const email = childText(node, 'email');
    return [{ name, ...(url ? { url } : {}), ...(email ? { email } : {}) }];
  });
  return people.length > 0 ? people : undefined;
}

function categories(nodes: XmlNode[] | undefined): Category[] | undefined {
  const list = (nodes ?? []).flatMap((node): Category[] => {
    const term = nonBlank(attribute(node, 'term'));
    if (!term) return [];
    const scheme = nonBlank(attribute(node, 'scheme'));
    const label = nonBlank(attribute(node, 'label'));
    return [{ term, ...(scheme ? { scheme } : {}), ...(label ? { label } : {}) }];
  });
  return list.length > 0 ? list : undefined;
}

/** `type="text"` (the default) is text, to be escaped; html and xhtml are markup already. */
function content(item: RawItem): string | undefined {
  const node = item.rawContent?.[0];
  if (node === undefined) return undefined;
  const type = attribute(node, 'type') ?? 'text';
  if (type === 'text') {
    const text = nonBlank(nodeText(node));
    return text === undefined ? undefined : textToHtml(text);
  }
  return nonBlank(item.content);
}

function summary(item: RawItem): string | undefined {
  const node = item.rawSummary?.[0];
  if (node === undefined) return undefined;
  const type = attribute(node, 'type') ?? 'text';
  const value = type === 'text' ? nodeText(node) : item.summary;
  const text =
    type === 'text' ? value?.replace(/\s+/g, ' ') : htmlLineText(withoutOwnAttribution(value ?? ''));
  return nonBlank(text);
}
