import { join } from 'node:path';
import { z } from 'zod';
import { ruleRegistry } from '../check/rules/index.ts';
import { DEFAULT_MATCH } from '../match/identify.ts';
import { absoluteUrl } from './absolute-url.ts';
import { loadYamlFile } from './yaml.ts';

/**
 * `rules/terms.yaml`: the publisher's reprint terms. The rules list names the rules that apply,
 * each either by id or as `{ <id>: { …options } }`; options are checked against the rule's own
 * options schema, so a typo names the file, line and field.
 */

const languageTag = z
  .string()
  .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as en');

export const matchSchema = z.strictObject({
  minWords: z
    .number()
    .int()
    .min(10)
    .default(DEFAULT_MATCH.minWords)
    .describe('fewer shared words than this is never a reprint'),
  minSentences: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MATCH.minSentences)
    .describe('shared text touching fewer sentences of the article is a quotation, not a reprint'),
  passageMinWords: z
    .number()
    .int()
    .min(5)
    .default(DEFAULT_MATCH.passageMinWords)
    .describe('shared runs of fewer words are coincidence'),
  maxDocumentFrequency: z
    .number()
    .int()
    .min(2)
    .default(DEFAULT_MATCH.maxDocumentFrequency)
    .describe('a passage found in more articles than this is boilerplate'),
});

const ruleEntry = z.union([z.string(), z.record(z.string(), z.unknown())]);

export const termsFileSchema = z
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
    match: matchSchema.default({
      minWords: DEFAULT_MATCH.minWords,
      minSentences: DEFAULT_MATCH.minSentences,
      passageMinWords: DEFAULT_MATCH.passageMinWords,
      maxDocumentFrequency: DEFAULT_MATCH.maxDocumentFrequency,
    }),
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
      const rule = ruleRegistry.find((candidate) => candidate.meta.id === id);
      if (!rule) {
        context.addIssue({
          code: 'custom',
          message: `unknown rule ${JSON.stringify(id)} (known: ${ruleRegistry.map((r) => r.meta.id).join(', ')})`,
          path: typeof entry === 'string' ? ['rules', index] : ['rules', index, id],
        });
        return;
      }
      const parsed = rule.meta.optionsSchema.safeParse(raw ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          context.addIssue({
            code: 'custom',
            message: issue.message,
            path: ['rules', index, id, ...issue.path],
          });
        }
        return;
      }
      rules.push({ id, options: parsed.data });
    });
    return { ...file, rules };
  });

export type Terms = z.output<typeof termsFileSchema>;

export const TERMS_FILE = 'terms.yaml';

export function loadTerms(rulesDir: string): Terms {
  return loadYamlFile(join(rulesDir, TERMS_FILE), termsFileSchema);
}
