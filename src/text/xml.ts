/**
 * Text as XML and JSON documents carry it (the feeds, OPML), and escaping for XML.
 *
 * One rule for every format (`validUnicode`): a lone UTF-16 surrogate (half of a character, not
 * text) becomes U+FFFD; Unicode noncharacters, C0 controls other than tab, LF and CR, DEL and C1
 * controls are dropped (XML 1.0 cannot carry most of them even as references, and readers take C1
 * controls for mis-decoded Windows-1252). XML plain text then drops U+FFFD too (`xmlSafe`: the W3C
 * feed validator warns about the raw character). Carriage returns and tabs are written as
 * character references so that XML parsers do not normalise them.
 */

/**
 * What no document may hold once the text is well formed: the controls, and the noncharacters
 * (U+FDD0–U+FDEF, and the last two code points of every plane, written in UTF-16 as a high
 * surrogate whose low six bits are set followed by U+DFFE or U+DFFF). Written without the `u`
 * flag, a class of code units V8 scans quickly; with it and `\p{Noncharacter_Code_Point}` this
 * was a third of the time of a feed rebuild.
 */
const NOT_TEXT =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]/g;

/** `String.prototype.isWellFormed` and `toWellFormed` (ES2024, in every Node we support). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** Valid Unicode with nothing an XML or JSON document cannot hold. */
export function validUnicode(text: string): string {
  // A lone surrogate becomes U+FFFD first, so that every surrogate left is half of a pair.
  const wellFormed = (text as unknown as WellFormed).isWellFormed()
    ? text
    : (text as unknown as WellFormed).toWellFormed();
  return wellFormed.replace(NOT_TEXT, '');
}

/** The text without the characters XML plain text cannot hold. */
export function xmlSafe(text: string): string {
  return validUnicode(text).replaceAll('\uFFFD', '');
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
  return escapeXmlText(xmlSafe(text));
}

/** Character data for text already made safe (`xmlSafe`, or `validUnicode` where U+FFFD may stay). */
export function escapeXmlText(text: string): string {
  return text.replace(/[&<>\r]/g, (char) => TEXT_ESCAPES[char]!);
}

/** A double-quoted XML attribute value (without the quotes). */
export function xmlAttribute(text: string): string {
  return xmlSafe(text).replace(/[&<>"\r\n\t]/g, (char) => ATTRIBUTE_ESCAPES[char]!);
}

/**
 * Character data for an element whose readers take `<` and `&` as the start of markup unless they
 * are hexadecimal references (the RSS Best Practices Profile asks for them in plain-text RSS
 * elements): the text is plain, not HTML, to readers and to the W3C validator alike.
 */
export function xmlPlainText(text: string): string {
  return xmlSafe(text).replace(/[&<>\r]/g, (char) =>
    char === '&' ? '&#x26;' : char === '<' ? '&#x3C;' : TEXT_ESCAPES[char]!,
  );
}
