import { marked } from 'marked';
import { z } from 'zod';

/**
 * The one schema of an article, as the brief defines its fields. Input is lenient where people
 * write things several ways (an author as a name or an object, a category as a string or a term
 * with a scheme); the output is one normalised shape that the store, the feeds and the matcher use.
 */

const isoDate = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO 8601 date or date-time, normalised to UTC `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export const isoDateTime = z.union([z.string(), z.date()]).transform((value, context) => {
  const text = value instanceof Date ? value.toISOString() : value.trim();
  const time = isoDate.test(text)
    ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text.replace(' ', 'T'))
    : Number.NaN;
  if (Number.isNaN(time)) {
    context.addIssue({ code: 'custom', message: `not an ISO 8601 date: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return new Date(time).toISOString();
});

export const absoluteUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: 'must be an absolute http(s) URL' },
  );

const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const personSchema = z.union([
  nonEmpty.transform((name) => ({ name })),
  z.strictObject({ name: nonEmpty, url: absoluteUrl.optional(), email: z.email().optional() }),
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
