/**
 * The review pages on a store of over 5,000 findings (BENCH_FINDINGS pages to change it): how long the server
 * takes to answer the first page, a filtered page, a search, a sorted page, the last page, a finding
 * and the dashboard, over real HTTP on 127.0.0.1. Baselines measured in the same run: a bare
 * SELECT of one page of rows, and reading every finding (what a page that loads all would pay).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countFindings, listFindings } from '../../src/findings/index.ts';
import { startServer } from '../../src/server/index.ts';
import { openSql } from '../../src/store/db.ts';
import { manySites, seedMany } from '../server/_seed.ts';
import { peakRssMiB, percentile, printTable, timeAsync } from './_measure.ts';

// Pages, of which about 7% never violate: 5,200 pages give a little over 5,000 findings.
const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 5200);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-'));
try {
  const db = await openSql(join(dir, 'store.sqlite'));
  const seeded = await timeAsync(() => seedMany(db, FINDINGS));
  const total = await countFindings(db);
  const server = await startServer({ sql: db, outDir: join(dir, 'public'), port: 0, sites: manySites });

  const median = (samples: number[]) =>
    percentile(
      [...samples].sort((a, b) => a - b),
      50,
    );
  const repeat = async (run: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let index = 0; index < RUNS; index++) samples.push((await timeAsync(run)).ms);
    return median(samples);
  };
  const bareMs = await repeat(() => db.all('SELECT * FROM findings ORDER BY id LIMIT 50'));
  const loadAllMs = await repeat(() => listFindings(db, {}));

  const active = await countFindings(db, { status: ['open', 'contacted'] });
  const lastPage = Math.ceil(active / 50);
  const pages: Array<[string, string]> = [
    ['first page', '/review'],
    ['filtered: site + rule', '/review?site=river-daily&rule=copyright-notice'],
    ['search: one word', '/review?status=all&q=lantern'],
    ['new since scan 1', `/review?status=all&since=${seeded.value.scans[0]}`],
    ['sorted by title', '/review?status=all&sort=title&dir=asc'],
    ['last page', `/review?page=${lastPage}`],
    ['last page, 200 a page', `/review?status=all&per=200&page=${Math.ceil(total / 200)}`],
    [
      'a finding (in a list)',
      `/review/finding/${(await listFindings(db, { limit: 1, offset: 2500 }))[0]!.id}?at=2500`,
    ],
    ['dashboard', '/review/dashboard'],
  ];
  const rows: Array<Record<string, string | number>> = [
    {
      request: 'baseline: bare SELECT of 50 rows',
      'median ms': bareMs,
      'p90 ms': '',
      'x baseline': 1,
      KiB: '',
    },
    {
      request: `reading all ${total} findings`,
      'median ms': loadAllMs,
      'p90 ms': '',
      'x baseline': loadAllMs / bareMs,
      KiB: '',
    },
  ];
  for (const [name, path] of pages) {
    let bytes = 0;
    const samples: number[] = [];
    // Three unmeasured requests first: the JIT and SQLite's page cache warm up on someone else.
    for (let index = 0; index < 3; index++) await (await fetch(`${server.url}${path}`)).text();
    for (let index = 0; index < RUNS; index++) {
      const { ms, value } = await timeAsync(async () => {
        const response = await fetch(`${server.url}${path}`);
        if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
        return response.text();
      });
      samples.push(ms);
      bytes = value.length;
    }
    const sorted = samples.sort((a, b) => a - b);
    rows.push({
      request: `GET ${name}`,
      'median ms': percentile(sorted, 50),
      'p90 ms': percentile(sorted, 90),
      'x baseline': percentile(sorted, 50) / bareMs,
      KiB: (bytes / 1024).toFixed(0),
    });
  }
  printTable(rows);
  const plan = await db.all<{ detail: string }>(
    "EXPLAIN QUERY PLAN SELECT f.id FROM findings f WHERE f.status IN ('open', 'contacted') ORDER BY f.last_seen DESC, f.id DESC LIMIT 50 OFFSET 4000",
  );
  console.log(`\nthe last page's ordering (inner query): ${plan.map((step) => step.detail).join('; ')}`);
  console.log(
    `findings ${total} (seeded in ${(seeded.ms / 1000).toFixed(1)} s over 3 scans); ${RUNS} runs each; peak RSS ${peakRssMiB().toFixed(0)} MiB`,
  );
  await server.close();
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
