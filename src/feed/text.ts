/**
 * Text as the feeds carry it, and escaping for XML and HTML.
 *
 * One rule for every format (`feedText`): a lone UTF-16 surrogate (half of a character, not text)
 * becomes U+FFFD; Unicode noncharacters, C0 controls other than tab, LF and CR, DEL and C1 controls
 * are dropped (XML 1.0 cannot carry most of them even as references, and readers take C1 controls
 * for mis-decoded Windows-1252). The XML formats then keep U+FFFD only where HTML is carried, as the
 * HTML reference `&#xFFFD;` (the W3C validator warns about the raw character, a reader shows the
 * same thing); in XML plain text it is dropped. Carriage returns and tabs are written as character
 * references so that XML parsers do not normalise them.
 */

const LONE_SURROGATE = /[\uD800-\uDFFF]/gu;
const NOT_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\p{Noncharacter_Code_Point}/gu;

/** The text every format carries: valid Unicode, nothing a feed cannot hold. */
export function feedText(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(NOT_TEXT, '');
}

/** The text without the characters XML plain text in a feed cannot hold. */
export function xmlSafe(text: string): string {
  return feedText(text).replaceAll('\uFFFD', '');
}

/**
 * HTML for an XML element's character data (RSS description and content:encoded, Atom html
 * constructs): U+FFFD as an HTML reference, then escaped for XML.
 */
export function xmlHtml(html: string): string {
  return xmlText(feedText(html).replaceAll('\uFFFD', '&#xFFFD;'));
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

const TEXT_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\r': '&#13;',
};
const ATTRIBUTE_ESCAPES: Record<string, string> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
};

/** Character data for an XML element. */
export function xmlText(text: string): string {
  return xmlSafe(text).replace(/[&<>\r]/g, (char) => TEXT_ESCAPES[char]!);
}

/** A double-quoted XML attribute value (without the quotes). */
export function xmlAttribute(text: string): string {
  return xmlSafe(text).replace(/[&<>"\r\n\t]/g, (char) => ATTRIBUTE_ESCAPES[char]!);
}

/**
 * Character data for an RSS element that holds plain text (a title, a name). The RSS Best Practices
 * Profile asks for `<` and `&` as hexadecimal references there, which tells readers (and the W3C
 * validator) that the text is plain, not HTML.
 */
export function rssPlainText(text: string): string {
  return xmlSafe(text).replace(/[&<>\r]/g, (char) =>
    char === '&' ? '&#x26;' : char === '<' ? '&#x3C;' : TEXT_ESCAPES[char]!,
  );
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Plain text made safe inside HTML text or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

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
