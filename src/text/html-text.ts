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
import { Parser } from 'htmlparser2';

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

export function markupText(html: string, options: MarkupTextOptions = {}): string {
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

/**
 * The words of HTML for fingerprinting, at the speed of a character loop: tags dropped (a block
 * tag becomes a line break, an inline one nothing, so `wo<b>rd</b>` stays one word), comments,
 * scripts, styles and the other elements `blockText` skips left out, entities decoded. On ordinary
 * markup the words are those `markupText` finds; on broken markup they may differ a little, which
 * costs a fingerprint or two, never a false match (the full check reads the page again). Every
 * search moves forward, so the time is linear in the input; `maxChars` bounds the text kept.
 */
export function scanMarkupText(html: string, options: { maxChars?: number } = {}): string {
  const maxChars = options.maxChars ?? Number.POSITIVE_INFINITY;
  const parts: string[] = [];
  let kept = 0;
  const keep = (text: string) => {
    if (kept >= maxChars || text.length === 0) return;
    const decoded = text.includes('&') ? decodeHTML(text) : text;
    const piece = decoded.length > maxChars - kept ? decoded.slice(0, maxChars - kept) : decoded;
    parts.push(piece);
    kept += piece.length;
  };
  const length = html.length;
  let at = 0;
  while (at < length && kept < maxChars) {
    const open = html.indexOf('<', at);
    if (open < 0) {
      keep(html.slice(at));
      break;
    }
    const next = html.charCodeAt(open + 1);
    if (next === 0x21 /* ! */) {
      keep(html.slice(at, open));
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
        keep(html.slice(at, open));
        const close = html.indexOf('>', open + 2);
        at = close < 0 ? length : close + 1;
      } else {
        keep(html.slice(at, open + 1));
        at = open + 1;
      }
      continue;
    }
    keep(html.slice(at, open));
    let nameEnd = nameStart + 1;
    while (nameEnd < length && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
    const name = html.slice(nameStart, nameEnd).toLowerCase();
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
    if (BLOCK_TAGS.has(name)) parts.push('\n');
    if (closing) continue;
    const selfClosing = html.charCodeAt(end - 1) === 0x2f;
    if (!selfClosing && (RAW_TEXT.has(name) || SKIP_TEXT.has(name))) {
      // Skipped elements are skipped whole; raw-text ones that are text (a title) are kept.
      const pattern = endTagPattern(name);
      pattern.lastIndex = at;
      const found = pattern.exec(html);
      if (found) {
        if (!SKIP_TEXT.has(name)) keep(html.slice(at, found.index));
        const close = html.indexOf('>', found.index);
        at = close < 0 ? length : close + 1;
        if (BLOCK_TAGS.has(name)) parts.push('\n');
      } else if (RAW_TEXT.has(name)) {
        // An unclosed raw-text element runs to the end of the document, as in the tokenizer.
        if (!SKIP_TEXT.has(name)) keep(html.slice(at));
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
