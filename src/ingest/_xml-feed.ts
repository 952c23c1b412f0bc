import { decodeHTMLStrict } from 'entities';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { inputError, isSyndicateError, type SyndicateError } from '../errors.ts';
import { MAX_ARTICLE_CHARS } from '../store/article.ts';
import { VOID_ELEMENTS } from '../text/html-text.ts';
import { escapeXmlText } from '../text/xml.ts';
import { localName, MAX_XML_DEPTH, writeInSlices } from '../text/xml-stream.ts';

/**
 * The reader of RSS 0.9x, 1.0 (RDF), 2.0 and Atom feeds for `import`: one streaming pass of a
 * strict XML parser (saxes) over the text, keeping no tree of the document. What it keeps are the
 * items (RSS `<item>`, Atom `<entry>`), each as the small tree of its own elements, and the few
 * elements of the channel or feed that say something about every item (its language, rights and
 * date). Everything else is read and dropped. Time is linear in the text; memory is what the
 * items hold, and each item is bounded: no more than an article may hold, no deeper than
 * MAX_XML_DEPTH, no run of text longer than any field could be. Every error names the line the
 * parser was reading.
 */

/** An element of an item (or of the channel's own fields), in document order. */
export interface FeedElement {
  /**
   * The name readers match on: the local name for the feed's own vocabulary (RSS, RSS 1.0, Atom),
   * `dc:`, `content:`, `media:`, `atom:`, `rdf:` for those namespaces whatever prefix the feed
   * bound them to, and the name as written for anything else.
   */
  name: string;
  /** The qualified name as the feed wrote it, for writing XHTML content back out. */
  written: string;
  attributes: Record<string, string>;
  /** Text (character data and CDATA, entities decoded) and child elements, in order. */
  content: Array<string | FeedElement>;
  /** 1-based line of the start tag's `<`. */
  line: number;
}

export interface RawFeed {
  kind: 'rss' | 'atom';
  /** The channel's (RSS) or the feed's (Atom) elements named in HEAD_FIELDS, in document order. */
  head: FeedElement[];
  items: FeedElement[];
}

/** Namespaces read whatever prefix a feed gives them, by the prefix readers use for them. */
const KNOWN_NAMESPACES: Readonly<Record<string, string>> = {
  'http://www.w3.org/2005/Atom': 'atom',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://purl.org/dc/terms/': 'dcterms',
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://search.yahoo.com/mrss/': 'media',
  'http://search.yahoo.com/mrss': 'media',
  'http://www.w3.org/1999/xhtml': 'xhtml',
};
const ATOM = 'http://www.w3.org/2005/Atom';
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
/** No namespace, RSS 0.90, RSS 1.0, and the namespaced RSS 2.0 that some publishers wrote. */
const RSS_NAMESPACES: ReadonlySet<string> = new Set([
  '',
  'http://my.netscape.com/rdf/simple/0.9/',
  'http://purl.org/rss/1.0/',
  'http://backend.userland.com/rss2',
  'http://backend.userland.com/rss',
]);
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

/** The channel's or feed's own elements that readers use; the rest of the head is not kept. */
const HEAD_FIELDS: Readonly<Record<RawFeed['kind'], ReadonlySet<string>>> = {
  rss: new Set(['language', 'copyright', 'pubDate', 'lastBuildDate', 'dc:date']),
  atom: new Set(['rights', 'updated']),
};

/**
 * Characters of text one item may hold. An article's html, Markdown and summary may each hold
 * MAX_ARTICLE_CHARS; an item with more text than three of them cannot become an article, and is
 * refused while it is read instead of being kept whole first.
 */
export const MAX_ITEM_CHARS = 3 * MAX_ARTICLE_CHARS;
/**
 * Characters the parser may read without an event (one run of text, one comment, one doctype):
 * it buffers them until the run ends. Even written all in character references (`&#1114111;` is
 * ten characters for one), no field within the article limit takes more.
 */
export const MAX_RUN_CHARS = 10 * MAX_ARTICLE_CHARS;
/**
 * Elements one item may hold. Each costs a small object, many times the four bytes of `<b/>`; an
 * article's HTML has some hundreds, and the crawler cuts a page at the same number.
 */
export const MAX_ITEM_ELEMENTS = 100_000;

/** Why reading stops: said in words, at the line the parser is on. */
class StopReading extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** What the reader does with an element and what is inside it. */
type Role = 'root' | 'channel' | 'head' | 'item' | 'skip';

interface Frame {
  role: Role;
  /** The element being kept (in an item or a head field), to which text and children go. */
  element?: FeedElement;
  /**
   * Text read since the element's last child, in pieces: joined once when the next child or the
   * end tag comes, so that text cut by a thousand comments or CDATA sections costs no more than
   * the same text whole.
   */
  pending?: string[];
  /** Prefixes this element bound, to unbind when it closes. */
  bound?: string[];
}

/** Parse RSS 0.9x/1.0/2.0 or Atom 1.0 text; an error names the line and, where there is one, the element. */
export function parseXmlFeed(text: string, file: string): RawFeed {
  const reader = new FeedReader();
  try {
    reader.read(text);
    return reader.feed();
  } catch (error) {
    throw readError(error, file);
  }
}

function readError(error: unknown, file: string): SyndicateError {
  if (isSyndicateError(error)) return error;
  if (error instanceof StopReading) {
    return inputError(error.message, {
      file,
      line: error.line,
      ...(error.field ? { field: error.field } : {}),
    });
  }
  // saxes says `LINE:COLUMN: message.`; the line goes into the place, the rest into the message.
  const message = error instanceof Error ? error.message : String(error);
  const position = /^(\d+):\d+: (.*?)\.?$/s.exec(message);
  if (!position) throw error;
  return inputError(`invalid feed XML: ${position[2]}`, { file, line: Number(position[1]) }, error);
}

class FeedReader {
  private readonly parser = new SaxesParser({ position: true });
  private readonly stack: Frame[] = [];
  /** Namespace bindings in scope: prefix (`''` for the default) → URIs, innermost last. */
  private readonly bindings = new Map<string, string[]>();
  private kind: RawFeed['kind'] | undefined;
  private rootName = '';
  private rootLine = 1;
  /** The namespace of an Atom feed's root: Atom 1.0, or an older one read the same way. */
  private ownNamespace = '';
  private channels = 0;
  private readonly head: FeedElement[] = [];
  private readonly items: FeedElement[] = [];
  /** Characters and elements kept for the item (or head field) being read. */
  private keptChars = 0;
  private keptElements = 0;
  /** Where the parser last said something: a run longer than MAX_RUN_CHARS since is refused. */
  private lastEventAt = 0;
  /** The line of the tag being opened: saxes reports the line of its end, which may be later. */
  private tagLine = 1;

  constructor() {
    const parser = this.parser;
    // HTML's named entities (`&nbsp;`, `&eacute;`): feeds use them without declaring them, and
    // readers have always taken them. Entities declared in a doctype are never expanded (there is
    // no entity to multiply), so a reference to one is an undefined entity and an error.
    const xmlEntities = parser.ENTITIES;
    parser.ENTITIES = new Proxy(xmlEntities, {
      get: (target, name) => (typeof name === 'string' ? (target[name] ?? htmlEntity(name)) : undefined),
    });
    parser.on('error', (error) => {
      // A control character is not allowed in XML 1.0 but is common in real feeds, and harmless:
      // the article's text is made valid Unicode when it is stored and built. Anything else stops.
      if (!error.message.endsWith('disallowed character.')) throw error;
    });
    parser.on('opentagstart', () => {
      // Said once the name is read, with the character after it: a newline there is a line later.
      this.tagLine = parser.column === 0 ? parser.line - 1 : parser.line;
      this.heard();
    });
    parser.on('opentag', (tag) => this.open(tag as SaxesTagPlain));
    parser.on('closetag', () => this.close());
    parser.on('text', (text) => this.text(text));
    parser.on('cdata', (text) => this.text(text));
    // No handlers for comments, processing instructions or the doctype: a long one counts as a
    // run without a tag, which is what it costs. (saxes also gets several times slower on every
    // character once ten or more handlers are set: its object's shape changes.)
  }

  read(text: string): void {
    writeInSlices((slice) => {
      this.parser.write(slice);
      if (this.parser.position - this.lastEventAt > MAX_RUN_CHARS) {
        throw new StopReading(
          `more than ${MAX_RUN_CHARS.toLocaleString('en-US')} characters of text or markup without a tag: longer than any field of an article can be`,
          this.parser.line,
        );
      }
    }, text);
    // A document cut short is an error here (an unclosed tag), never a shorter feed.
    this.parser.close();
  }

  feed(): RawFeed {
    if (this.kind === undefined) throw new StopReading('not an RSS or Atom feed: no root element', 1);
    if (this.rootName === 'rss' && this.channels === 0) {
      throw new StopReading('the <rss> element has no <channel>', this.rootLine, 'rss');
    }
    return { kind: this.kind, head: this.head, items: this.items };
  }

  private heard(): void {
    this.lastEventAt = this.parser.position;
  }

  private open(tag: SaxesTagPlain): void {
    this.heard();
    const line = this.tagLine;
    if (this.stack.length >= MAX_XML_DEPTH) {
      throw new StopReading(`the feed nests elements deeper than ${MAX_XML_DEPTH} levels`, line);
    }
    const bound = this.bind(tag.attributes);
    const parent = this.stack.at(-1);
    let frame: Frame;
    if (parent === undefined) {
      frame = { role: 'root' };
      this.openRoot(tag.name, line);
    } else if (parent.element !== undefined) {
      // Inside an item or a kept head field: every element is kept, for markup and nested fields.
      if (++this.keptElements > MAX_ITEM_ELEMENTS) {
        const kept = this.stack.find((frame) => frame.element !== undefined)!.element!;
        throw new StopReading(
          `the <${kept.written}> holds more than ${MAX_ITEM_ELEMENTS.toLocaleString('en-US')} elements, more than any article`,
          kept.line,
        );
      }
      const element = this.element(tag, line);
      flushText(parent);
      parent.element.content.push(element);
      frame = { role: parent.role, element };
    } else {
      frame = this.place(parent.role, tag, line);
    }
    if (bound.length > 0) frame.bound = bound;
    this.stack.push(frame);
  }

  /** What a child of the root or of the channel is to the reader. */
  private place(parentRole: Role, tag: SaxesTagPlain, line: number): Frame {
    const name = this.canonical(tag.name);
    if (parentRole === 'root') {
      // An Atom feed is its own channel.
      if (this.kind === 'atom') return this.itemOrHead(name, tag, line, 'entry');
      if (name === 'channel') {
        // RSS has one channel; items of any other are not this feed's.
        this.channels++;
        return { role: this.channels === 1 ? 'channel' : 'skip' };
      }
      // RSS 1.0 items are siblings of the channel.
      if (this.rootName === 'rdf:RDF' && name === 'item') return this.keep('item', tag, line);
      return { role: 'skip' };
    }
    if (parentRole !== 'channel') return { role: 'skip' };
    if (this.rootName === 'rss') return this.itemOrHead(name, tag, line, 'item');
    return this.headOnly(name, tag, line);
  }

  private itemOrHead(name: string, tag: SaxesTagPlain, line: number, itemName: string): Frame {
    if (name === itemName) return this.keep('item', tag, line);
    return this.headOnly(name, tag, line);
  }

  private headOnly(name: string, tag: SaxesTagPlain, line: number): Frame {
    return HEAD_FIELDS[this.kind!].has(name) ? this.keep('head', tag, line) : { role: 'skip' };
  }

  private keep(role: 'item' | 'head', tag: SaxesTagPlain, line: number): Frame {
    const element = this.element(tag, line);
    (role === 'item' ? this.items : this.head).push(element);
    this.keptChars = 0;
    this.keptElements = 0;
    return { role, element };
  }

  private element(tag: SaxesTagPlain, line: number): FeedElement {
    return {
      name: this.canonical(tag.name),
      written: tag.name,
      attributes: tag.attributes,
      content: [],
      line,
    };
  }

  /** Atom (1.0, or an older `<feed>` read the same way), RSS 0.9x/2.0, or RSS 0.90/1.0 in RDF. */
  private openRoot(name: string, line: number): void {
    this.rootLine = line;
    const local = localName(name);
    const uri = this.namespaceOf(name);
    if (local === 'feed') {
      this.kind = 'atom';
      this.rootName = 'feed';
      this.ownNamespace = uri ?? '';
    } else if (local === 'rss' && (uri === undefined || RSS_NAMESPACES.has(uri))) {
      this.kind = 'rss';
      this.rootName = 'rss';
    } else if (local === 'RDF' && (uri === RDF || (uri === undefined && name === 'rdf:RDF'))) {
      this.kind = 'rss';
      this.rootName = 'rdf:RDF';
    } else {
      const namespace = uri ? ` in the namespace ${uri}` : '';
      throw new StopReading(`not an RSS or Atom feed (the root element is <${name}>${namespace})`, line);
    }
  }

  private close(): void {
    this.heard();
    const frame = this.stack.pop();
    if (frame) flushText(frame);
    for (const prefix of frame?.bound ?? []) this.bindings.get(prefix)?.pop();
  }

  private text(text: string): void {
    this.heard();
    const frame = this.stack.at(-1);
    const element = frame?.element;
    if (frame === undefined || element === undefined) return;
    this.keptChars += text.length;
    if (this.keptChars > MAX_ITEM_CHARS) {
      const kept = this.stack.find((frame) => frame.element !== undefined)?.element;
      throw new StopReading(
        `the <${kept?.written ?? element.written}> holds more than ${MAX_ITEM_CHARS.toLocaleString('en-US')} characters of text, more than an article can (${MAX_ARTICLE_CHARS.toLocaleString('en-US')} in its html, and as much in its summary)`,
        kept?.line ?? this.parser.line,
      );
    }
    frame.pending ??= [];
    frame.pending.push(text);
  }

  /** Record the `xmlns` declarations of a start tag; returns the prefixes bound. */
  private bind(attributes: Record<string, string>): string[] {
    const bound: string[] = [];
    for (const [name, value] of Object.entries(attributes)) {
      let prefix: string;
      if (name === 'xmlns') prefix = '';
      else if (name.startsWith('xmlns:')) prefix = name.slice(6);
      else continue;
      const uris = this.bindings.get(prefix);
      if (uris) uris.push(value.trim());
      else this.bindings.set(prefix, [value.trim()]);
      bound.push(prefix);
    }
    return bound;
  }

  /** The namespace of a qualified name: `''` for none, undefined for a prefix nobody bound. */
  private namespaceOf(name: string): string | undefined {
    const colon = name.indexOf(':');
    const prefix = colon >= 0 ? name.slice(0, colon) : '';
    if (prefix === 'xml') return XML_NAMESPACE;
    const uri = this.bindings.get(prefix)?.at(-1);
    return uri ?? (prefix === '' ? '' : undefined);
  }

  private canonical(name: string): string {
    const uri = this.namespaceOf(name);
    const local = localName(name);
    // An unbound prefix is read as written: `dc:creator` undeclared is still dc:creator.
    if (uri === undefined) return name;
    const own =
      this.kind === 'atom'
        ? uri === '' || uri === ATOM || uri === this.ownNamespace
        : RSS_NAMESPACES.has(uri);
    if (own) return local;
    const prefix = KNOWN_NAMESPACES[uri];
    if (prefix) return `${prefix}:${local}`;
    // An unknown namespace: its prefix as written, or the local name for a default namespace.
    return name;
  }
}

/**
 * The element's pending text as one string, after its content so far. saxes hands text over as a
 * rope of pieces (one at each entity and line end) pointing into the input; V8 flattens a rope
 * when a character of it is read, and the pieces and what they point into can then go.
 */
function flushText(frame: Frame): void {
  if (frame.pending === undefined || frame.element === undefined) return;
  const text = frame.pending.length === 1 ? frame.pending[0]! : frame.pending.join('');
  frame.pending = undefined;
  text.charCodeAt(0);
  frame.element.content.push(text);
}

function htmlEntity(name: string): string | undefined {
  // `decodeHTMLStrict` leaves what is no entity as it was.
  const reference = `&${name};`;
  const decoded = decodeHTMLStrict(reference);
  return decoded === reference ? undefined : decoded;
}

/**
 * The name of the document element, skipping the prolog (declaration, processing instructions,
 * comments, doctype), to tell an Atom feed from an RSS one before reading it. A scan that looks for
 * each end marker once, from where it stands: a regular expression over the prolog backtracks on
 * `<!--` inside a processing instruction (13 s for 1 MB).
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

/** The element's children of one name, in order. */
export function childrenNamed(element: FeedElement | undefined, name: string): FeedElement[] {
  if (element === undefined) return [];
  return element.content.filter(
    (part): part is FeedElement => typeof part !== 'string' && part.name === name,
  );
}

/** The element's first child of that name. */
export function child(element: FeedElement | undefined, name: string): FeedElement | undefined {
  if (element === undefined) return undefined;
  for (const part of element.content) if (typeof part !== 'string' && part.name === name) return part;
  return undefined;
}

export function attribute(element: FeedElement | undefined, name: string): string | undefined {
  return element?.attributes[name];
}

/** All the text inside the element, its children's included, in document order. */
export function textOf(element: FeedElement | undefined): string | undefined {
  if (element === undefined) return undefined;
  const parts: string[] = [];
  const collect = (node: FeedElement) => {
    for (const part of node.content) {
      if (typeof part === 'string') parts.push(part);
      else collect(part);
    }
  };
  collect(element);
  return parts.join('');
}

/**
 * What an element holds as markup: its text when it holds only text (escaped HTML, CDATA), else
 * its children written back as XML (HTML written into the feed unescaped, XHTML content). XHTML
 * elements lose their prefix and namespace declarations are left out: the result is read as HTML.
 */
export function markupOf(element: FeedElement | undefined): string | undefined {
  if (element === undefined) return undefined;
  if (element.content.every((part) => typeof part === 'string')) return textOf(element);
  return innerMarkup(element);
}

/** The element's content written back as XML: text escaped, child elements as markup. */
export function innerMarkup(element: FeedElement): string {
  return element.content
    .map((part) => (typeof part === 'string' ? escapeXmlText(part) : outerMarkup(part)))
    .join('');
}

function outerMarkup(element: FeedElement): string {
  const name = element.name.startsWith('xhtml:') ? localName(element.written) : element.written;
  const attributes = Object.entries(element.attributes)
    .filter(([key]) => key !== 'xmlns' && !key.startsWith('xmlns:'))
    .map(([key, value]) => ` ${key}="${value.replace(/[&<"]/g, (char) => ATTRIBUTE_ESCAPES[char]!)}"`)
    .join('');
  if (element.content.length === 0 && VOID_ELEMENTS.has(localName(name).toLowerCase())) {
    // Written `<br/>`, as HTML and XML readers both take it.
    return `<${name}${attributes}/>`;
  }
  return `<${name}${attributes}>${innerMarkup(element)}</${name}>`;
}

const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '"': '&quot;' };

/** Text that is not blank, trimmed. */
export function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The text of the head's first element of that name. */
export function headText(feed: RawFeed, name: string): string | undefined {
  return nonBlank(textOf(feed.head.find((element) => element.name === name)));
}
