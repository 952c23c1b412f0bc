import { escapeXmlText, validUnicode } from '../text/xml.ts';

/**
 * What only feeds need on top of `src/text/xml.ts`: HTML carried in XML, the test for plain text
 * that readers would take for markup, feed dates and URIs as each format wants them.
 */

/**
 * HTML for an XML element's character data (RSS description and content:encoded, Atom html
 * constructs): U+FFFD as an HTML reference, then escaped for XML.
 */
export function xmlHtml(html: string): string {
  return escapeValidXmlHtml(validUnicode(html));
}

/** `xmlHtml` of HTML already made valid Unicode. */
function escapeValidXmlHtml(valid: string): string {
  // U+FFFD is an HTML reference after this, so the XML escaping need not check again.
  return escapeXmlText(valid.replaceAll('\uFFFD', '&#xFFFD;'));
}

type ItemHtmlField = 'contentHtml' | 'summaryHtml';

/** An item's HTML escaped for XML (`xmlHtml`), by item and field. */
const escapedHtml = new WeakMap<object, Partial<Record<ItemHtmlField, string>>>();

/**
 * `xmlHtml` of an item's `contentHtml` or `summaryHtml`, which are valid Unicode already (see
 * `FeedItem`), made once for RSS and Atom alike.
 */
export function itemXmlHtml(item: Record<ItemHtmlField, string>, field: ItemHtmlField): string {
  let made = escapedHtml.get(item);
  if (!made) {
    made = {};
    escapedHtml.set(item, made);
  }
  made[field] ??= escapeValidXmlHtml(item[field]);
  return made[field];
}

/**
 * Plain text that readers (and the W3C validator) would take for HTML: an end tag, a comment or
 * CDATA opener, a character reference, something shaped like a named one, or `&` before a word
 * with a digit; and U+FFFD, which XML plain text cannot carry without a validator warning. Such
 * text is written HTML-escaped where a format can say so (Atom `type="html"`) or where readers
 * take it as HTML anyway (RSS), so that every reader shows the same text.
 */
export const MARKUP_LIKE =
  /<\/\w+\s*>|<!|&#|&[A-Za-z][A-Za-z0-9]*;|&\w*[\d_]|&(?:amp|lt|gt|quot|apos|nbsp|copy|reg|trade|[mn]dash|hellip|[lr][sd]quo|[lr]aquo|euro|pound|yen|cent|sect|deg|middot|bull|times|divide|shy|zwn?j|lrm|rlm)\b|\uFFFD/i;

/** Characters a URI may hold outside its host (RFC 3986, and the W3C feed validator's list). */
const URI_CHARACTER = /^[A-Za-z0-9\-._~;/?:@&=+$,!*'()#%]$/;
const SCHEME_AND_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:(?:\/\/[^/?#]*)?/;

/** Whether an IRI may hold this code point as it is (RFC 3987 ucschar, outside the query). */
function iriCharacter(codePoint: number): boolean {
  return (
    (codePoint >= 0xa0 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xf900 && codePoint <= 0xfdcf) ||
    (codePoint >= 0xfdf0 && codePoint <= 0xffef) ||
    (codePoint >= 0x10000 && codePoint < 0xe0000 && (codePoint & 0xfffe) !== 0xfffe) ||
    (codePoint >= 0xe1000 && codePoint <= 0xefffd)
  );
}

/** Percent-encode what a URI (or IRI) cannot hold after its scheme and authority. */
function encodeInvalid(url: string, kind: 'uri' | 'iri'): string {
  const head = SCHEME_AND_AUTHORITY.exec(url)?.[0] ?? '';
  let out = head;
  let fragment = false;
  const rest = [...url.slice(head.length)];
  for (const [index, character] of rest.entries()) {
    const codePoint = character.codePointAt(0)!;
    if (character === '%') {
      const valid = /^[0-9A-Fa-f]{2}$/.test((rest[index + 1] ?? '') + (rest[index + 2] ?? ''));
      out += valid ? '%' : '%25';
    } else if (character === '#') {
      out += fragment ? '%23' : '#';
      fragment = true;
    } else if (URI_CHARACTER.test(character) || (kind === 'iri' && iriCharacter(codePoint))) {
      out += character;
    } else {
      out += encodeURIComponent(
        character.length === 1 && codePoint >= 0xd800 && codePoint <= 0xdfff ? '\uFFFD' : character,
      );
    }
  }
  return out;
}

/**
 * A URL as a feed may carry it: as stored when it is already a valid URI (RSS, JSON Feed) or IRI
 * (Atom, which allows non-ASCII letters), else normalised by the URL parser (which makes the host
 * valid) and percent-encoded where it still is not (spaces, quotes, brackets, `|`, `^`, a `%` that
 * starts no escape, a second `#`).
 */
export function feedUri(url: string, kind: 'uri' | 'iri'): string {
  if (encodeInvalid(url, kind) === url) return url;
  let normalised = url;
  try {
    normalised = new URL(url).href;
  } catch {
    // Not something the URL parser reads: encode it as it is.
  }
  return encodeInvalid(normalised, kind);
}
