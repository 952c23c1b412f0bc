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
  /** The feed's own date: RSS channel pubDate or lastBuildDate; dc:date (RSS 1.0) or Atom updated raw. */
  pubDate?: string;
  lastBuildDate?: string;
  rawFeedDate?: XmlNode[];
  rawRights?: XmlNode[];
  items: RawItem[];
}

const keep = (from: string, to: string) => [from, to, { keepArray: true }] as unknown as string;

/** A feed whose XML is well-formed but whose shape is not RSS or Atom: said in words, with the element. */
class FeedShapeError extends Error {
  constructor(
    message: string,
    readonly element: string,
  ) {
    super(message);
  }
}

type Tree = Record<string, unknown>;

/** xml2js gives an empty element as '' and an element without attributes without `$`. */
function asElement(node: unknown): Tree {
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) return node as Tree;
  return typeof node === 'string' ? { _: node } : {};
}

/** Every element of a list as an object with `$`, so that rss-parser never reads a property of nothing. */
function elements(list: unknown): Tree[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.map((node) => {
    const element = asElement(node);
    element.$ ??= {};
    return element;
  });
}

interface Builders {
  buildAtomFeed(tree: Tree): RawFeed;
  buildRSS2(tree: Tree): RawFeed;
  buildRSS1(tree: Tree): RawFeed;
}

/**
 * rss-parser, made safe for feeds as they are. It throws an exception for the whole feed, with no
 * word of which entry, on an unreadable Atom date, and reads properties of nothing on shapes it
 * does not expect (an Atom `<link>` without attributes, an `<rss>` without `<channel>`, an RDF
 * feed without `<channel>`, an empty `<item/>`). Here the tree is put in shape first, what cannot
 * be read is said in words naming the element, and every `<rss>` version and RSS 1.0 are read.
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

  override parseString(xml: string): Promise<RawFeed & Parser.Output<RawItem>> {
    const xmlParser = (this as unknown as { xmlParser: XmlTreeParser }).xmlParser;
    return new Promise((resolve, reject) => {
      xmlParser.parseString(xml, (error, result) => {
        if (error) return reject(error);
        try {
          resolve(this.build(asElement(result)) as RawFeed & Parser.Output<RawItem>);
        } catch (shapeError) {
          reject(shapeError);
        }
      });
    });
  }

  private build(tree: Tree): RawFeed {
    const builders = this as unknown as Builders;
    if ('feed' in tree) {
      const feed = asElement(tree.feed);
      feed.link = elements(feed.link);
      feed.entry = elements(feed.entry)?.map((entry) => ({ ...entry, link: elements(entry.link) }));
      const built = builders.buildAtomFeed({ feed });
      return Array.isArray(feed.updated) ? { ...built, rawFeedDate: feed.updated as XmlNode[] } : built;
    }
    if ('rss' in tree) {
      const rss = asElement(tree.rss);
      const channel = Array.isArray(rss.channel) ? asElement(rss.channel[0]) : undefined;
      if (channel === undefined) throw new FeedShapeError('the <rss> element has no <channel>', 'rss');
      channel.item = elements(channel.item);
      // Every RSS version (0.91, 0.92, 2.0, none given) has the same channel and items.
      return builders.buildRSS2({ rss: { ...rss, channel: [channel] } });
    }
    if ('rdf:RDF' in tree) {
      const rdf = asElement(tree['rdf:RDF']);
      // RSS 1.0 items are siblings of the channel; a missing channel costs only the feed's own fields.
      const channel = Array.isArray(rdf.channel) ? asElement(rdf.channel[0]) : {};
      const built = builders.buildRSS1({
        'rdf:RDF': { ...rdf, channel: [channel], item: elements(rdf.item) ?? [] },
      });
      const date = channel['dc:date'];
      return Array.isArray(date) ? { ...built, rawFeedDate: date as XmlNode[] } : built;
    }
    throw new FeedShapeError('not an RSS or Atom feed', Object.keys(tree)[0] ?? '?');
  }
}

interface XmlTreeParser {
  parseString(xml: string, done: (error: unknown, result: unknown) => void): void;
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

/** Parse RSS 0.9x/1.0/2.0 or Atom 1.0 text; an error names the line and the element. */
export async function parseXmlFeed(text: string, file: string): Promise<RawFeed> {
  const root = rootElement(text);
  if (root !== 'rss' && root !== 'feed' && root !== 'rdf:RDF') {
    throw inputError(`not an RSS or Atom feed (the root element is <${root ?? '?'}>)`, { file, line: 1 });
  }
  try {
    const feed = (await parser.parseString(text)) as unknown as RawFeed;
    return { ...feed, kind: root === 'feed' ? 'atom' : 'rss', items: feed.items ?? [] };
  } catch (error) {
    if (error instanceof FeedShapeError) {
      const at = text.indexOf(`<${error.element}`);
      throw inputError(error.message, {
        file,
        ...(at >= 0 ? { line: text.slice(0, at).split('\n').length } : {}),
        field: error.element,
      });
    }
    const message = error instanceof Error ? error.message : '';
    const position = /Line:\s*(\d+)/.exec(message);
    if (!position) {
      // Not the XML parser's own report: an internal failure whose text would mean nothing here.
      throw inputError(
        'the feed could not be read: its elements are not shaped as RSS or Atom',
        { file },
        error,
      );
    }
    throw inputError(
      `invalid feed XML: ${message.split('\n')[0]}`,
      { file, line: Number(position[1]) + 1 },
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

/**
 * Text that is not blank, trimmed. rss-parser hands over an element with attributes or children
 * (`<guid isPermaLink="false">…</guid>`, an XHTML title) as an object: its text is read then.
 */
export function nonBlank(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value : deepText(value);
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

/** All the character data of an xml2js element and its children, in element order per child name. */
export function deepText(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (node === null || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) return node.map(deepText).filter(Boolean).join(' ');
  const parts: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === '$') continue;
    const text = deepText(value);
    if (text) parts.push(text);
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}

export function lineOf(lines: readonly number[], index: number): { line?: number } {
  const line = lines[index];
  return line === undefined ? {} : { line };
}
