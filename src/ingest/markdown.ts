import { ZodError, z } from 'zod';
import { parseYaml, zodToError } from '../config/yaml.ts';
import { inputError, isSyndicateError } from '../errors.ts';
import { articleInputSchema, toArticle } from '../store/article.ts';
import { clarifyMissing, type ParsedRecord } from './record.ts';

/**
 * The front matter holds the article fields except the text: the body below the closing `---` is
 * the article's Markdown, so `html`/`markdown` up there would be a second, conflicting text.
 */
const frontMatterSchema = z
  .looseObject({})
  .superRefine((fields, context) => {
    for (const key of Object.keys(fields)) {
      if (key === 'html' || key === 'markdown')
        context.addIssue({
          code: 'custom',
          path: [key],
          message: 'not allowed in front matter: the article text is the body below the closing ---',
        });
      // Reported here, on the key itself, so that the error names the key's own line.
      else if (!(key in articleInputSchema.shape))
        context.addIssue({ code: 'custom', path: [key], message: `unknown field "${key}"` });
    }
  })
  .pipe(articleInputSchema);

const fence = /^---\s*$/;
const closing = /^(?:---|\.\.\.)\s*$/;

/** One Markdown file: YAML front matter between `---` lines, the article's Markdown below it. */
export function readMarkdown(text: string, file: string): ParsedRecord[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (!fence.test(lines[0] ?? '')) {
    throw inputError('missing YAML front matter: the file must start with a line "---"', { file, line: 1 });
  }
  const end = lines.findIndex((line, index) => index > 0 && closing.test(line));
  if (end === -1) {
    throw inputError('front matter is not closed: no line "---" after the opening one', { file, line: 1 });
  }
  // Line 1 is the opening fence, so YAML line 1 is file line 2.
  let fields: z.output<typeof frontMatterSchema>;
  try {
    fields = parseYaml(lines.slice(1, end).join('\n'), frontMatterSchema, {
      file,
      lineOffset: 1,
      makeError: inputError,
    });
  } catch (error) {
    throw isSyndicateError(error) ? clarifyMissing(error) : error;
  }
  const body = lines
    .slice(end + 1)
    .join('\n')
    .trim();
  try {
    return [{ article: toArticle({ ...fields, markdown: body }), line: 1 }];
  } catch (error) {
    // The fields passed once already; only a schema that is not idempotent could fail here.
    if (error instanceof ZodError) throw zodToError(error, { file, line: 1, makeError: inputError });
    throw error;
  }
}
