/**
 * Recording scans and rendering reports at the size of a busy publisher: 10,000 violating reprints,
 * on SQLite and (with BENCH_POSTGRES) on PostgreSQL.
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
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { page, sites } from '../findings/_pages.ts';
import { heapUsedMiB, peakRssMiB, printTable, time, timeAsync } from './_measure.ts';

const PAGES = Number(process.env.BENCH_PAGES ?? 10_000);
/** A PostgreSQL server to measure too (`postgres://…`, an empty database); SQLite alone without it. */
const POSTGRES = process.env.BENCH_POSTGRES;

async function measure(sql: Sql): Promise<void> {
  const pages = Array.from({ length: PAGES }, (_, index) =>
    page(`https://peaceblog.example/2026/${index}`, 'violation', { hash: `h${index}` }),
  );

  await sql.exec('CREATE TABLE bench_baseline (url TEXT PRIMARY KEY, body TEXT)');
  const baseline = await timeAsync(() =>
    sql.batch(
      'INSERT INTO bench_baseline VALUES (?, ?)',
      pages.map((p) => [p.url, JSON.stringify(p)]),
    ),
  );

  const first = await startScan(sql, { sites: ['peace-blog'] });
  const scan1 = await timeAsync(() => recordPageResults(sql, first.id, pages, { sites }));
  await finishScan(sql, first.id);
  for (const finding of scan1.value.new.slice(0, PAGES / 10))
    await setStatus(sql, finding.id, 'dismissed', { who: 'bench' });
  const second = await startScan(sql, { sites: ['peace-blog'] });
  const scan2 = await timeAsync(() => recordPageResults(sql, second.id, pages, { sites }));
  await finishScan(sql, second.id);

  const built = await timeAsync(() =>
    buildReport(sql, { sites, notice: { file: 'built-in', text: DEFAULT_NOTICE } }),
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
  console.log(`\n### ${sql.engine}`);
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
}

const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-'));
try {
  const sqlite = await openSql(join(dir, 'store.sqlite'));
  await measure(sqlite);
  await sqlite.close();
  if (POSTGRES) {
    const postgres = await openSql(POSTGRES);
    try {
      await measure(postgres);
    } finally {
      await postgres.close();
    }
  } else console.log('\n(set BENCH_POSTGRES=postgres://… to an empty database to measure PostgreSQL too)');
  console.log(
    `\npages ${PAGES}; heap after ${heapUsedMiB().toFixed(0)} MiB; peak RSS ${peakRssMiB().toFixed(0)} MiB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
