import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/**
 * Decoding a body to text. The charset comes from the byte-order mark, then the HTTP header, then
 * a `<meta>` (or the XML declaration); a label that is unknown, or a UTF-8 claim that the bytes
 * disprove, falls through to the next source. Labels map as browsers map them (latin1 and ASCII
 * are windows-1252 in practice).
 */

const ALIASES: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  latin1: 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  'x-sjis': 'shift_jis',
  sjis: 'shift_jis',
  ms_kanji: 'shift_jis',
  'windows-31j': 'shift_jis',
  'x-euc-jp': 'euc-jp',
  utf8: 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
};

export function canonicalCharset(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const lower = label
    .trim()
    .replace(/^["']|["']$/g, '')
    .toLowerCase();
  const name = ALIASES[lower] ?? lower;
  return iconv.encodingExists(name) ? name : undefined;
}

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType ?? '');
  return match?.[2];
}

function bomCharset(bytes: Buffer): { charset: string; length: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  return undefined;
}

/** The charset a `<meta>` or XML declaration in the first 1024 bytes names, if any. */
export function declaredCharset(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 1024).toString('latin1');
  const xml = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head);
  if (xml) return xml[1];
  const withoutComments = head.replace(/<!--[\s\S]*?-->/g, '');
  const metaCharset = /<meta[^>]*?\bcharset\s*=\s*["']?([^"'\s/>;]+)/i.exec(withoutComments);
  return metaCharset?.[1];
}

/**
 * The charset a body is decoded with, and where its text starts (after a byte-order mark). A
 * source that names UTF-8 is taken only when the bytes are valid UTF-8 (checked once, without
 * decoding them).
 */
export function bodyCharset(bytes: Buffer, contentType?: string): { charset: string; start: number } {
  const bom = bomCharset(bytes);
  if (bom) return { charset: bom.charset, start: bom.length };
  let valid: boolean | undefined;
  const validUtf8 = () => {
    valid ??= isUtf8(bytes);
    return valid;
  };
  // The document's own declaration is read only when the header names no usable charset.
  const header = charsetFromContentType(contentType);
  for (const read of [() => header, () => declaredCharset(bytes)]) {
    const label = read();
    const charset = canonicalCharset(label);
    if (!charset) continue;
    if (charset === 'utf-8') {
      if (validUtf8()) return { charset, start: 0 };
      continue;
    }
    // UTF-16 declared inside the document cannot be right: the declaration was read as ASCII.
    if (charset.startsWith('utf-16') && label !== header) continue;
    return { charset, start: 0 };
  }
  return { charset: validUtf8() ? 'utf-8' : 'windows-1252', start: 0 };
}

/** Decode `bytes`; returns the text and the charset used. */
export function decodeBody(bytes: Buffer, contentType?: string): { text: string; charset: string } {
  const found = bodyCharset(bytes, contentType);
  return { text: decodeIn(bytes, found), charset: found.charset };
}

/** The text of `bytes` in the charset `bodyCharset` found for them. */
export function decodeIn(bytes: Buffer, { charset, start }: { charset: string; start: number }): string {
  // Valid UTF-8 without a byte-order mark decodes natively (a mark further in is kept, as iconv keeps it).
  if (charset === 'utf-8' && start === 0) return bytes.toString('utf8');
  return iconv.decode(bytes.subarray(start), charset);
}
