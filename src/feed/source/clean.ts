import { type DefaultTreeAdapterMap, html as namespaces, parseFragment } from 'parse5';
import { htmlLineText } from '../../text/html-text.ts';
import { validUnicode } from '../../text/xml.ts';

/**
 * Item HTML as feeds should carry it, decided by the HTML standard's own parser (parse5, the
 * algorithm browsers run) and never by patterns over the text: every item is parsed, walked and
 * written out again from an allowlist of elements, attributes and URL schemes.
 *
 * - Elements outside the list are unwrapped (their text stays); the ones that carry code, styles,
 *   other documents or forms (script, style, iframe, object, form, template…) go with everything in
 *   them. SVG and MathML go whole: their parsing rules differ from HTML's, which is where
 *   mutation-based bypasses live, and feed readers do not show them reliably anyway.
 * - Attributes outside the list go: event handlers, `style`, `srcset`, `formaction`, `id`/`name`
 *   (which let content overwrite a reader's own DOM names).
 * - URL attributes are resolved against the article's URL, as a browser would resolve them (which
 *   undoes entity-encoded and whitespace-split schemes), and kept only as http(s), mailto, or a
 *   raster image `data:` URL in `img src`.
 * - Comments, doctypes and processing instructions go.
 *
 * What comes out parses back to the same tree, so a reader's parser cannot see anything else in it.
 */

type Node = DefaultTreeAdapterMap['childNode'];
type ParentNode = DefaultTreeAdapterMap['parentNode'];
type Element = DefaultTreeAdapterMap['element'];
type TextNode = DefaultTreeAdapterMap['textNode'];

const words = (list: string) => list.trim().split(/\s+/);

/** Elements kept (all of them in the W3C feed validator's list of acceptable elements). */
const ALLOWED = new Set(
  words(`a abbr acronym address article aside audio b bdi big blockquote br caption center cite code col
    colgroup data dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr
    i img ins kbd li main mark nav ol p picture pre q rp rt ruby s samp section small source span strike
    strong sub summary sup table tbody td tfoot th thead time tr track tt u ul var video wbr`),
);

/** Elements removed with everything inside them; any other element outside ALLOWED is unwrapped. */
const DROPPED = new Set(
  words(`script style iframe frame frameset noframes noembed object embed applet param base basefont link
    meta title head noscript template xmp plaintext listing svg math form input button select option optgroup
    datalist textarea keygen isindex portal fencedframe dialog slot canvas`),
);

const GLOBAL_ATTRIBUTES = new Set(['title', 'lang', 'dir', 'class']);

const ELEMENT_ATTRIBUTES: Record<string, Set<string>> = {
  a: new Set(['href', 'hreflang', 'rel', 'type']),
  img: new Set(['src', 'alt', 'width', 'height']),
  blockquote: new Set(['cite']),
  q: new Set(['cite']),
  del: new Set(['cite', 'datetime']),
  ins: new Set(['cite', 'datetime']),
  time: new Set(['datetime']),
  data: new Set(['value']),
  td: new Set(['colspan', 'rowspan', 'headers']),
  th: new Set(['colspan', 'rowspan', 'headers', 'scope', 'abbr']),
  col: new Set(['span']),
  colgroup: new Set(['span']),
  ol: new Set(['start', 'reversed', 'type']),
  li: new Set(['value']),
  details: new Set(['open']),
  audio: new Set(['src', 'controls', 'loop', 'muted', 'preload']),
  video: new Set(['src', 'poster', 'controls', 'loop', 'muted', 'preload', 'width', 'height']),
  source: new Set(['src', 'type', 'media']),
  track: new Set(['src', 'kind', 'srclang', 'label', 'default']),
};

const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'poster']);
const SAFE_SCHEMES = new Set(['http:', 'https:']);
const RASTER_DATA_URL = /^data:image\/(?:png|gif|jpeg|webp|avif);base64,[A-Za-z0-9+/=\s]*$/i;

/** A URL attribute's value as the item may carry it, or undefined to drop the attribute. */
function safeUrl(value: string, attribute: string, element: string, baseUrl: string): string | undefined {
  let url: URL;
  try {
    // The URL parser strips the tabs, newlines and leading controls browsers strip (`java\tscript:`).
    url = new URL(value, baseUrl);
  } catch {
    return undefined;
  }
  if (SAFE_SCHEMES.has(url.protocol)) return url.href;
  if (url.protocol === 'mailto:' && attribute === 'href') return url.href;
  if (url.protocol === 'data:' && element === 'img' && attribute === 'src' && RASTER_DATA_URL.test(url.href))
    return url.href;
  return undefined;
}

function isElement(node: Node): node is Element {
  return 'tagName' in node;
}

/** Clean the children of `parent` in place; unwrapped elements' children are cleaned in their place. */
function cleanChildren(parent: ParentNode, baseUrl: string): void {
  const kept: Node[] = [];
  for (const node of parent.childNodes) {
    if (node.nodeName === '#text') {
      kept.push(node);
      continue;
    }
    if (!isElement(node)) continue; // comments, doctypes
    const name = node.tagName;
    if (node.namespaceURI !== namespaces.NS.HTML || DROPPED.has(name)) continue;
    cleanChildren(node, baseUrl);
    if (!ALLOWED.has(name)) {
      for (const child of node.childNodes) {
        child.parentNode = parent;
        kept.push(child);
      }
      continue;
    }
    node.attrs = node.attrs.filter((attribute) => {
      if (attribute.namespace) return false;
      const attributeName = attribute.name;
      if (!GLOBAL_ATTRIBUTES.has(attributeName) && !ELEMENT_ATTRIBUTES[name]?.has(attributeName))
        return false;
      if (!URL_ATTRIBUTES.has(attributeName)) return true;
      const url = safeUrl(attribute.value, attributeName, name, baseUrl);
      if (url === undefined) return false;
      attribute.value = url;
      return true;
    });
    kept.push(node);
  }
  parent.childNodes = kept;
}

const VOID = new Set(words('area br col embed hr img source track wbr'));
const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\u00A0': '&nbsp;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, '"': '&quot;' };

/**
 * The cleaned tree as HTML. Unlike the standard serialiser, `<` and `>` are escaped in attribute
 * values too, so that no tag-shaped text is left for a reader that scans HTML with patterns.
 */
function serializeChildren(parent: ParentNode): string {
  let out = '';
  for (const node of parent.childNodes) {
    if (node.nodeName === '#text') {
      out += (node as TextNode).value.replace(/[&<>\u00A0]/g, (c) => TEXT_ESCAPES[c]!);
    } else if (isElement(node)) {
      out += `<${node.tagName}`;
      for (const attribute of node.attrs)
        out += ` ${attribute.name}="${attribute.value.replace(/[&<>"\u00A0]/g, (c) => ATTRIBUTE_ESCAPES[c]!)}"`;
      out += '>';
      if (VOID.has(node.tagName)) continue;
      // The parser drops one newline right after <pre>: write one more so that the text survives.
      const first = node.childNodes[0];
      if (node.tagName === 'pre' && first?.nodeName === '#text' && (first as TextNode).value.startsWith('\n'))
        out += '\n';
      out += `${serializeChildren(node)}</${node.tagName}>`;
    }
  }
  return out;
}

/** The article HTML made safe to syndicate; relative URLs are resolved against `baseUrl`. */
export function cleanHtml(html: string, baseUrl: string): string {
  // Lone surrogates first: the parser would pair two low ones into a code point that does not exist.
  const fragment = parseFragment(validUnicode(html));
  cleanChildren(fragment, baseUrl);
  return serializeChildren(fragment);
}

/** Plain text of some HTML, whitespace collapsed, cut at a word boundary near `length`. */
export function excerpt(html: string, length = 280): string {
  // Most bodies give enough text in their first few kilobytes; only a body heavy with markup is read whole.
  const collapse = (part: string) => htmlLineText(part);
  let text = collapse(html.slice(0, length * 12));
  if (text.length <= length && html.length > length * 12) text = collapse(html);
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  const space = cut.lastIndexOf(' ');
  return `${(space > length / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}
