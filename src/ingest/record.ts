import { ZodError } from 'zod';
import { zodToError } from '../config/yaml.ts';
import { inputError, type SyndicateError } from '../errors.ts';
import { type Article, daysInMonth, parseIsoDate, toArticle } from '../store/article.ts';
import { htmlLineText } from '../text/html-text.ts';

/** One article read from a source, with where it came from so later checks can name the place. */
export interface ParsedRecord {
  article: Article;
  /** 1-based line in the source where the record starts, when the reader can tell. */
  line?: number;
  /** How to name the record in a message when there is no line: `item[3]`. */
  item?: string;
  /** What the reader had to decide for this record (a date it took from elsewhere), for the user. */
  warnings?: RecordWarning[];
}

export interface RecordWarning {
  /** The article field the warning is about: `published`, `title`. */
  field: string;
  message: string;
}

/** What the readers of feeds need from the import around them. */
export interface ReadOptions {
  /**
   * The date for an item that has none of its own and whose feed has none either: when the store
   * already holds the article (by id, else by url), the date it was given then; else now.
   */
  firstImported?: (item: { id?: string; url?: string }) => string;
}

export const importTimeNow: NonNullable<ReadOptions['firstImported']> = () => new Date().toISOString();

/**
 * The date of a feed item that has none: the feed's own date when it has a readable one, else the
 * time the item was first imported. Returns the date and the warning that names the choice.
 */
export function undatedItem(
  feedDate: string | undefined,
  item: { id?: string; url?: string },
  options: ReadOptions,
  what: string,
): { published: string; warning: string } {
  if (feedDate !== undefined)
    return { published: feedDate, warning: `${what}: it takes the feed's own date, ${feedDate}` };
  const published = (options.firstImported ?? importTimeNow)(item);
  return {
    published,
    warning: `${what}, and neither has the feed: it takes the time it was first imported, ${published}`,
  };
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

/**
 * An RFC 3339 / ISO 8601 date from a feed (Atom, JSON Feed, dc:date) as ISO 8601 UTC. An
 * impossible date is left as written, so that the article schema reports it with its field.
 */
export function isoFeedDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = parseIsoDate(value);
  return time === undefined ? value : new Date(time).toISOString();
}

/** An RFC 3339 / ISO 8601 date as ISO 8601 UTC, or undefined when it is not a calendar-valid one. */
export function readIsoDate(value: string | undefined): string | undefined {
  const time = value === undefined ? undefined : parseIsoDate(value);
  return time === undefined ? undefined : new Date(time).toISOString();
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -5,
  edt: -4,
  cst: -6,
  cdt: -5,
  mst: -7,
  mdt: -6,
  pst: -8,
  pdt: -7,
};
const RFC_822 =
  /^(?:([A-Za-z]+)\.?,?\s*)?(\d{1,2})[\s-]+([A-Za-z]+)\.?[\s-]+(\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([A-Za-z]{1,5}|[+-]\d{2}:?\d{2}))?$/;

/**
 * An RSS date as ISO 8601 UTC, or undefined. RFC 822 (as RFC 1123 updated it) with the variants
 * that readers accept: no day of the week, a one-digit day, full or abbreviated month names, a
 * two-digit year (RFC 822's own), no seconds, a zone as an offset (`+0200`, `+02:00`), a US zone
 * name, GMT/UT/UTC/Z or none (GMT). ISO 8601, which many feeds write in pubDate, is read too.
 * Never a numeric `06/10/2025`: nobody can tell June from October there. Calendar-checked.
 */
export function rssDate(value: string): string | undefined {
  const text = value.trim().replace(/\s+/g, ' ');
  const iso = parseIsoDate(text);
  if (iso !== undefined) return new Date(iso).toISOString();
  const match = RFC_822.exec(text);
  if (!match) return undefined;
  const [, , dayText, monthText, yearText, hourText, minuteText, secondText = '0', zoneText = 'GMT'] = match;
  const monthName = monthText!.toLowerCase();
  const month = MONTHS.indexOf(monthName.slice(0, 3)) + 1;
  if (month === 0 || (monthName.length > 3 && monthName !== 'sept' && MONTH_NAMES[month - 1] !== monthName))
    return undefined;
  let year = Number(yearText);
  if (yearText!.length === 2) year += year < 50 ? 2000 : 1900;
  const [day, hour, minute, second] = [dayText, hourText, minuteText, secondText].map(Number) as [
    number,
    number,
    number,
    number,
  ];
  if (day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes: number;
  if (/^[+-]/.test(zoneText)) {
    const digits = zoneText.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2));
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zoneText[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  } else {
    const zone = ZONES[zoneText.toLowerCase()];
    if (zone === undefined) return undefined;
    offsetMinutes = zone * 60;
  }
  return new Date(
    Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000,
  ).toISOString();
}

/**
 * A title for an item that has none (RSS 2.0 asks only for a title or a description, and short
 * posts often have no title): the first words of its text, with a warning.
 */
export function untitledItem(
  html: string | undefined,
  summary: string | undefined,
): { title: string; warning: string } | undefined {
  const text = (summary ?? htmlLineText(html ?? '')).replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  const cut = text.length <= 80 ? text : `${text.slice(0, 80).replace(/\s+\S*$/, '')}…`;
  return {
    title: cut,
    warning: `the item has no title: it takes the first words of its text, ${JSON.stringify(cut)}`,
  };
}

/** Drop undefined fields so that the strict article schema sees only what the source gave. */
export function compact<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
