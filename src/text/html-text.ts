/**
 * HTML to text, for every stage: one list of block elements and of elements without text, and
 * the readers built on them. `blockText` (src/match/page.ts) reads a parsed tree with these lists;
 * everything else reads markup here.
 *
 * `markupText`: plain text of HTML in one streaming pass, with no tree built: the text `blockText` gives for the
 * same markup (htmlparser2's tokenizer with entities decoded, a line break at every block
 * boundary, nothing from scripts, styles or the head), at several times the speed. The index
 * build reads every stored article through here, and archive scans read every captured page, so
 * the cost is in the tokenizer alone and linear in the input.
 */
import { decodeHTML } from 'entities';
import { Parser, Tokenizer } from 'htmlparser2';

/** Elements whose start and end are a line break in the text: words on either side never run together. */
export const BLOCK_TAGS: ReadonlySet<string> = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'blockquote',
  'pre',
  'table',
  'thead',
  'tbody',
  'tr',
  'td',
  'th',
  'figure',
  'figcaption',
  'address',
  'hr',
  'br',
  'details',
  'summary',
]);

/** Elements whose content is never text a reader sees (code, styles, the document head, vector drawings). */
export const SKIP_TEXT: ReadonlySet<string> = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'head',
]);

export interface MarkupTextOptions {
  /** Stop collecting text after this many characters (hostile pages); the parse still ends. */
  maxChars?: number;
  /**
   * Collapse whitespace as `blockText` does (default). Fingerprints do not need it: words are the
   * same either way, and skipping it halves the cost.
   */
  normalise?: boolean;
}

export function markupText(markup: string, options: MarkupTextOptions = {}): string {
  // htmlparser2's Parser is quadratic in the nesting depth: hostile markup is flattened first.
  const html = boundMarkup(markup).html;
  const parts: string[] = [];
  let skipDepth = 0;
  let collected = 0;
  const maxChars = options.maxChars ?? Number.POSITIVE_INFINITY;
  const parser = new Parser(
    {
      onopentag(name) {
        if (skipDepth > 0 || SKIP_TEXT.has(name)) {
          skipDepth++;
          return;
        }
        if (BLOCK_TAGS.has(name)) parts.push('\n');
      },
      onclosetag(name) {
        if (skipDepth > 0) {
          skipDepth--;
          return;
        }
        if (BLOCK_TAGS.has(name)) parts.push('\n');
      },
      ontext(text) {
        if (skipDepth > 0 || collected >= maxChars) return;
        const piece = text.length > maxChars - collected ? text.slice(0, maxChars - collected) : text;
        parts.push(piece);
        collected += piece.length;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: false },
  );
  parser.end(html);
  const text = parts.join('');
  if (options.normalise === false) return text;
  // Runs only: a single space is left alone, which is most of them.
  return text
    .replace(/[ \t\r\f\v\u00a0]{2,}|[\t\r\f\v\u00a0]/g, ' ')
    .replace(/ ?\n\s*/g, '\n')
    .trim();
}

/** Elements whose content is raw text to the HTML tokenizer: it ends only at their end tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes']);
const END_TAG = new Map<string, RegExp>();
function endTagPattern(name: string): RegExp {
  let pattern = END_TAG.get(name);
  if (!pattern) {
    pattern = new RegExp(`</${name}[\\s/>]`, 'gi');
    END_TAG.set(name, pattern);
  }
  return pattern;
}

function isNameStart(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x3a;
}

/** What the scan does with an element: a line break at its tags, raw text, skipped content. */
const BLOCK = 1;
const RAW = 2;
const SKIP = 4;

/**
 * The hash the scan computes of a tag name as it reads it, in lower case: every character of a
 * name (letters, digits, '-', ':') has the 0x20 bit once lowered, so `| 0x20` lowers exactly.
 * Kept to 30 bits, so that it is always a small integer (a map key without an allocation).
 */
function nameHashStep(hash: number, code: number): number {
  return (Math.imul(hash, 31) + (code | 0x20)) & 0x3fffffff;
}

/**
 * The names the scan treats apart, by their hash, so that a tag is classified without cutting its
 * name out of the page and lowering it (two strings a tag, on pages of hundreds of tags).
 */
const KNOWN_NAMES = new Map<number, { name: string; kind: number }>();
for (const name of new Set([...BLOCK_TAGS, ...RAW_TEXT, ...SKIP_TEXT])) {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = nameHashStep(hash, name.charCodeAt(i));
  const kind =
    (BLOCK_TAGS.has(name) ? BLOCK : 0) | (RAW_TEXT.has(name) ? RAW : 0) | (SKIP_TEXT.has(name) ? SKIP : 0);
  if (KNOWN_NAMES.has(hash))
    throw new Error(`tag names ${name} and ${KNOWN_NAMES.get(hash)!.name} share a hash`);
  KNOWN_NAMES.set(hash, { name, kind });
}

/** The tag names the scan treats apart, with their hash and kind (for the scan in WebAssembly, src/match/page-words.wat). */
export function scanTags(): Array<{ name: string; hash: number; kind: number }> {
  return [...KNOWN_NAMES].map(([hash, { name, kind }]) => ({ name, hash, kind }));
}

/** The kind of the tag whose name, hashed to `hash`, is `html` from `start` to `end` (0: none). */
function tagKind(html: string, start: number, end: number, hash: number): number {
  const known = KNOWN_NAMES.get(hash);
  if (!known || known.name.length !== end - start) return 0;
  for (let i = 0; i < end - start; i++) {
    if ((html.charCodeAt(start + i) | 0x20) !== known.name.charCodeAt(i)) return 0;
  }
  return known.kind;
}

/**
 * The words of HTML for fingerprinting, at the speed of a character loop: tags dropped (a block
 * tag becomes a line break, an inline one nothing, so `wo<b>rd</b>` stays one word), comments,
 * scripts, styles and the other elements `blockText` skips left out, entities decoded, and the
 * whitespace alone between two tags made one space (three quarters of a real page's text was its
 * indentation, and every stage after this one reads it). On ordinary
 * markup the words are those `markupText` finds; on broken markup they may differ a little, which
 * costs a fingerprint or two, never a false match (the full check reads the page again). Every
 * search moves forward, so the time is linear in the input; `maxChars` bounds the text kept.
 */
export function scanMarkupText(html: string, options: { maxChars?: number } = {}): string {
  return scanMarkup(html, options.maxChars ?? Number.POSITIVE_INFINITY, decodeHTML);
}

/** Entities decoded in text read as Latin-1 from UTF-8 bytes, and given back as such bytes. */
function decodeUtf8Entities(text: string): string {
  return decodeEntityBytes(Buffer.from(text, 'latin1')).toString('latin1');
}

/** Entities decoded in a piece of text held as UTF-8 bytes, given back as UTF-8 bytes. */
export function decodeEntityBytes(bytes: Buffer): Buffer {
  return Buffer.from(decodeHTML(bytes.toString('utf8')), 'utf8');
}

/**
 * `scanMarkupText` of a page held as valid UTF-8 bytes, without decoding its markup. The scan reads
 * the bytes as Latin-1, one character a byte (the markup's ASCII is the same either way, and no
 * byte of a multi-byte character is ASCII), and only the text it keeps is decoded from UTF-8 at
 * the end: on real pages, most of whose bytes are markup, scripts and styles, that halves the
 * cost of decoding the whole page and scanning it. `maxChars` counts bytes here.
 */
export function scanUtf8MarkupText(bytes: Buffer, options: { maxChars?: number } = {}): string {
  return scanUtf8MarkupBytes(bytes, options).toString('utf8');
}

/** `scanUtf8MarkupText` left in UTF-8: the text's bytes, for a reader of bytes (the archive prefilter). */
export function scanUtf8MarkupBytes(bytes: Buffer, options: { maxChars?: number } = {}): Buffer {
  const text = scanMarkup(
    bytes.toString('latin1'),
    options.maxChars ?? Number.POSITIVE_INFINITY,
    decodeUtf8Entities,
  );
  return Buffer.from(text, 'latin1');
}

/** Whether `text` from `start` to `end` is only HTML's whitespace (space, tab, line feed, form feed, carriage return). */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x0a && code !== 0x09 && code !== 0x0d && code !== 0x0c) return false;
  }
  return true;
}

function scanMarkup(html: string, maxChars: number, decodeEntities: (text: string) => string): string {
  const parts: string[] = [];
  let kept = 0;
  /** Keep the page's text from `start` to `end` (cut out only when it is not blank). */
  const keep = (start: number, end: number) => {
    if (kept >= maxChars || end <= start) return;
    // Most of what lies between a real page's tags is its indentation: one space says as much.
    if (isBlank(html, start, end)) {
      parts.push(' ');
      kept++;
      return;
    }
    const text = html.slice(start, end);
    const decoded = text.includes('&') ? decodeEntities(text) : text;
    const piece = decoded.length > maxChars - kept ? decoded.slice(0, maxChars - kept) : decoded;
    parts.push(piece);
    kept += piece.length;
  };
  const length = html.length;
  let at = 0;
  while (at < length && kept < maxChars) {
    const open = html.indexOf('<', at);
    if (open < 0) {
      keep(at, length);
      break;
    }
    const next = html.charCodeAt(open + 1);
    if (next === 0x21 /* ! */) {
      keep(at, open);
      if (html.startsWith('<!--', open)) {
        const close = html.indexOf('-->', open + 4);
        at = close < 0 ? length : close + 3;
      } else {
        const close = html.indexOf('>', open + 2);
        at = close < 0 ? length : close + 1;
      }
      continue;
    }
    const closing = next === 0x2f; /* / */
    const nameStart = closing ? open + 2 : open + 1;
    if (!isNameStart(html.charCodeAt(nameStart))) {
      // A '<' that starts no tag is text ("a < b"); a stray "</" is skipped to its '>'.
      if (closing) {
        keep(at, open);
        const close = html.indexOf('>', open + 2);
        at = close < 0 ? length : close + 1;
      } else {
        keep(at, open + 1);
        at = open + 1;
      }
      continue;
    }
    keep(at, open);
    let hash = nameHashStep(0, html.charCodeAt(nameStart));
    let nameEnd = nameStart + 1;
    for (; nameEnd < length; nameEnd++) {
      const code = html.charCodeAt(nameEnd);
      if (!isNameChar(code)) break;
      hash = nameHashStep(hash, code);
    }
    const kind = tagKind(html, nameStart, nameEnd, hash);
    // The end of the tag, past quoted attribute values (which may hold '>').
    let end = nameEnd;
    while (end < length) {
      const code = html.charCodeAt(end);
      if (code === 0x3e /* > */) break;
      if ((code === 0x22 || code === 0x27) && html.charCodeAt(end - 1) === 0x3d /* = */) {
        const quote = html.indexOf(code === 0x22 ? '"' : "'", end + 1);
        end = quote < 0 ? length : quote + 1;
        continue;
      }
      end++;
    }
    at = end + 1;
    if (kind & BLOCK) parts.push('\n');
    if (closing) continue;
    const selfClosing = html.charCodeAt(end - 1) === 0x2f;
    if (!selfClosing && kind & (RAW | SKIP)) {
      // Skipped elements are skipped whole; raw-text ones that are text (a title) are kept.
      const pattern = endTagPattern(html.slice(nameStart, nameEnd).toLowerCase());
      pattern.lastIndex = at;
      const found = pattern.exec(html);
      if (found) {
        if (!(kind & SKIP)) keep(at, found.index);
        const close = html.indexOf('>', found.index);
        at = close < 0 ? length : close + 1;
        if (kind & BLOCK) parts.push('\n');
      } else if (kind & RAW) {
        // An unclosed raw-text element runs to the end of the document, as in the tokenizer.
        if (!(kind & SKIP)) keep(at, length);
        at = length;
      }
      // An unclosed <head> or <svg> is left open: its content is read as ordinary text.
    }
  }
  return parts.join('');
}

/**
 * The text of an HTML fragment on one line (a summary read from a feed, an excerpt of an article
 * body): `markupText` with every run of whitespace, line breaks included, made one space.
 */
export function htmlLineText(html: string, options: { maxChars?: number } = {}): string {
  return markupText(html, { ...options, normalise: false })
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Elements nested deeper than this are read as if they were siblings at this depth, as Chromium's
 * parser does at 512. Tree builders spend time in proportion to the depth on every tag, so 30,000
 * nested elements (a 150 KB page) took parse5 45 seconds; real pages stay far below a hundred.
 */
export const MAX_DEPTH = 512;

/** A page's markup bounded for the tree builder, and what was left out or flattened. */
export interface BoundedPage {
  html: string;
  /** Where the page was cut to keep `maxElements` elements, when it was. */
  cut?: number;
  /** Start and end tags dropped because they nested deeper than `maxDepth` (their text is kept). */
  flattened: number;
}

/** HTML's void elements: no content, never closed. */
export const VOID_ELEMENTS: ReadonlySet<string> = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
/**
 * Elements whose end tag may be left out (the next sibling closes them): they cannot nest in one
 * another, so they are not counted as depth, and a page of unclosed paragraphs is left as it is.
 */
const OPTIONAL_END = new Set([
  'html',
  'head',
  'body',
  'p',
  'li',
  'dt',
  'dd',
  'option',
  'optgroup',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'colgroup',
  'caption',
  'rb',
  'rt',
  'rp',
  'rtc',
]);
/** SVG and MathML: there `<x/>` closes itself; in HTML it opens an element like `<x>`. */
const FOREIGN_ROOTS = new Set(['svg', 'math']);
/** An end tag closes one of this many innermost open elements, or is ignored (a stray end tag). */
const END_TAG_REACH = 16;

const NO_CALLBACK = () => {};

/**
 * The tokenizer of the last page bounded that was not too long, held until the next one: its
 * objects keep V8 from dropping the tokenizer's optimised code in a full collection between two
 * pages (see `parseDocument` in src/match/page.ts). Never read: holding it is its purpose.
 */
let _heldTokenizer: Tokenizer | undefined;
const HELD_PAGE = 1 << 20;

/**
 * Bound markup before a tree is built of it, or before any reader that keeps a stack of open elements: at most `maxElements` elements (the rest is cut) and
 * no element deeper than `maxDepth` (its tags are dropped, its text kept). One pass of a tokenizer
 * with its own small stack (htmlparser2's Parser keeps its stack with `unshift`, itself quadratic
 * in the depth), fed in slices so that it stops soon after the element limit; pages with too few
 * tags to reach either limit are not even tokenized. An end tag only ever searches a few
 * innermost elements, so every tag costs constant time.
 */
export function boundMarkup(
  html: string,
  maxElements = Number.POSITIVE_INFINITY,
  maxDepth = MAX_DEPTH,
): BoundedPage {
  // A page cannot hold more elements, or nest deeper, than it has '<' characters.
  let tags = 0;
  const enough = Math.min(maxElements, maxDepth);
  for (let at = html.indexOf('<'); at >= 0 && tags <= enough; at = html.indexOf('<', at + 1)) tags++;
  if (tags <= enough) return { html, flattened: 0 };

  const stack: Array<{ name: string; dropped: boolean }> = [];
  const omit: Array<[number, number]> = [];
  let count = 0;
  let cut: number | undefined;
  let foreign = 0;
  let name = '';
  let tagStart = 0;
  const open = (end: number, selfClosing: boolean) => {
    if (cut !== undefined) return;
    count++;
    if (count > maxElements) {
      cut = tagStart;
      return;
    }
    if (VOID_ELEMENTS.has(name) || OPTIONAL_END.has(name) || (selfClosing && foreign > 0)) return;
    const dropped = stack.length >= maxDepth;
    if (dropped) omit.push([tagStart, end + 1]);
    if (FOREIGN_ROOTS.has(name)) foreign++;
    stack.push({ name, dropped });
  };
  const tokenizer = new Tokenizer(
    { decodeEntities: false, xmlMode: false },
    {
      onopentagname(start, end) {
        name = html.slice(start, end).toLowerCase();
        tagStart = start - 1;
      },
      onopentagend: (end) => open(end, false),
      onselfclosingtag: (end) => open(end, true),
      onclosetag(start, end) {
        if (cut !== undefined) return;
        const closing = html.slice(start, end).toLowerCase();
        const reach = Math.max(0, stack.length - END_TAG_REACH);
        let at = stack.length - 1;
        while (at >= reach && stack[at]!.name !== closing) at--;
        if (at < reach) return;
        // Elements above the one closed end with it, by implication: their tags have no end to drop.
        while (stack.length > at + 1) if (FOREIGN_ROOTS.has(stack.pop()!.name)) foreign--;
        const element = stack.pop()!;
        if (FOREIGN_ROOTS.has(element.name)) foreign--;
        if (element.dropped) {
          const close = html.indexOf('>', end);
          omit.push([start - 2, close < 0 ? html.length : close + 1]);
        }
      },
      onattribdata: NO_CALLBACK,
      onattribentity: NO_CALLBACK,
      onattribend: NO_CALLBACK,
      onattribname: NO_CALLBACK,
      oncdata: NO_CALLBACK,
      oncomment: NO_CALLBACK,
      ondeclaration: NO_CALLBACK,
      onend: NO_CALLBACK,
      onprocessinginstruction: NO_CALLBACK,
      ontext: NO_CALLBACK,
      ontextentity: NO_CALLBACK,
    },
  );
  const slice = 65_536;
  for (let at = 0; at < html.length && cut === undefined; at += slice)
    tokenizer.write(html.slice(at, at + slice));
  if (html.length <= HELD_PAGE) _heldTokenizer = tokenizer;
  const end = cut ?? html.length;
  if (omit.length === 0) {
    return cut === undefined ? { html, flattened: 0 } : { html: html.slice(0, cut), cut, flattened: 0 };
  }
  const kept: string[] = [];
  let from = 0;
  for (const [start, stop] of omit.sort((a, b) => a[0] - b[0])) {
    if (start >= end) break;
    if (start > from) kept.push(html.slice(from, start));
    from = Math.max(from, stop);
  }
  if (from < end) kept.push(html.slice(from, end));
  const bounded: BoundedPage = { html: kept.join(''), flattened: omit.length };
  if (cut !== undefined) bounded.cut = cut;
  return bounded;
}
