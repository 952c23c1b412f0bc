/**
 * Escaping for XML and HTML. XML 1.0 cannot carry most control characters at all (not even as
 * character references), so they are dropped; C1 controls and U+FFFD go too, because feed
 * validators read them as mis-decoded Windows-1252. Everything else survives exactly: carriage
 * returns and tabs are written as character references so that parsers do not normalise them.
 */

// C0 controls except tab, LF and CR; DEL and C1 controls; lone surrogates; the two non-characters
// XML forbids; the replacement character.
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFD\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text without the characters an XML 1.0 document cannot hold. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, '');
}

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

/** RFC 822 date as RSS wants it, e.g. `Sat, 07 Mar 2026 10:00:00 GMT`. */
export function rfc822(iso: string): string {
  return new Date(iso).toUTCString();
}

/** RFC 3339 in UTC without milliseconds (the Atom and JSON Feed form readers handle best). */
export function rfc3339(iso: string): string {
  return new Date(iso).toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * A URL as a feed may carry it: as stored when it is already a valid URI (RSS) or IRI (Atom, which
 * allows non-ASCII letters), else in the percent-encoded form `new URL()` gives (spaces, quotes
 * and the like are never valid in either).
 */
export function feedUri(url: string, kind: 'uri' | 'iri'): string {
  const valid =
    kind === 'uri' ? /^[!#$%&'()*+,\-./0-9:;=?@A-Z[\]_a-z~]+$/ : /^[^\s<>"{}|\\^`\u0000-\u001F\u007F]+$/u;
  if (valid.test(url)) return url;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}
