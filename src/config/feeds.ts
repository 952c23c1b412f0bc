import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { configError } from '../errors.ts';
import { absoluteUrl } from './absolute-url.ts';
import { loadYamlFile } from './yaml.ts';

/**
 * `feeds/*.yaml`: one file a feed, plus `feeds/publisher.yaml`, the publisher's identity and the
 * attribution that every syndicated item carries.
 */

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const languageTag = z
  .string()
  .regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as en or pt-BR');

/** Placeholders an attribution or copyright template may use; values are HTML-escaped. */
const TEMPLATE_FIELDS = ['publisher', 'home', 'title', 'url', 'authors', 'year', 'copyright'] as const;

const template = (allowed: readonly string[]) =>
  z.string().superRefine((text, context) => {
    for (const match of text.matchAll(/\{(\w+)\}/g)) {
      if (!allowed.includes(match[1]!)) {
        context.addIssue({
          code: 'custom',
          message: `unknown placeholder {${match[1]}}; use ${allowed.map((name) => `{${name}}`).join(', ')}`,
        });
      }
    }
  });

export const publisherSchema = z
  .strictObject({
    name: nonEmpty.describe('the name every credit must carry'),
    home: absoluteUrl.describe("the publisher's home page"),
    feedBase: absoluteUrl
      .refine((url) => url.endsWith('/'), 'must end with /')
      .describe('where the built feeds are served from; self links are this plus the file name'),
    language: languageTag.describe('language of the feeds unless a feed or an article says otherwise'),
    logo: absoluteUrl.optional().describe('a wide logo for feed readers'),
    icon: absoluteUrl.optional().describe('a small square icon'),
    copyright: nonEmpty.describe('the copyright line of the feeds themselves'),
    itemCopyright: template(['publisher', 'authors', 'year'])
      .default('Copyright © {authors}, {publisher}, {year}')
      .describe(
        "each item's copyright line unless the article has its own rights; {authors} falls back to the publisher",
      ),
    attribution: template(TEMPLATE_FIELDS)
      .refine((text) => /href="\{url\}"/.test(text), 'must link to the original article with href="{url}"')
      .refine((text) => text.includes('{copyright}'), 'must carry the copyright line {copyright}')
      .describe('HTML appended to every item: the source named, the copyright line, a link to the original'),
    schemes: z
      .record(nonEmpty, absoluteUrl)
      .default({})
      .describe('category scheme name to URI, for Atom (which wants a URI); default home + schemes/NAME'),
    hubs: z
      .array(absoluteUrl)
      .max(10)
      .default([])
      .refine((hubs) => new Set(hubs).size === hubs.length, 'lists a hub twice')
      .describe(
        'WebSub hubs: every feed links them (rel="hub"), and `build` notifies them of the feeds it changed',
      ),
  })
  .superRefine((publisher, context) => {
    if (!publisher.attribution.includes('{publisher}') && !publisher.attribution.includes(publisher.name)) {
      context.addIssue({
        code: 'custom',
        message: 'must name the source: {publisher} or the publisher name',
        path: ['attribution'],
      });
    }
  });

export const FORMATS = ['rss', 'atom', 'json'] as const;
export type FeedFormat = (typeof FORMATS)[number];

const feedFilterSchema = z.strictObject({
  categories: z
    .record(nonEmpty, z.array(nonEmpty).min(1))
    .optional()
    .describe('scheme to terms ("*" for any scheme): an article must have one term of every scheme listed'),
  authors: z.array(nonEmpty).min(1).optional().describe('an article must be by one of these'),
  tags: z.array(nonEmpty).min(1).optional().describe('an article must have one of these tags'),
  language: languageTag
    .optional()
    .describe('articles in this language (or a regional variant); unmarked ones count as the publisher’s'),
});

export const feedDefinitionSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes')
      .describe('names the output files: ID.xml, ID.atom, ID.json'),
    title: nonEmpty,
    description: nonEmpty.optional(),
    language: languageTag.optional().describe('default: the filter language, else the publisher language'),
    filter: feedFilterSchema.default({}),
    limit: z.number().int().min(1).max(1000).default(50).describe('newest items kept'),
    content: z.enum(['full', 'summary']).default('full').describe('full article HTML, or the summary only'),
    formats: z
      .array(z.enum(FORMATS))
      .min(1)
      .default([...FORMATS])
      .refine((formats) => new Set(formats).size === formats.length, 'lists a format twice'),
    attribution: z.boolean().default(true).describe('append the publisher attribution block to every item'),
    tombstones: z
      .boolean()
      .default(false)
      .describe(
        'RFC 6721 tombstones in Atom for removed entries readers saw (off by default: the W3C validator warns about their namespace)',
      ),
    archive: z
      .strictObject({
        pageSize: z.number().int().min(10).max(1000).describe('items in each archive document'),
      })
      .optional()
      .describe(
        'RFC 5005 archives: older items stay reachable in archive documents of pageSize items, oldest first',
      ),
  })
  .refine((feed) => !feed.archive || feed.archive.pageSize <= feed.limit, {
    message: 'archive.pageSize must not exceed limit: the items not yet archived must fit the current feed',
    path: ['archive', 'pageSize'],
  });

export type Publisher = z.output<typeof publisherSchema>;
export type FeedDefinition = z.output<typeof feedDefinitionSchema>;

export interface FeedConfig {
  publisher: Publisher;
  feeds: FeedDefinition[];
}

export const PUBLISHER_FILE = 'publisher.yaml';

/** Read `publisher.yaml` and every other `*.yaml` of the folder as a feed definition. */
export function loadFeedConfig(dir: string): FeedConfig {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
  } catch (error) {
    throw configError(`cannot read the feeds folder: ${(error as Error).message}`, { file: dir }, error);
  }
  const publisher = loadYamlFile(join(dir, PUBLISHER_FILE), publisherSchema);
  const feeds: FeedDefinition[] = [];
  const seen = new Map<string, string>();
  for (const name of names.sort()) {
    if (basename(name).replace(/\.ya?ml$/, '') === 'publisher') continue;
    const file = join(dir, name);
    const feed = loadYamlFile(file, feedDefinitionSchema);
    const other = seen.get(feed.id);
    if (other) throw configError(`feed id ${feed.id} is also defined in ${other}`, { file, field: 'id' });
    seen.set(feed.id, file);
    feeds.push(feed);
  }
  return { publisher, feeds };
}
