import Parser from 'rss-parser';
import { inputError } from '../errors.ts';

/** A node as xml2js (inside rss-parser) gives it: text, or `{ _: text, $: attributes, child: [...] }`. */
export type XmlNode = string | { _?: string; $?: Record<string, string>; [child: string]: unknown };

/** The fields the readers ask rss-parser to keep raw (arrays, with attributes) on each item. */
export interface RawItem {
  title?: string;
  link?: string;
  guid?: string;
  id?: string;
  pubDate?: string;
  date?: string;
  content?: string;
  summary?: string;
  rights?: string;
  language?: string;
  enclosure?: { url?: string; type?: string };
  rawCategories?: XmlNode[];
  rawCreators?: XmlNode[];
  rawAuthors?: XmlNode[];
  rawLinks?: XmlNode[];
  rawContent?: XmlNode[];
  rawSummary?: XmlNode[];
  rawRights?: XmlNode[];
  rawUpdated?: XmlNode[];
  rawPublished?: XmlNode[];
  rawMediaContent?: XmlNode[];
  rawMediaThumbnail?: XmlNode[];
  'content:encoded'?: string;
}

export interface RawFeed {
  kind: 'rss' | 'atom';
  language?: string;
  copyright?: string;
  rawRights?: XmlNode[];
  items: RawItem[];
}

const keep = (from: string, to: string) => [from, to, { keepArray: true }] as unknown as string;

/**
 * rss-parser turns an unreadable Atom date into an exception for the whole feed, with no word of
 * which entry; take the dates out before it looks and keep them raw, so the reader can name it.
 */
class FeedParser extends Parser<RawFeed, RawItem> {
  parseItemAtom(entry: Record<string, unknown>): RawItem {
    const { published, updated, ...rest } = entry;
    const parent = Parser.prototype as unknown as { parseItemAtom(entry: unknown): RawItem };
    const item = parent.parseItemAtom.call(this, rest);
    if (Array.isArray(published)) item.rawPublished = published as XmlNode[];
    if (Array.isArray(updated)) item.rawUpdated = updated as XmlNode[];
    return item;
  }
}

const parser = new FeedParser({
  customFields: {
    feed: [keep('rights', 'rawRights') as 'rawRights'],
    item: [
      keep('category', 'rawCategories'),
      keep('dc:creator', 'rawCreators'),
      keep('author', 'rawAuthors'),
      keep('link', 'rawLinks'),
      keep('content', 'rawContent'),
      keep('summary', 'rawSummary'),
      keep('rights', 'rawRights'),
      keep('media:content', 'rawMediaContent'),
      keep('media:thumbnail', 'rawMediaThumbnail'),
    ] as unknown as (keyof RawItem)[],
  },
});

/** Parse RSS 2.0 or Atom 1.0 text; an XML error names the line the parser stopped at. */
export async function parseXmlFeed(text: string, file: string): Promise<RawFeed> {
  const root = rootElement(text);
  if (root !== 'rss' && root !== 'feed' && root !== 'rdf:RDF') {
    throw inputError(`not an RSS or Atom feed (the root element is <${root ?? '?'}>)`, { file, line: 1 });
  }
  try {
    const feed = (await parser.parseString(text)) as unknown as RawFeed;
    return { ...feed, kind: root === 'feed' ? 'atom' : 'rss', items: feed.items ?? [] };
  } catch (error) {
    const message = (error as Error).message;
    const position = /Line:\s*(\d+)/.exec(message);
    const line = position ? Number(position[1]) + 1 : undefined;
    throw inputError(
      `invalid feed XML: ${message.split('\n')[0]}`,
      { file, ...(line !== undefined ? { line } : {}) },
      error,
    );
  }
}

/**
 * The name of the document element, skipping the prolog (declaration, processing instructions,
 * comments, doctype). A scan that looks for each end marker once, from where it stands: a regular
 * expression over the prolog backtracks on `<!--` inside a processing instruction (13 s for 1 MB).
 */
export function rootElement(text: string): string | undefined {
  let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (position < text.length && /\s/.test(text[position]!)) position++;
    let end: number;
    if (text.startsWith('<?', position)) {
      end = text.indexOf('?>', position + 2);
      if (end < 0) return undefined;
      position = end + 2;
    } else if (text.startsWith('<!--', position)) {
      end = text.indexOf('-->', position + 4);
      if (end < 0) return undefined;
      position = end + 3;
    } else if (text.slice(position, position + 9).toUpperCase() === '<!DOCTYPE') {
      position = doctypeEnd(text, position + 9);
      if (position < 0) return undefined;
    } else {
      return ELEMENT_NAME.exec(text.slice(position, position + 256))?.[1];
    }
  }
}

const ELEMENT_NAME = /^<([\w:.-]+)/;

/** Where a doctype ends: its first `>`, or the `>` after an internal subset in brackets. */
function doctypeEnd(text: string, from: number): number {
  let position = from;
  while (position < text.length && text[position] !== '>' && text[position] !== '[') position++;
  if (text[position] === '[') {
    const close = text.indexOf(']', position + 1);
    if (close < 0) return -1;
    position = close + 1;
    while (position < text.length && /\s/.test(text[position]!)) position++;
  }
  return text[position] === '>' ? position + 1 : -1;
}

/**
 * 1-based start line of each `<item>` (RSS) or `<entry>` (Atom), in document order: the parser
 * keeps no positions, so find the start tags again, outside comments and CDATA sections. One pass:
 * each `<` is looked at once, and an end marker that is not in the text is looked for only once.
 */
export function itemLines(text: string, element: 'item' | 'entry'): number[] {
  const tag = new RegExp(`(?:[\\w-]+:)?${element}[\\s/>]`, 'y');
  const offsets: number[] = [];
  let commentsClose = true;
  let cdataClose = true;
  for (let position = text.indexOf('<'); position >= 0; position = text.indexOf('<', position + 1)) {
    if (commentsClose && text.startsWith('<!--', position)) {
      const end = text.indexOf('-->', position + 4);
      if (end >= 0) {
        position = end + 2;
        continue;
      }
      commentsClose = false;
    }
    if (cdataClose && text.startsWith('<![CDATA[', position)) {
      const end = text.indexOf(']]>', position + 9);
      if (end >= 0) {
        position = end + 2;
        continue;
      }
      cdataClose = false;
    }
    tag.lastIndex = position + 1;
    if (tag.test(text)) offsets.push(position);
  }
  const lines: number[] = [];
  let line = 1;
  let newline = text.indexOf('\n');
  for (const offset of offsets) {
    while (newline !== -1 && newline < offset) {
      line++;
      newline = text.indexOf('\n', newline + 1);
    }
    lines.push(line);
  }
  return lines;
}

/** The text of a node (`<title>x</title>` → `x`, `<title type="html">x</title>` → `x`). */
export function nodeText(node: XmlNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node;
  return typeof node._ === 'string' ? node._ : undefined;
}

export function attribute(node: XmlNode | undefined, name: string): string | undefined {
  return node !== undefined && typeof node === 'object' ? node.$?.[name] : undefined;
}

/** The first child element's text: `<author><name>x</name></author>` → `x` for `name`. */
export function childText(node: XmlNode | undefined, name: string): string | undefined {
  if (node === undefined || typeof node !== 'object') return undefined;
  const child = node[name];
  return Array.isArray(child) ? nodeText(child[0] as XmlNode)?.trim() : undefined;
}

export function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function lineOf(lines: readonly number[], index: number): { line?: number } {
  const line = lines[index];
  return line === undefined ? {} : { line };
}
