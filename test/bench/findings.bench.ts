/**
 * Recording scans and rendering reports at the size of a busy publisher: 10,000 violating reprints.
 * Baselines measured in the same run: a bare INSERT of the same JSON into a plain table (what
 * recording costs without the lifecycle), and JSON.stringify of the report model (what rendering
 * costs without the formats).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishScan, recordPageResults, setStatus, startScan } from '../../src/findings/index.ts';
import {
  buildReport,
  DEFAULT_NOTICE,
  renderCsv,
  renderHtml,
  renderMarkdown,
} from '../../src/report/index.ts';
import { openStore } from '../../src/store/db.ts';
import { page, sites } from '../findings/_pages.ts';
import { heapUsedMiB, peakRssMiB, printTable, time, timeAsync } from './_measure.ts';

const PAGES = Number(process.env.BENCH_PAGES ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-'));
try {
  const db = openStore(join(dir, 'store.sqlite'));
  const pages = Array.from({ length: PAGES }, (_, index) =>
    page(`https://peaceblog.example/2026/${index}`, 'violation', { hash: `h${index}` }),
  );

  db.exec('CREATE TABLE baseline (url TEXT PRIMARY KEY, body TEXT)');
  const insert = db.prepare('INSERT INTO baseline VALUES (?, ?)');
  const baseline = time(() =>
    db.transaction(() => {
      for (const p of pages) insert.run(p.url, JSON.stringify(p));
    })(),
  );

  const first = startScan(db, { sites: ['peace-blog'] });
  const scan1 = time(() => recordPageResults(db, first.id, pages, { sites }));
  finishScan(db, first.id);
  for (const finding of scan1.value.new.slice(0, PAGES / 10))
    setStatus(db, finding.id, 'dismissed', { who: 'bench' });
  const second = startScan(db, { sites: ['peace-blog'] });
  const scan2 = time(() => recordPageResults(db, second.id, pages, { sites }));
  finishScan(db, second.id);

  const built = await timeAsync(() =>
    buildReport(db, { sites, notice: { file: 'built-in', text: DEFAULT_NOTICE } }),
  );
  const json = time(() => JSON.stringify(built.value));
  const html = time(() => renderHtml(built.value));
  const csv = time(() => renderCsv(built.value));
  const md = time(() => renderMarkdown(built.value));
  const row = (name: string, ms: number, base: number, bytes?: number) => ({
    step: name,
    ms,
    'per page µs': (ms * 1000) / PAGES,
    'x baseline': ms / base,
    'output MiB': bytes === undefined ? '' : (bytes / 1024 / 1024).toFixed(1),
  });
  printTable([
    row('baseline: bare INSERT', baseline.ms, baseline.ms),
    row('record scan 1 (all new)', scan1.ms, baseline.ms),
    row('record scan 2 (seen/quiet)', scan2.ms, baseline.ms),
    row('build report model', built.ms, json.ms),
    row('baseline: JSON.stringify', json.ms, json.ms, json.value.length),
    row('render HTML', html.ms, json.ms, html.value.length),
    row('render CSV', csv.ms, json.ms, csv.value.length),
    row('render Markdown', md.ms, json.ms, md.value.length),
  ]);
  console.log(
    `\npages ${PAGES}; heap after ${heapUsedMiB().toFixed(0)} MiB; peak RSS ${peakRssMiB().toFixed(0)} MiB`,
  );
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
