/**
 * `npm run eval:import-compare -- [--old REV] [--verbose] DIR…`: reads every RSS and Atom file
 * under the folders with two readers, the streaming one `import` uses now and the rss-parser one
 * it used before (taken from git at REV, by default the last commit that had it), and compares
 * what each makes of every file, article by article and field by field. Made for local copies of
 * feeds written by others (the W3C Feed Validator's `testcases/`, feedparser's tests); it writes
 * nothing but a scratch copy of the old reader under `.eval/`, removed at the end.
 *
 * A file's bytes are decoded as `import URL` decodes a response (BOM, then the XML declaration),
 * so that feeds in other encodings are read as their authors meant, and both readers get the same
 * text. Items without a date get one fixed date from both.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isSyndicateError } from '../../src/errors.ts';
import { parseXmlFeed } from '../../src/ingest/_xml-feed.ts';
import { readAtom } from '../../src/ingest/atom.ts';
import type { ParsedRecord, ReadOptions } from '../../src/ingest/record.ts';
import { readRss } from '../../src/ingest/rss.ts';
import { decodeBody } from '../../src/net/charset.ts';

/** The last commit whose import read feeds with rss-parser. */
const DEFAULT_OLD = 'e0eeef2';
const OLD_FILES = ['_xml-feed.ts', 'rss.ts', 'atom.ts', 'record.ts', 'attribution.ts'];
const FEED_FILE = /\.(?:xml|rss|rdf|atom)$/i;
const options: ReadOptions = { firstImported: () => '2026-12-01T00:00:00.000Z' };

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Outcome = { records: ParsedRecord[] } | { error: string };
type Reader = (text: string, file: string) => Promise<Outcome>;

function feedFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...feedFiles(path));
    else if (entry.isFile() && FEED_FILE.test(entry.name)) found.push(path);
  }
  return found.sort();
}

/** What went wrong, as the user would see it; an internal failure says so. */
function describe(error: unknown): string {
  if (isSyndicateError(error)) return error.toString();
  return `INTERNAL ${(error as Error)?.message ?? String(error)}`;
}

/**
 * The old reader, from git, in a scratch folder beside `src/` whose other folders are links to the
 * real ones: it runs against today's article schema, so only the reading differs.
 */
async function oldReader(revision: string): Promise<{ read: Reader; scratch: string }> {
  const scratch = join(repo, '.eval', 'old-reader');
  rmSync(scratch, { recursive: true, force: true });
  const ingest = join(scratch, 'src', 'ingest');
  mkdirSync(ingest, { recursive: true });
  for (const entry of readdirSync(join(repo, 'src'))) {
    if (entry !== 'ingest') symlinkSync(join(repo, 'src', entry), join(scratch, 'src', entry));
  }
  for (const file of OLD_FILES) {
    const text = execFileSync('git', ['show', `${revision}:src/ingest/${file}`], {
      cwd: repo,
      encoding: 'utf8',
    });
    writeFileSync(join(ingest, file), text);
  }
  const load = (file: string) => import(pathToFileURL(join(ingest, file)).href);
  const xml = await load('_xml-feed.ts');
  const rss = await load('rss.ts');
  const atom = await load('atom.ts');
  const read: Reader = async (text, file) => {
    try {
      const feed = await xml.parseXmlFeed(text, file);
      const records: ParsedRecord[] =
        feed.kind === 'atom'
          ? await atom.readAtom(text, file, feed, options)
          : await rss.readRss(text, file, feed, options);
      return { records };
    } catch (error) {
      return { error: describe(error) };
    }
  };
  return { read, scratch };
}

const newReader: Reader = async (text, file) => {
  try {
    const feed = parseXmlFeed(text, file);
    return { records: feed.kind === 'atom' ? readAtom(feed, file, options) : readRss(feed, file, options) };
  } catch (error) {
    return { error: describe(error) };
  }
};

/** A message with its particulars (quoted values, numbers, paths) taken out, to group by. */
function reason(message: string): string {
  return message
    .replace(/^\S+?:(\d+:)?\s/, '')
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\bitem\[\d+\]/g, 'item[n]')
    .replace(/<[^>]{20,}>/g, '<…>')
    .replace(/\d+/g, 'N')
    .slice(0, 120);
}

/** Fields whose values differ between two articles (and `line`, when the record starts elsewhere). */
function differingFields(before: ParsedRecord, after: ParsedRecord): string[] {
  const fields = new Set([...Object.keys(before.article), ...Object.keys(after.article)]);
  const differing = [...fields].filter(
    (field) =>
      JSON.stringify((before.article as unknown as Record<string, unknown>)[field]) !==
      JSON.stringify((after.article as unknown as Record<string, unknown>)[field]),
  );
  if (before.line !== after.line) differing.push('line');
  const warnings = (record: ParsedRecord) => JSON.stringify(record.warnings ?? []);
  if (warnings(before) !== warnings(after)) differing.push('warnings');
  return differing;
}

/** Examples kept of each kind of difference, for `--verbose`. */
const MAX_EXAMPLES = 40;

class Tally {
  private readonly groups = new Map<string, { count: number; examples: string[] }>();
  add(key: string, example: string): void {
    const group = this.groups.get(key) ?? { count: 0, examples: [] };
    group.count++;
    if (group.examples.length < MAX_EXAMPLES) group.examples.push(example);
    this.groups.set(key, group);
  }
  print(title: string, verbose: boolean): void {
    const total = [...this.groups.values()].reduce((sum, group) => sum + group.count, 0);
    process.stdout.write(`${title}: ${total}\n`);
    for (const [key, group] of [...this.groups].sort((left, right) => right[1].count - left[1].count)) {
      process.stdout.write(`  ${String(group.count).padStart(5)}  ${key}\n`);
      for (const example of group.examples.slice(0, verbose ? MAX_EXAMPLES : 1)) {
        process.stdout.write(`         e.g. ${example.slice(0, verbose ? 600 : 220)}\n`);
      }
    }
  }
}

const clip = (value: unknown) => JSON.stringify(value)?.slice(0, 160);

async function main(): Promise<number> {
  const argv = process.argv.slice(2).filter((argument) => argument !== '--');
  const verbose = argv.includes('--verbose');
  const oldAt = argv.indexOf('--old');
  const revision = oldAt >= 0 ? argv[oldAt + 1]! : DEFAULT_OLD;
  const folders = argv.filter(
    (argument, index) => argument !== '--verbose' && argument !== '--old' && argv[index - 1] !== '--old',
  );
  if (folders.length === 0) {
    process.stderr.write('usage: npm run eval:import-compare -- [--old REV] [--verbose] DIR…\n');
    return 2;
  }
  const { read: readOld, scratch } = await oldReader(revision);
  try {
    const files = folders.flatMap(feedFiles);
    const counts = { files: 0, notXml: 0, bothRead: 0, same: 0, differ: 0, articles: 0, sameArticles: 0 };
    const fieldDiffs = new Tally();
    const countDiffs = new Tally();
    const onlyOld = new Tally();
    const onlyNew = new Tally();
    const bothRefused = new Tally();
    const crashes: string[] = [];
    let oldMs = 0;
    let newMs = 0;
    for (const file of files) {
      const text = decodeBody(readFileSync(file), undefined).text;
      // JSON Feed and text files are not what either XML reader reads.
      if (
        !text
          .replace(/^\uFEFF/, '')
          .trimStart()
          .startsWith('<')
      ) {
        counts.notXml++;
        continue;
      }
      counts.files++;
      let begun = performance.now();
      const before = await readOld(text, file);
      oldMs += performance.now() - begun;
      begun = performance.now();
      const after = await newReader(text, file);
      newMs += performance.now() - begun;
      if ('error' in after && after.error.startsWith('INTERNAL')) crashes.push(`${file}: ${after.error}`);
      if ('error' in before && 'error' in after) {
        bothRefused.add(
          before.error === after.error
            ? 'the same error, at the same place'
            : `old: ${reason(before.error)}\n         new: ${reason(after.error)}`,
          `${file}\n           old: ${before.error}\n           new: ${after.error}`,
        );
        continue;
      }
      if ('error' in after) {
        onlyOld.add(reason(after.error), after.error);
        continue;
      }
      if ('error' in before) {
        onlyNew.add(reason(before.error), `${before.error} (new: ${after.records.length} articles)`);
        continue;
      }
      counts.bothRead++;
      if (before.records.length !== after.records.length) {
        counts.differ++;
        countDiffs.add(
          'a different number of articles',
          `${file}: old ${before.records.length}, new ${after.records.length}`,
        );
        continue;
      }
      let same = true;
      before.records.forEach((record, index) => {
        const other = after.records[index]!;
        counts.articles++;
        const fields = differingFields(record, other);
        if (fields.length === 0) {
          counts.sameArticles++;
          return;
        }
        same = false;
        for (const field of fields) {
          const value = (side: ParsedRecord) =>
            field === 'line'
              ? side.line
              : field === 'warnings'
                ? side.warnings
                : (side.article as unknown as Record<string, unknown>)[field];
          fieldDiffs.add(
            field,
            `${file} item[${index}]: old ${clip(value(record))} → new ${clip(value(other))}`,
          );
        }
      });
      if (same) counts.same++;
      else counts.differ++;
    }
    const out = process.stdout;
    out.write(`old reader: rss-parser at ${revision}; new reader: the streaming one\n`);
    out.write(`files: ${counts.files} XML (${counts.notXml} others skipped)\n`);
    out.write(`time: old ${Math.round(oldMs)} ms, new ${Math.round(newMs)} ms (parse and read, all files)\n`);
    out.write(
      `both read: ${counts.bothRead} files; identical: ${counts.same}; differing: ${counts.differ} (${counts.sameArticles} of ${counts.articles} articles identical)\n`,
    );
    countDiffs.print('files with a different number of articles', verbose);
    fieldDiffs.print('articles differing, by field', verbose);
    onlyNew.print('read only by the new reader (the old error, grouped)', verbose);
    onlyOld.print('read only by the old reader (the new error, grouped)', verbose);
    bothRefused.print('refused by both', verbose);
    out.write(`new reader crashed (an internal error): ${crashes.length}\n`);
    for (const line of crashes.slice(0, 20)) out.write(`  ${line.slice(0, 200)}\n`);
    return 0;
  } finally {
    rmSync(join(repo, '.eval'), { recursive: true, force: true });
    void scratch;
  }
}

process.exitCode = await main();
