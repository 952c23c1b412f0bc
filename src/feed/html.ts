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

function needsCleaning(html: string): boolean {
  if (html.includes('<!') || html.includes('<?')) return true; // comments, CDATA, doctype, PIs
  for (const match of html.matchAll(TAG)) {
    if (!ALLOWED.has(match[1]!.toLowerCase())) return true;
  }
  if (RISKY_ATTRIBUTE.test(html)) return true;
  for (const match of html.matchAll(URL_ATTRIBUTE)) {
    const value = (match[1] ?? match[2] ?? match[3] ?? '').trim();
    if (!ABSOLUTE.test(value)) return true;
  }
  return false;
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
  if (!needsCleaning(html)) return html;
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

/** Plain text of some HTML, whitespace collapsed, cut at a word boundary near `length`. */
export function excerpt(html: string, length = 280): string {
  const text = load(html.slice(0, length * 20), null, false)
    .root()
    .text()
    .replace(/\s+/g, ' ')
    .trim();
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
