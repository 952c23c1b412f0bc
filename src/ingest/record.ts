import { ZodError } from 'zod';
import { zodToError } from '../config/yaml.ts';
import { inputError, type SyndicateError } from '../errors.ts';
import { type Article, toArticle } from '../store/article.ts';

/** One article read from a source, with where it came from so later checks can name the place. */
export interface ParsedRecord {
  article: Article;
  /** 1-based line in the source where the record starts, when the reader can tell. */
  line?: number;
  /** How to name the record in a message when there is no line: `item[3]`. */
  item?: string;
}

/** Where a record sits, for messages: `line 12`, `item[3]` or both. */
export function describeRecord(record: { line?: number; item?: string }): string {
  if (record.item && record.line !== undefined) return `${record.item} (line ${record.line})`;
  if (record.item) return record.item;
  return record.line !== undefined ? `line ${record.line}` : 'an earlier record';
}

/**
 * Validate one raw record with the article schema. A zod issue becomes an input error naming the
 * file, the line and the field; for feed items the field is prefixed with the item (`item[3].url`).
 */
export function validateRecord(
  input: unknown,
  place: { file: string; line?: number; item?: string },
): Article {
  try {
    return toArticle(input);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const mapped = zodToError(error, {
      file: place.file,
      makeError: inputError,
      ...(place.line !== undefined ? { line: place.line } : {}),
    });
    return throwWithItem(mapped, place.item);
  }
}

function throwWithItem(error: SyndicateError, item: string | undefined): never {
  const clear = clarifyMissing(error);
  if (!item) throw clear;
  const field = clear.where.field ? `${item}.${clear.where.field}` : item;
  throw inputError(clear.message, { ...clear.where, field }, clear.cause);
}

/** zod says "Invalid input: expected string, received undefined" for a field that is not there. */
export function clarifyMissing(error: SyndicateError): SyndicateError {
  if (!/received undefined$/.test(error.message)) return error;
  return inputError('required, but missing', error.where, error.cause);
}

/** Two records of one file with the same id or URL: an error naming both places. */
export function assertNoDuplicates(records: readonly ParsedRecord[], file: string): void {
  const seenIds = new Map<string, ParsedRecord>();
  const seenUrls = new Map<string, ParsedRecord>();
  for (const record of records) {
    const { id, url } = record.article;
    const sameId = seenIds.get(id);
    const sameUrl = seenUrls.get(url);
    const clash = sameId ? { field: 'id', value: id, other: sameId } : undefined;
    const urlClash = sameUrl ? { field: 'url', value: url, other: sameUrl } : undefined;
    const found = clash ?? urlClash;
    if (found) {
      const field = record.item ? `${record.item}.${found.field}` : found.field;
      throw inputError(
        `duplicate ${found.field} ${JSON.stringify(found.value)}: also at ${describeRecord(found.other)}`,
        { file, field, ...(record.line !== undefined ? { line: record.line } : {}) },
      );
    }
    seenIds.set(id, record);
    seenUrls.set(url, record);
  }
}

/** 1-based line of a character offset in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1))
    line++;
  return line;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Plain text from an HTML fragment (a feed's summary is often HTML; ours is text). */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return entities[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Plain text as HTML paragraphs (a JSON Feed item may carry only `content_text`). */
export function textToHtml(text: string): string {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => `<p>${paragraph.replace(/[&<>"]/g, (character) => escapes[character]!)}</p>`)
    .join('\n');
}

/** A date as the feeds write it (RFC 822 in RSS, RFC 3339 in Atom and JSON Feed) as ISO 8601. */
export function feedDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value.trim());
  // Left as written when unreadable, so that the article schema reports it with its field.
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

/** Drop undefined fields so that the strict article schema sees only what the source gave. */
export function compact<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
