import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of `src/`, as the README's Layout section writes it down, held by a test: every
 * import (static, re-export, dynamic, type-only included) must point at the importer's own layer
 * or an earlier one, and no file may reach itself through its imports. A type-only import counts:
 * it is erased at run time, but it still couples the two modules, and the next edit may make it a
 * value import.
 */

/** Earliest first. Folders in one entry are side by side: none of them imports another. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  // Text and files use nothing of the project; the logger writes terminal-safe text (src/text).
  ['text', 'files'],
  ['base'],
  ['config'],
  ['net'],
  ['store'],
  ['match'],
  ['ingest', 'feed', 'crawl'],
  ['snapshot'],
  ['check'],
  ['findings'],
  ['discover'],
  // Above discover: a queue's jobs run a site's crawl and an archive file's discover.
  ['queue'],
  ['evidence'],
  ['report'],
  ['scan'],
  ['server'],
  ['cli'],
  ['demo'],
];

/** The files directly under `src/` that every layer may use: they form the bottom layer. */
const BASE_FILES = new Set(['errors.ts', 'log.ts', 'version.ts']);

/**
 * Imports against the order that other engineers of issue 9 are removing in parallel branches,
 * each as `importer file -> imported file` (paths under src/). The integrator empties this list
 * after merging them; an entry that no longer matches any import fails the test, so the list
 * cannot outlive its reason.
 */
const PENDING: ReadonlyArray<{ edge: string; why: string }> = [];

/**
 * Import cycles allowed, each named by the file that closes it. Existing migrations are never
 * edited (a project rule: they are history), and each imports the `Migration` type from the list
 * that imports it; the edge is type-only, so it has no effect at run time.
 */
const ALLOWED_CYCLE_EDGES: ReadonlySet<string> = new Set(
  [
    '001-articles',
    '002-fingerprints',
    '003-crawl',
    '004-findings',
    '005-judgements',
    '006-discoveries',
    '007-article-revisions',
    '008-evidence',
    '009-review-indexes',
    '010-uncertain-verdict',
    '011-site-results',
    '012-deadlines',
    '013-prefilter',
  ].map((name) => `store/migrations/${name}.ts -> store/migrations/index.ts`),
);

interface ImportSite {
  specifier: string;
  line: number;
  typeOnly: boolean;
  dynamic: boolean;
}

type Token = { kind: 'word' | 'string' | 'punct'; value: string; line: number };

/**
 * A small lexer for TypeScript, enough to find import specifiers and nothing else: it skips
 * comments, reads string and template literals (with `${}` nesting) and regular expression
 * literals, so that text that merely looks like an import is never taken for one.
 */
function tokenise(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  let line = 1;
  // Nesting of template literals: each entry counts the braces open inside one `${`.
  const templates: number[] = [];
  const regexAllowed = (): boolean => {
    const previous = tokens[tokens.length - 1];
    if (!previous) return true;
    if (previous.kind === 'string') return false;
    if (previous.kind === 'word') {
      return /^(?:return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/.test(
        previous.value,
      );
    }
    return !/^[)\]}]$/.test(previous.value);
  };
  const readTemplate = (): void => {
    // Called just after a backtick or a closing `}` of a substitution.
    while (index < source.length) {
      const char = source[index]!;
      if (char === '\\') {
        index += 2;
        continue;
      }
      if (char === '\n') line++;
      if (char === '`') {
        index++;
        tokens.push({ kind: 'string', value: '`', line });
        return;
      }
      if (char === '$' && source[index + 1] === '{') {
        index += 2;
        templates.push(0);
        tokens.push({ kind: 'punct', value: '${', line });
        return;
      }
      index++;
    }
  };
  while (index < source.length) {
    const char = source[index]!;
    const next = source[index + 1];
    if (char === '\n') {
      line++;
      index++;
    } else if (/\s/.test(char)) {
      index++;
    } else if (char === '/' && next === '/') {
      while (index < source.length && source[index] !== '\n') index++;
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', index + 2);
      const stop = end === -1 ? source.length : end + 2;
      for (let at = index; at < stop; at++) if (source[at] === '\n') line++;
      index = stop;
    } else if (char === "'" || char === '"') {
      const start = line;
      let value = '';
      index++;
      while (index < source.length && source[index] !== char) {
        if (source[index] === '\\') {
          value += source[index + 1] ?? '';
          index += 2;
        } else {
          if (source[index] === '\n') line++;
          value += source[index];
          index++;
        }
      }
      index++;
      tokens.push({ kind: 'string', value, line: start });
    } else if (char === '`') {
      index++;
      readTemplate();
    } else if (char === '}' && templates.length > 0 && templates[templates.length - 1] === 0) {
      templates.pop();
      index++;
      readTemplate();
    } else if (char === '/' && regexAllowed()) {
      let inClass = false;
      index++;
      while (index < source.length && source[index] !== '\n') {
        const at = source[index]!;
        if (at === '\\') {
          index += 2;
          continue;
        }
        if (at === '[') inClass = true;
        else if (at === ']') inClass = false;
        else if (at === '/' && !inClass) break;
        index++;
      }
      index++;
      while (index < source.length && /[a-z]/i.test(source[index]!)) index++;
      tokens.push({ kind: 'string', value: '/regexp/', line });
    } else if (/[A-Za-z_$0-9]/.test(char)) {
      let end = index;
      while (end < source.length && /[A-Za-z_$0-9]/.test(source[end]!)) end++;
      tokens.push({ kind: 'word', value: source.slice(index, end), line });
      index = end;
    } else {
      if (templates.length > 0) {
        if (char === '{') templates[templates.length - 1]!++;
        else if (char === '}') templates[templates.length - 1]!--;
      }
      tokens.push({ kind: 'punct', value: char, line });
      index++;
    }
  }
  return tokens;
}

/** Every module specifier a TypeScript or JavaScript file imports or re-exports. */
function importsOf(source: string): ImportSite[] {
  const tokens = tokenise(source);
  const found: ImportSite[] = [];
  const isStatementStart = (at: number): boolean => {
    const previous = tokens[at - 1];
    return !previous || (previous.kind === 'punct' && /^[;{}]$/.test(previous.value));
  };
  for (let at = 0; at < tokens.length; at++) {
    const token = tokens[at]!;
    if (token.kind !== 'word') continue;
    const next = tokens[at + 1];
    if (token.value === 'import' && next?.value === '(') {
      const argument = tokens[at + 2];
      if (argument?.kind === 'string' && argument.value !== '`' && tokens[at + 3]?.value === ')') {
        found.push({ specifier: argument.value, line: argument.line, typeOnly: false, dynamic: true });
      } else {
        throw new Error(`line ${token.line}: an import() whose module is not a plain string`);
      }
      continue;
    }
    if ((token.value !== 'import' && token.value !== 'export') || !isStatementStart(at)) continue;
    if (token.value === 'import' && next?.kind === 'string') {
      found.push({ specifier: next.value, line: next.line, typeOnly: false, dynamic: false });
      continue;
    }
    const clause = next?.value === 'type' ? tokens[at + 2]?.value : next?.value;
    if (token.value === 'export' && clause !== '*' && clause !== '{') {
      continue; // export const, function, class, type X = …: no module specifier
    }
    if (token.value === 'import' && (next?.value === '.' || next?.value === '(')) continue;
    // Read to the end of the clause: `from 'x'`, or a `;` / a new statement for `export { a }`.
    const typeOnly = next?.value === 'type' && tokens[at + 2]?.value !== 'from';
    let depth = 0;
    for (let scan = at + 1; scan < tokens.length; scan++) {
      const part = tokens[scan]!;
      if (part.value === '{') depth++;
      else if (part.value === '}') depth--;
      if (depth === 0 && part.kind === 'word' && part.value === 'from') {
        const target = tokens[scan + 1];
        if (target?.kind !== 'string') throw new Error(`line ${part.line}: 'from' without a module name`);
        found.push({ specifier: target.value, line: target.line, typeOnly, dynamic: false });
        break;
      }
      if (depth === 0 && part.value === ';') break;
      if (depth === 0 && part.kind === 'word' && scan > at + 2 && /^(?:import|export)$/.test(part.value))
        break;
      if (depth < 0) break;
    }
  }
  return found;
}

const root = resolve(import.meta.dirname, '..');
const srcRoot = join(root, 'src');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(?:ts|js|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Path under src/ with forward slashes, as the messages and the allowances write it. */
function name(path: string): string {
  return relative(srcRoot, path).split(sep).join('/');
}

function layerOf(path: string): string | undefined {
  const parts = name(path).split('/');
  if (parts.length === 1) return BASE_FILES.has(parts[0]!) ? 'base' : undefined;
  return parts[0];
}

function rankOf(layer: string): number {
  return LAYERS.findIndex((group) => group.includes(layer));
}

interface Edge {
  from: string;
  to: string;
  line: number;
  typeOnly: boolean;
}

function graph(): { files: string[]; edges: Edge[]; unresolved: string[] } {
  const files = sourceFiles(srcRoot).sort();
  const edges: Edge[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    for (const site of importsOf(readFileSync(file, 'utf8'))) {
      if (!site.specifier.startsWith('.')) continue; // packages and node: builtins
      const target = resolve(dirname(file), site.specifier);
      if (!existsSync(target) || !target.startsWith(srcRoot + sep)) {
        unresolved.push(`${name(file)}:${site.line}: ${site.specifier}`);
        continue;
      }
      edges.push({ from: name(file), to: name(target), line: site.line, typeOnly: site.typeOnly });
    }
  }
  return { files: files.map(name), edges, unresolved };
}

/** Each cycle once, as a list of files, found by Tarjan's strongly connected components. */
function cycles(files: string[], edges: Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const edge of edges) {
    if (!ALLOWED_CYCLE_EDGES.has(`${edge.from} -> ${edge.to}`)) next.get(edge.from)!.push(edge.to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || next.get(file)!.includes(file)) found.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}

describe('importsOf', () => {
  it('finds static, re-exported, dynamic and type-only imports, however they are written', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from './b.ts';",
      'import c, { type D,',
      "  e } from './c.ts';",
      "import './side-effect.ts';",
      "export { f } from './f.ts';",
      "export type { G } from './g.ts';",
      "export * as h from './h.ts';",
      "const { i } = await import('./i.ts');",
      'export const quoted = "import x from \'./not-an-import.ts\'";',
      "// import { y } from './commented.ts';",
      "/* export * from './block-comment.ts'; */",
      "const pattern = /['\"]from '.\\/regexp.ts'/g;",
      "const template = `import z from './template.ts' \u0024{ { k: '}' }.k } text`;",
      'export { local };',
      "const url = new URL('./worker.ts', import.meta.url);",
      'export function later() { return 1 / 2; }',
      "import type Default from './default-type.ts';",
    ].join('\n');
    expect(importsOf(source)).toEqual([
      { specifier: './a.ts', line: 1, typeOnly: false, dynamic: false },
      { specifier: './b.ts', line: 2, typeOnly: true, dynamic: false },
      { specifier: './c.ts', line: 4, typeOnly: false, dynamic: false },
      { specifier: './side-effect.ts', line: 5, typeOnly: false, dynamic: false },
      { specifier: './f.ts', line: 6, typeOnly: false, dynamic: false },
      { specifier: './g.ts', line: 7, typeOnly: true, dynamic: false },
      { specifier: './h.ts', line: 8, typeOnly: false, dynamic: false },
      { specifier: './i.ts', line: 9, typeOnly: false, dynamic: true },
      { specifier: './default-type.ts', line: 18, typeOnly: true, dynamic: false },
    ]);
  });

  it('refuses an import() it cannot read, rather than missing an edge', () => {
    expect(() => importsOf('const m = await import(`./\u0024{name}.ts`);')).toThrow(/not a plain string/);
  });
});

describe('the layers of src/', () => {
  const { files, edges, unresolved } = graph();

  it('reads a graph of the whole tree', () => {
    // A lexer that lost its place would find few imports; these bounds catch that.
    expect(files.length).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(files.length);
    expect(unresolved).toEqual([]);
  });

  it('puts every file in a layer of the documented order', () => {
    const homeless = files.filter((file) => {
      const layer = layerOf(join(srcRoot, file));
      return layer === undefined || rankOf(layer) === -1;
    });
    expect(homeless).toEqual([]);
  });

  it('imports only from its own layer or earlier ones', () => {
    const against: string[] = [];
    const pending = new Set(PENDING.map((entry) => entry.edge));
    const used = new Set<string>();
    for (const edge of edges) {
      const from = layerOf(join(srcRoot, edge.from))!;
      const to = layerOf(join(srcRoot, edge.to))!;
      if (from === to || rankOf(to) < rankOf(from)) continue;
      const key = `${edge.from} -> ${edge.to}`;
      if (pending.has(key)) {
        used.add(key);
        continue;
      }
      const side = rankOf(to) === rankOf(from) ? ' (side by side: neither may import the other)' : '';
      against.push(`src/${edge.from}:${edge.line} (${from}) imports src/${edge.to} (${to})${side}`);
    }
    expect(against).toEqual([]);
    expect(PENDING.map((entry) => entry.edge).filter((key) => !used.has(key))).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const found = cycles(files, edges).map((component) => component.join(' ⇄ '));
    expect(found).toEqual([]);
  });

  it('allows only cycle edges that exist', () => {
    const present = new Set(edges.map((edge) => `${edge.from} -> ${edge.to}`));
    const typeOnly = new Set(
      edges.filter((edge) => edge.typeOnly).map((edge) => `${edge.from} -> ${edge.to}`),
    );
    expect([...ALLOWED_CYCLE_EDGES].filter((key) => !present.has(key) || !typeOnly.has(key))).toEqual([]);
  });
});
