import { join } from 'node:path';
import { z } from 'zod';
import { absoluteUrl } from './absolute-url.ts';
import { loadYamlFile } from './yaml.ts';

/**
 * `rules/terms.yaml`: the publisher's reprint terms. The rules list names the rules that apply,
 * each either by id or as `{ <id>: { …options } }`. Here a rule is only data (an id and its raw
 * options): which ids exist and what options each takes is the rule engine's knowledge, so
 * `src/check/terms.ts` validates them when the terms load, with the same file, line and field.
 */

const languageTag = z
  .string()
  .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as en');

/** How a page is matched to articles; the matcher's defaults are these. */
const matchSchema = z.strictObject({
  minWords: z.number().int().min(10).default(30).describe('fewer shared words than this is never a reprint'),
  minSentences: z
    .number()
    .int()
    .min(1)
    .default(3)
    .describe('shared text touching fewer sentences of the article is a quotation, not a reprint'),
  passageMinWords: z.number().int().min(5).default(8).describe('shared runs of fewer words are coincidence'),
  maxDocumentFrequency: z
    .number()
    .int()
    .min(2)
    .default(64)
    .describe('a passage found in more articles than this is boilerplate'),
});

const ruleEntry = z.union([z.string(), z.record(z.string(), z.unknown())]);

/**
 * What the rule engine says of one entry: its options, parsed, or why it is refused (`path` is
 * below the entry's rule id). The engine passes this in, so that configuration never imports it.
 */
export type RuleEntryCheck = (
  id: string,
  options: unknown,
) =>
  | { options: unknown }
  | { unknownRule: string }
  | { issues: Array<{ message: string; path: PropertyKey[] }> };

/**
 * The schema of the terms file. Without `checkRule` (the JSON Schema for editors), rule ids are
 * taken as written; `loadTerms` of `src/check/terms.ts` passes the rule engine's check.
 */
export function termsSchema(checkRule?: RuleEntryCheck) {
  return z
    .strictObject({
      publisher: z.strictObject({
        name: z.string().trim().min(1).describe('the name a credit must carry'),
        aliases: z
          .array(z.string().trim().min(1))
          .default([])
          .describe('other names and domains that count as the publisher'),
        home: absoluteUrl.describe("the publisher's home page"),
      }),
      excerptBelow: z
        .number()
        .min(0)
        .max(1)
        .default(0.3)
        .describe('coverage under which a reprint counts as an excerpt'),
      languages: z
        .array(languageTag)
        .default(['en', 'fr', 'es', 'de', 'pt', 'it'])
        .describe('languages whose credit phrases count (built in: en, fr, es, de, pt, it; all by default)'),
      // `prefault` runs the defaults above through the schema, so they are written only there.
      match: matchSchema.prefault({}),
      rules: z.array(ruleEntry).min(1).describe('rule ids, or { <rule-id>: { …options } }'),
    })
    .transform((file, context) => {
      const rules: Array<{ id: string; options: unknown }> = [];
      file.rules.forEach((entry, index) => {
        const [id, raw] = typeof entry === 'string' ? [entry, {}] : (Object.entries(entry)[0] ?? ['', {}]);
        if (typeof entry !== 'string' && Object.keys(entry).length !== 1) {
          context.addIssue({ code: 'custom', message: 'give one rule id per entry', path: ['rules', index] });
          return;
        }
        const checked = checkRule ? checkRule(id, raw ?? {}) : { options: raw ?? {} };
        if ('unknownRule' in checked) {
          context.addIssue({
            code: 'custom',
            message: checked.unknownRule,
            path: typeof entry === 'string' ? ['rules', index] : ['rules', index, id],
          });
          return;
        }
        if ('issues' in checked) {
          for (const issue of checked.issues) {
            context.addIssue({
              code: 'custom',
              message: issue.message,
              path: ['rules', index, id, ...issue.path],
            });
          }
          return;
        }
        rules.push({ id, options: checked.options });
      });
      return { ...file, rules };
    });
}

export const termsFileSchema = termsSchema();

/** The matcher's options as the terms give them, every default filled in. */
export const matchDefaults: z.output<typeof matchSchema> = matchSchema.parse({});

export type Terms = z.output<typeof termsFileSchema>;

export const TERMS_FILE = 'terms.yaml';

/**
 * The terms as written, rule ids not yet checked against the rule engine; commands load them with
 * `loadTerms` of `src/check/terms.ts`, which does.
 */
export function readTermsFile<S extends z.ZodType>(rulesDir: string, schema: S): z.output<S> {
  return loadYamlFile(join(rulesDir, TERMS_FILE), schema);
}
