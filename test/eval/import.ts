/**
 * `npm run eval:import -- DIR…`: imports every feed file under the folders (recursively: *.xml,
 * *.rss, *.rdf, *.atom, *.json) in ONE `import` run, into a fresh store in a temporary folder, and
 * prints how many files imported, how many were refused (grouped by reason) and how many crashed
 * `--verbose` prints every refusal. Crashed: (an internal error, or a message that passes on a TypeError's text, instead of one naming the place). Made for a local copy of a corpus of
 * feeds written by others, such as the W3C Feed Validator's `testcases/`; it reads nothing else.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSources } from '../../src/ingest/import.ts';
import { openSql } from '../../src/store/db.ts';

const FEED_FILE = /\.(?:xml|rss|rdf|atom|json)$/i;

function feedFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...feedFiles(path));
    else if (entry.isFile() && FEED_FILE.test(entry.name)) found.push(path);
  }
  return found.sort();
}

/** A message with its particulars (quoted values, item numbers, numbers) taken out, to group by. */
function reason(message: string): string {
  return message
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\bitem\[\d+\]/g, 'item[n]')
    .replace(/(?:https?:\/\/|\/)\S+/g, '…')
    .replace(/\d+/g, 'N')
    .slice(0, 140);
}

async function main(): Promise<number> {
  const verbose = process.argv.includes('--verbose');
  const folders = process.argv.slice(2).filter((argument) => argument !== '--' && argument !== '--verbose');
  if (folders.length === 0) {
    process.stderr.write('usage: npm run eval:import -- DIR…\n');
    return 2;
  }
  const files = folders.flatMap(feedFiles);
  const scratch = mkdtempSync(join(tmpdir(), 'syndicate-eval-'));
  const sql = await openSql(join(scratch, 'eval.sqlite'));
  try {
    const started = performance.now();
    const summary = await importSources(sql, files, { now: new Date('2026-12-01T00:00:00Z') });
    const elapsedMs = performance.now() - started;
    const refused = new Map<string, { count: number; example: string }>();
    const crashed: string[] = [];
    let warned = 0;
    let warnings = 0;
    for (const file of summary.files) {
      const fileWarnings = (file as { warnings?: unknown[] }).warnings?.length ?? 0;
      warnings += fileWarnings;
      if (fileWarnings > 0) warned++;
      if (!file.error) continue;
      // An internal error, or a message that only passes on a programming error's text.
      const cause = file.error.cause;
      if (
        file.error.code === 'internal' ||
        cause instanceof TypeError ||
        cause instanceof RangeError ||
        cause instanceof ReferenceError
      ) {
        crashed.push(`${file.source}: ${file.error.message}`);
        continue;
      }
      if (verbose) process.stdout.write(`refused ${file.error.toString()}\n`);
      const key = reason(file.error.message);
      const entry = refused.get(key) ?? { count: 0, example: file.error.toString() };
      entry.count++;
      refused.set(key, entry);
    }
    const refusedCount = [...refused.values()].reduce((sum, entry) => sum + entry.count, 0);
    const out = process.stdout;
    out.write(`files: ${files.length} (in ${Math.round(elapsedMs)} ms, one import run)\n`);
    out.write(
      `imported: ${summary.files.length - summary.failed} (${summary.inserted} articles inserted, ${summary.updated} updated, ${summary.unchanged} unchanged; ${warned} files with ${warnings} warnings)\n`,
    );
    out.write(`refused: ${refusedCount}\n`);
    for (const [key, entry] of [...refused].sort((left, right) => right[1].count - left[1].count)) {
      out.write(
        `  ${String(entry.count).padStart(5)}  ${key}\n         e.g. ${entry.example.slice(0, 200)}\n`,
      );
    }
    out.write(`crashed: ${crashed.length}\n`);
    for (const line of crashed.slice(0, 30)) out.write(`  ${line.slice(0, 200)}\n`);
    return 0;
  } finally {
    await sql.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = await main();
