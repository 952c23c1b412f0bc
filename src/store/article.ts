import { marked } from 'marked';
import { z } from 'zod';
import { absoluteUrl } from '../config/absolute-url.ts';

/**
 * The one schema of an article, as the brief defines its fields. Input is lenient where people
 * write things several ways (an author as a name or an object, a category as a string or a term
 * with a scheme); the output is one normalised shape that the store, the feeds and the matcher use.
 */

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * A calendar-valid ISO 8601 date or date-time (RFC 3339 and the common forms around it) as epoch
 * milliseconds, or undefined. Every field is checked against the calendar: `2026-02-30` and
 * `25:00` are not dates, whatever `Date.parse` would roll them into. A date alone is midnight UTC;
 * a date-time without a zone is read as UTC, so that the same text means the same instant on
 * every machine.
 */
export function parseIsoDate(text: string): number | undefined {
  const match = ISO_DATE.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const numbers = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d, h, mi, s] = numbers;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetRest = Number(digits.slice(2) || '0');
    if (offsetHours > 23 || offsetRest > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const milliseconds = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  return Date.UTC(y, mo - 1, d, h, mi, s, milliseconds) - offsetMinutes * 60_000;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** An ISO 8601 date or date-time, normalised to UTC `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export const isoDateTime = z.union([z.string(), z.date()]).transform((value, context) => {
  const time = value instanceof Date ? value.getTime() : parseIsoDate(value);
  if (time === undefined || Number.isNaN(time)) {
    const text = value instanceof Date ? String(value) : value.trim();
    context.addIssue({
      code: 'custom',
      message: `not an ISO 8601 date: ${JSON.stringify(text)}`,
    });
    return z.NEVER;
  }
  return new Date(time).toISOString();
});

/**
 * An e-mail address by the HTML standard's grammar (what `<input type=email>` accepts): any of
 * the RFC 5322 atom characters before the `@`, so `o'brien&sons@example.org` is one, and a host
 * name after it.
 */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const emailAddress = z
  .string()
  .trim()
  .regex(EMAIL, 'must be an e-mail address such as ana@northwind.example');

const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const personSchema = z.union([
  nonEmpty.transform((name) => ({ name })),
  z.strictObject({ name: nonEmpty, url: absoluteUrl.optional(), email: emailAddress.optional() }),
]);

/**
 * The one size limit of an article's text (its HTML, Markdown or summary), in characters. A long
 * feature is some hundred thousand; a bigger one is a mistake or an attack, and would be copied
 * into every feed and held in memory whole by the matcher.
 */
export const MAX_ARTICLE_CHARS = 1_000_000;

const articleText = z
  .string()
  .max(
    MAX_ARTICLE_CHARS,
    `is longer than ${MAX_ARTICLE_CHARS.toLocaleString('en-US')} characters, the limit for one article`,
  );

export const categorySchema = z.union([
  nonEmpty.transform((term) => ({ term })),
  z.strictObject({ term: nonEmpty, scheme: nonEmpty.optional(), label: nonEmpty.optional() }),
]);

export const articleInputSchema = z
  .strictObject({
    url: absoluteUrl,
    title: nonEmpty,
    published: isoDateTime,
    id: z.union([nonEmpty, z.number().transform(String)]).optional(),
    updated: isoDateTime.optional(),
    authors: z.union([personSchema.transform((person) => [person]), z.array(personSchema)]).optional(),
    summary: articleText.optional(),
    html: articleText.optional(),
    markdown: articleText.optional(),
    categories: z.array(categorySchema).optional(),
    tags: z.array(z.union([nonEmpty, z.number().transform(String)])).optional(),
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as en or pt-BR')
      .optional(),
    image: absoluteUrl.optional(),
    rights: z.string().optional(),
    aliases: z.array(absoluteUrl).optional(),
  })
  .refine((input) => !(input.html !== undefined && input.markdown !== undefined), {
    message: 'give either html or markdown, not both',
    path: ['markdown'],
  });

export type ArticleInput = z.input<typeof articleInputSchema>;

export interface Person {
  name: string;
  url?: string;
  email?: string;
}

export interface Category {
  term: string;
  scheme?: string;
  label?: string;
}

/** A normalised article: the shape stored and used everywhere downstream. */
export interface Article {
  id: string;
  url: string;
  title: string;
  published: string;
  updated?: string;
  authors: Person[];
  summary?: string;
  html: string;
  categories: Category[];
  tags: string[];
  language?: string;
  image?: string;
  rights?: string;
  aliases: string[];
}

/** Validate and normalise one article record; throws the zod error for the caller to place. */
export function toArticle(input: unknown): Article {
  const parsed = articleInputSchema.parse(input);
  const html = parsed.html ?? (parsed.markdown !== undefined ? renderMarkdown(parsed.markdown) : '');
  const article: Article = {
    id: parsed.id ?? parsed.url,
    url: parsed.url,
    title: parsed.title,
    published: parsed.published,
    authors: parsed.authors ?? [],
    html,
    categories: parsed.categories ?? [],
    tags: parsed.tags ?? [],
    aliases: (parsed.aliases ?? []).filter((alias) => alias !== parsed.url),
  };
  if (parsed.updated !== undefined) article.updated = parsed.updated;
  if (parsed.summary !== undefined) article.summary = parsed.summary;
  if (parsed.language !== undefined) article.language = parsed.language;
  if (parsed.image !== undefined) article.image = parsed.image;
  if (parsed.rights !== undefined) article.rights = parsed.rights;
  return article;
}

export function renderMarkdown(markdown: string): string {
  return marked.parse(markdown, { async: false, gfm: true }).trim();
}
