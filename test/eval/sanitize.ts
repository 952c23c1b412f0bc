/**
 * `npm run eval:sanitize -- DIR…`: every XSS payload found in the folders, through the feed item
 * pipeline (article → cleaned item HTML with the attribution), rendered in real Chromium, and
 * counted: how many items ran or kept anything that runs code. Made for local copies of public
 * payload collections written by others; it reads, per file:
 *
 * - `*.mjs` / `*.js` exporting an array of `{ payload }` (DOMPurify's `test/fixtures/expect.mjs`);
 * - `*.txt`: one payload a line (PayloadsAllTheThings' `XSS Injection/Intruders/`).
 *
 * Items are rendered fifty to a page; a page with any sign is rendered again item by item, so that
 * every failure is named. Exit code 1 when any item ran script. `--raw` renders the payloads as they
 * are, uncleaned: the same check on them shows that it sees what runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepareItem } from '../../src/feed/model.ts';
import { toArticle } from '../../src/store/article.ts';
import { ScriptWatch } from '../feed/_sanitize-chromium.ts';
import { publisher } from '../feed/_support.ts';

function files(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return files(path);
    return /\.(?:mjs|js|txt)$/.test(entry.name) ? [path] : [];
  });
}

async function payloadsOf(file: string): Promise<string[]> {
  if (file.endsWith('.txt'))
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
  const module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  if (!Array.isArray(module.default)) return [];
  return module.default.flatMap((entry: unknown) =>
    entry && typeof entry === 'object' && typeof (entry as { payload?: unknown }).payload === 'string'
      ? [(entry as { payload: string }).payload]
      : [],
  );
}

function itemHtml(payload: string): string {
  const article = toArticle({
    url: 'https://northwind.example/2026/03/item',
    title: 'Payload',
    published: '2026-03-01',
    html: payload,
  });
  return prepareItem(article, publisher, true, true).contentHtml;
}

async function main(): Promise<number> {
  const raw = process.argv.includes('--raw');
  const folders = process.argv.slice(2).filter((argument) => argument !== '--' && argument !== '--raw');
  if (folders.length === 0) {
    process.stderr.write('usage: npm run eval:sanitize -- DIR…\n');
    return 2;
  }
  const payloads = new Set<string>();
  for (const file of folders.flatMap(files))
    for (const payload of await payloadsOf(file)) payloads.add(payload);
  const items = [...payloads].map((payload) => ({ payload, html: raw ? payload : itemHtml(payload) }));
  const watch = await ScriptWatch.launch();
  const failures: string[] = [];
  const started = performance.now();
  try {
    for (let start = 0; start < items.length; start += 50) {
      const batch = items.slice(start, start + 50);
      const page = batch.map((item) => `<section>${item.html}</section>`).join('\n');
      if ((await watch.render(page)).signs.length === 0) continue;
      for (const item of batch) {
        const { signs } = await watch.render(item.html);
        if (signs.length > 0)
          failures.push(`${JSON.stringify(item.payload).slice(0, 160)}\n    → ${signs.join('; ')}`);
      }
    }
  } finally {
    await watch.close();
  }
  const out = process.stdout;
  out.write(`payloads: ${items.length} distinct, from ${folders.join(', ')}\n`);
  out.write(`rendered in Chromium in ${Math.round((performance.now() - started) / 1000)} s\n`);
  out.write(`items${raw ? ' (raw, uncleaned)' : ''} that ran or kept script: ${failures.length}\n`);
  for (const failure of failures) out.write(`  ${failure}\n`);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
