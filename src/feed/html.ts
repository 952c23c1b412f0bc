import { load } from 'cheerio';
import { escapeHtml } from './text.ts';

/**
 * Item HTML as feeds should carry it: no scripts or other active content (readers strip them and
 * the W3C validator warns), no event-handler or style attributes, and every link and image URL
 * absolute (a reprint that copies the HTML must still point at the publisher). Clean HTML, the
 * common case, passes through byte for byte; only HTML that needs a change is parsed and
 * re-serialised.
 */

/** Elements the W3C feed validator accepts in feed HTML. */
const ALLOWED = new Set(
  (
    'a abbr acronym address area article aside audio b bdi big blockquote br button canvas caption center ' +
    'cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em fieldset figcaption ' +
    'figure footer font header h1 h2 h3 h4 h5 h6 hgroup hr i img ins kbd label legend li main map mark menu ' +
    'meter nav ol optgroup option output p picture pre progress q rp rt ruby s samp section small source ' +
    'span strike strong sub summary sup table tbody td time tfoot th thead tr track tt u ul var video wbr'
  ).split(' '),
);

/** Elements removed with everything inside them; any other unknown element is unwrapped. */
const DROPPED = new Set(
  (
    'script style iframe frame frameset noframes object embed applet base link meta title head noscript ' +
    'template xmp plaintext svg math form input select textarea'
  ).split(' '),
);

const URL_ATTRIBUTES = ['href', 'src', 'cite', 'poster', 'longdesc', 'usemap', 'action'];

const TAG = /<([A-Za-z][A-Za-z0-9-]*)/g;
const RISKY_ATTRIBUTE = /\s(?:on[a-z]+|style|srcset|formaction|xmlns(?::\w+)?)\s*=/i;
const URL_ATTRIBUTE =
  /\s(?:href|src|cite|poster|longdesc|usemap|action)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const ABSOLUTE = /^(?:https?:\/\/|mailto:)/i;

/**
 * What an item's HTML needs: nothing (the common case), only its relative links made absolute
 * (done in place, cheaply), or a parse (anything riskier).
 */
function cleaningNeeded(html: string, baseUrl: string): 'none' | 'links' | 'parse' {
  if (html.includes('<!') || html.includes('<?')) return 'parse'; // comments, CDATA, doctype, PIs
  for (const match of html.matchAll(TAG)) {
    if (!ALLOWED.has(match[1]!.toLowerCase())) return 'parse';
  }
  if (RISKY_ATTRIBUTE.test(html)) return 'parse';
  let needed: 'none' | 'links' = 'none';
  for (const match of html.matchAll(URL_ATTRIBUTE)) {
    const value = (match[1] ?? match[2] ?? match[3] ?? '').trim();
    if (ABSOLUTE.test(value)) continue;
    // Only plain relative references are rewritten in place; anything with other character
    // references or its own scheme goes through the parser.
    const plain = value.replaceAll('&amp;', '&');
    if (value.replaceAll('&amp;', '').includes('&') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(plain))
      return 'parse';
    if (!absolute(plain, baseUrl)) return 'parse';
    needed = 'links';
  }
  return needed;
}

const TAG_TEXT = /<[A-Za-z][^>]*>/g;
const URL_ATTRIBUTE_IN_TAG =
  /(\s(?:href|src|cite|poster|longdesc|usemap|action)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/gi;

/** Relative URLs in attributes made absolute, the rest of the HTML left byte for byte. */
function absolutizeLinks(html: string, baseUrl: string): string {
  return html.replace(TAG_TEXT, (tag) =>
    tag.replace(
      URL_ATTRIBUTE_IN_TAG,
      (whole, prefix: string, double?: string, single?: string, bare?: string) => {
        const value = (double ?? single ?? bare ?? '').trim();
        if (ABSOLUTE.test(value)) return whole;
        const resolved = absolute(value.replaceAll('&amp;', '&'), baseUrl);
        if (resolved === undefined) return whole;
        return `${prefix}"${resolved.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"`;
      },
    ),
  );
}

function absolute(value: string, base: string): string | undefined {
  try {
    const url = new URL(value.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:'
      ? url.href
      : undefined;
  } catch {
    return undefined;
  }
}

/** The article HTML made safe to syndicate; relative URLs are resolved against `baseUrl`. */
export function cleanHtml(html: string, baseUrl: string): string {
  const needed = cleaningNeeded(html, baseUrl);
  if (needed === 'none') return html;
  if (needed === 'links') return absolutizeLinks(html, baseUrl);
  const $ = load(html, null, false);
  for (const node of $('*').toArray()) {
    if (!('tagName' in node)) continue;
    const name = node.tagName.toLowerCase();
    const element = $(node);
    if (DROPPED.has(name)) {
      element.remove();
      continue;
    }
    for (const attribute of Object.keys(node.attribs)) {
      const lower = attribute.toLowerCase();
      if (lower.startsWith('on') || lower === 'style' || lower === 'srcset' || lower.startsWith('xmlns')) {
        element.removeAttr(attribute);
      } else if (URL_ATTRIBUTES.includes(lower)) {
        const resolved = absolute(node.attribs[attribute]!, baseUrl);
        if (resolved === undefined) element.removeAttr(attribute);
        else element.attr(attribute, resolved);
      }
    }
  }
  // Unwrap unknown elements innermost first, so that nothing inside them is lost.
  for (const node of $('*').toArray().reverse()) {
    if (!('tagName' in node)) continue;
    if (!ALLOWED.has(node.tagName.toLowerCase())) $(node).replaceWith($(node).contents());
  }
  const comments = (nodes: ReturnType<typeof $>) =>
    nodes.filter((_index, node) => node.type === 'comment' || node.type === 'directive');
  comments($.root().contents()).remove();
  comments($('*').contents()).remove();
  return $.root().html() ?? '';
}

const INLINE =
  /^(?:a|abbr|b|bdi|bdo|cite|code|data|dfn|em|i|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var)$/i;
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00A0',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  copy: '©',
};
const decodedEntities = new Map<string, string>();

function decodeEntity(entity: string, body: string): string {
  if (body.startsWith('#')) {
    const code =
      body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
    return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  }
  const known = NAMED_ENTITIES[body];
  if (known !== undefined) return known;
  // The rare other named references go through a real HTML parser, once each.
  let decoded = decodedEntities.get(entity);
  if (decoded === undefined) {
    decoded = load(entity, null, false).root().text();
    decodedEntities.set(entity, decoded);
  }
  return decoded;
}

/** The text of some HTML: elements that hold no text dropped, tags removed, references decoded. */
export function htmlText(html: string): string {
  return html
    .replace(/<(script|style|template|noscript)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, ' ')
    .replace(/<\/?([A-Za-z][A-Za-z0-9-]*)\b[^>]*>/g, (_tag, name: string) => (INLINE.test(name) ? '' : ' '))
    .replace(/&(#[xX][0-9A-Fa-f]+|#\d+|[A-Za-z][A-Za-z0-9]*);/g, decodeEntity);
}

/** Plain text of some HTML, whitespace collapsed, cut at a word boundary near `length`. */
export function excerpt(html: string, length = 280): string {
  // Most bodies give enough text in their first few kilobytes; only a body heavy with markup is read whole.
  const collapse = (part: string) => htmlText(part).replace(/\s+/g, ' ').trim();
  let text = collapse(html.slice(0, length * 12));
  if (text.length <= length && html.length > length * 12) text = collapse(html);
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  const space = cut.lastIndexOf(' ');
  return `${(space > length / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

/** Plain text as an HTML paragraph. */
export function paragraph(text: string): string {
  return `<p>${escapeHtml(text)}</p>`;
}

/** Fill `{name}` placeholders with HTML-escaped values (unknown names are left as they are). */
export function fillTemplate(template: string, values: Record<string, string>, asHtml = true): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    return asHtml ? escapeHtml(value) : value;
  });
}

/** "A", "A and B", "A, B and C". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
