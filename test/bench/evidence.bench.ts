/**
 * Screenshots of real pages: every HTML file of a corpus folder that others made (for example the
 * `test/test-pages/*\/source.html` pages of Mozilla's Readability, copied one file a page into
 * `EVIDENCE_CORPUS`, by default /work/corpus/evidence-cli/readability; never into this repository)
 * photographed by the evidence camera, with scripts off and nothing fetched. Prints how many were
 * taken, cut at the height bound or failed (and why), the time a page, the PNGs' sizes against the
 * bound the store keeps a screenshot under, and peak memory, next to a
 * baseline measured in the same run: the same pages in the same Chromium through `setContent` and
 * one viewport screenshot, unframed and unbounded.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Camera, DEFAULT_SCREENSHOT, MAX_EVIDENCE_BYTES } from '../../src/evidence/index.ts';
import { safeForTerminal } from '../../src/text/safe.ts';
import { peakRssMiB, percentile, printTable, timeAsync } from './_measure.ts';

const corpus = process.env.EVIDENCE_CORPUS ?? '/work/corpus/evidence-cli/readability';
if (!existsSync(corpus)) {
  process.stdout.write(`no corpus at ${corpus}: set EVIDENCE_CORPUS to a folder of .html files\n`);
  process.exit(0);
}
const files = readdirSync(corpus)
  .filter((name) => name.endsWith('.html'))
  .sort()
  .slice(0, Number(process.env.EVIDENCE_PAGES ?? 1_000));

// Baseline: the browser doing the least that still yields a picture of each page.
const browser = await chromium.launch({
  executablePath: DEFAULT_SCREENSHOT.executablePath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--host-resolver-rules=MAP * ~NOTFOUND',
  ],
});
const baselineMs: number[] = [];
for (const name of files) {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 1280, height: 900 },
  });
  await context.route('**/*', (route) => route.abort());
  const page = await context.newPage();
  const { ms } = await timeAsync(async () => {
    try {
      await page.setContent(readFileSync(join(corpus, name), 'utf8'), { waitUntil: 'load', timeout: 20_000 });
      await page.screenshot({ type: 'png', timeout: 20_000 });
    } catch {
      // A page the baseline cannot picture is counted in its time all the same.
    }
  });
  baselineMs.push(ms);
  await context.close();
}
await browser.close();

const camera = new Camera();
await camera.probe();
const ours: number[] = [];
let taken = 0;
let cut = 0;
const failures: string[] = [];
const heights: number[] = [];
// The PNGs' sizes, against the bound the store keeps a screenshot under.
const pngBytes: number[] = [];
for (const name of files) {
  const { value: shot, ms } = await timeAsync(() =>
    camera.shoot({
      url: `https://corpus.example/${encodeURIComponent(name.replace(/\.html$/, ''))}/`,
      contentType: 'text/html',
      body: readFileSync(join(corpus, name)),
      capturedAt: new Date(),
    }),
  );
  ours.push(ms);
  if (shot.taken) {
    taken++;
    if (shot.cut) cut++;
    heights.push(shot.height);
    pngBytes.push(shot.png.length);
  } else failures.push(`${name}: ${shot.reason}`);
}
await camera.close();

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const row = (run: string, values: number[]) => ({
  run,
  pages: values.length,
  'p50 ms': Math.round(percentile(sorted(values), 50)),
  'p95 ms': Math.round(percentile(sorted(values), 95)),
  'max ms': Math.round(Math.max(...values)),
  'total s': (values.reduce((sum, value) => sum + value, 0) / 1000).toFixed(1),
});
printTable([
  row('baseline: setContent + viewport screenshot', baselineMs),
  row('evidence camera (full page, framed)', ours),
]);
process.stdout.write('\n');
printTable([
  {
    taken,
    'cut at height bound': cut,
    failed: failures.length,
    'median height px': Math.round(percentile(sorted(heights), 50)),
    'PNG p50 KiB': Math.round(percentile(sorted(pngBytes), 50) / 1024),
    'PNG p95 KiB': Math.round(percentile(sorted(pngBytes), 95) / 1024),
    'PNG max KiB': Math.round(Math.max(...pngBytes) / 1024),
    'over bound': pngBytes.filter((bytes) => bytes > MAX_EVIDENCE_BYTES.screenshot).length,
    'peak RSS MiB': Math.round(peakRssMiB()),
  },
]);
for (const failure of failures) process.stdout.write(`failed: ${safeForTerminal(failure)}\n`);
