import { inputError } from '../errors.ts';
import type { Category, Person } from '../store/article.ts';
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
import { compact, feedDate, htmlToText, type ParsedRecord, textToHtml, validateRecord } from './record.ts';

/**
 * Atom 1.0 entries as articles: the alternate link → url, id → id, published (else updated) →
 * published, content → html (text content escaped), summary as text, author name/uri/email,
 * category term with its scheme and label, rights, and an image enclosure link.
 */
export async function readAtom(text: string, file: string, parsed?: RawFeed): Promise<ParsedRecord[]> {
  const feed = parsed ?? (await parseXmlFeed(text, file));
  const lines = itemLines(text, 'entry');
  const feedRights = nonBlank(nodeText(feed.rawRights?.[0]));
  return feed.items.map((item, index) => {
    const place = { file, item: `item[${index}]`, ...lineOf(lines, index) };
    const published = nonBlank(nodeText(item.rawPublished?.[0]));
    const updated = nonBlank(nodeText(item.rawUpdated?.[0]));
    if (published === undefined && updated === undefined) {
      throw inputError('missing date: the entry has neither published nor updated', {
        ...place,
        field: `${place.item}.published`,
      });
    }
    const input = compact({
      url: link(item.rawLinks),
      title: nonBlank(item.title),
      published: feedDate(published ?? updated),
      updated: published !== undefined && updated !== undefined ? feedDate(updated) : undefined,
      id: nonBlank(item.id),
      authors: authors(item.rawAuthors),
      summary: summary(item),
      html: content(item),
      categories: categories(item.rawCategories),
      image: image(item.rawLinks),
      rights: nonBlank(nodeText(item.rawRights?.[0])) ?? feedRights,
    });
    return { ...place, article: validateRecord(input, place) };
  });
}

function link(nodes: XmlNode[] | undefined): string | undefined {
  const links = nodes ?? [];
  const alternate =
    links.find((node) => (attribute(node, 'rel') ?? 'alternate') === 'alternate') ??
    links.find((node) => attribute(node, 'rel') === undefined);
  return nonBlank(attribute(alternate, 'href'));
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
  const text = type === 'text' ? value?.replace(/\s+/g, ' ') : htmlToText(value ?? '');
  return nonBlank(text);
}
