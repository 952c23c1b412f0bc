import { readFileSync } from 'node:fs';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { configError, SyndicateError, type Where } from '../errors.ts';

/**
 * Parse YAML text and validate it with a zod schema. Every error names the file, the line and the
 * field: YAML syntax errors carry their own position, zod issues are mapped back to the line of the
 * node at their path. `lineOffset` is for YAML embedded in another file (Markdown front matter).
 */
export function parseYaml<S extends z.ZodType>(
  text: string,
  schema: S,
  options: { file: string; lineOffset?: number; makeError?: typeof configError },
): z.output<S> {
  const { file, lineOffset = 0, makeError = configError } = options;
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = document.errors[0];
  if (syntax) {
    const line = lineCounter.linePos(syntax.pos[0]).line + lineOffset;
    throw makeError(`invalid YAML: ${firstLine(syntax.message)}`, { file, line }, syntax);
  }
  const result = schema.safeParse(document.toJS({ maxAliasCount: 100 }) ?? {});
  if (result.success) return result.data;
  throw zodToError(result.error, {
    file,
    makeError,
    locate: (path) => {
      const line = lineOf(document, lineCounter, path);
      return line === undefined ? undefined : line + lineOffset;
    },
  });
}

export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configError(`cannot read: ${(error as Error).message}`, { file }, error);
  }
  return parseYaml(text, schema, { file });
}

/** Zod issues listed in one error: enough for a file with a problem on every line, bounded. */
const MAX_ISSUES = 50;

/**
 * The first zod issue as a SyndicateError naming file, line (when `locate` knows it) and field;
 * the other issues ride along in `more`, so `doctor` can list every problem of a file at once.
 */
export function zodToError(
  error: z.ZodError,
  options: {
    file: string;
    makeError?: typeof configError;
    locate?: (path: PropertyKey[]) => number | undefined;
    line?: number;
  },
): SyndicateError {
  const { file, makeError = configError, locate } = options;
  const [first, ...rest] = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const where: Where = { file, field: fieldName(issue.path) || undefined };
    const line = options.line ?? locate?.(issue.path);
    if (line !== undefined) where.line = line;
    return { message: issue.message, where };
  });
  const more = rest.map(({ message, where }) => makeError(message, where));
  const head = makeError(first!.message, first!.where, error);
  return new SyndicateError(head.code, head.message, head.where, { cause: error, more });
}

function fieldName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const part of path) {
    if (typeof part === 'number') name += `[${part}]`;
    else name += name ? `.${String(part)}` : String(part);
  }
  return name;
}

/** 1-based line of the deepest node that exists along `path`. */
function lineOf(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): number | undefined {
  let offset: number | undefined = document.contents?.range?.[0];
  for (let depth = path.length; depth >= 0; depth--) {
    const node = document.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) {
      offset = node.range[0];
      // A missing key is reported on its parent mapping; point at the mapping's first line.
      break;
    }
    if (depth > 0) {
      // The key exists but its value may be null (no node): find the pair's key instead.
      const parent = document.getIn(path.slice(0, depth - 1) as unknown[], true);
      if (parent && typeof parent === 'object' && 'items' in parent) {
        const items = (parent as { items: Array<{ key?: unknown }> }).items;
        const pair = items.find(
          (item) => isNode(item.key) && (item.key as { value?: unknown }).value === path[depth - 1],
        );
        if (pair && isNode(pair.key) && pair.key.range) {
          offset = pair.key.range[0];
          break;
        }
      }
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
