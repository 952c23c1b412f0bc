/**
 * A whole scan spread over worker processes (issue 11): the benchmark network (CRAWL_SITES ×
 * CRAWL_PAGES, default 50 × 400) with reprints of the fixture articles on every fourth page,
 * scanned by `syndicate scan --no-work` on a PostgreSQL store with SCAN_WORKERS `syndicate worker`
 * processes (default 3; a list such as `1,2,4` runs each), and, as the baseline of the same run,
 * by one `syndicate scan` process on a SQLite store. Each PostgreSQL scan's findings (site, page,
 * article, verdict, status, rules) are compared with the SQLite scan's, and the table says whether
 * they are the same. In the run with SCAN_KILL workers (default 3; `none` for no kill) one worker
 * is killed with SIGKILL when half the pages have been served: its site jobs come back when their
 * lease runs out (the PostgreSQL runs give each site a time budget of SCAN_SITE_BUDGET_S, default
 * 240 s, so that the lease is four and a half minutes, not an hour) and other workers finish
 * them. Prints the scan's time, pages per second, the most requests the network saw in flight to
 * one host, pages answered twice, peak RSS per process and the load average.
 *
 * Evidence is captured without screenshots (the WARC and the manifest only): Chromium photographs
 * each new violation in the scan process, one at a time, the same on both engines, and thousands of
 * them would be all this measures (the evidence benchmark measures a screenshot). SCAN_SCREENSHOTS=1
 * takes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { comparableFindings, comparableVerdicts } from '../helpers/comparable-scans.ts';
import { startNetwork } from './_crawl-network.ts';
import { printTable } from './_measure.ts';
import { benchPostgres } from './_postgres.ts';
import { finished, repo, samplePeaks, startWorkers, syndicate } from './_processes.ts';

const SITES = Number(process.env.CRAWL_SITES ?? 50);
const PAGES = Number(process.env.CRAWL_PAGES ?? 400);
const WORKERS = (process.env.SCAN_WORKERS ?? '3').split(',').map(Number);
const KILL = process.env.SCAN_KILL === 'none' ? undefined : Number(process.env.SCAN_KILL ?? 3);
const SITE_BUDGET_MS = Number(process.env.SCAN_SITE_BUDGET_S ?? 240) * 1000;
const articles = join(repo, 'test', 'fixtures', 'articles.jsonl');
if (process.env.SCAN_SCREENSHOTS !== '1') process.env.SYNDICATE_CHROMIUM = '/nonexistent/chromium';

const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-scan-workers-'));
const network = await startNetwork(SITES, PAGES, { reprints: true });
const postgres = await benchPostgres({
  flags: ['-c', 'max_connections=200', '-c', 'synchronous_commit=off'],
});
// The SQLite scan keeps the default time budget per site (an hour): one process crawls every site
// at once, each site's clock running from its first request.
const sqliteRules = network.writeRules(join(dir, 'rules-sqlite'));
const postgresRules = network.writeRules(join(dir, 'rules-postgres'), { siteTimeBudgetMs: SITE_BUDGET_MS });
const rows: Array<Record<string, string | number>> = [];
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function importArticles(store: string): Promise<void> {
  const { code, stdout } = await finished(syndicate(['--store', store, 'import', articles]));
  if (code !== 0) throw new Error(`import exited ${code}: ${stdout}`);
}

/** A scan process run to its end: its output, exit code, wall time and peak RSS. */
async function scan(args: string[]) {
  const started = process.hrtime.bigint();
  const child = syndicate(['scan', ...args]);
  const peaks = samplePeaks([child]);
  const { code, stdout } = await finished(child);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0 && code !== 1) throw new Error(`scan exited ${code}: ${stdout}`);
  const crawlSeconds = Number(/ in (\d+(?:\.\d+)?) s\n/.exec(stdout)?.[1] ?? Number.NaN);
  const partly = (stdout.match(/partly crawled:/g) ?? []).length;
  return { stdout, seconds, crawlSeconds, partly, peak: peaks.stop()[0]! };
}

interface Outcome {
  findings: string[];
  verdicts: string[];
}

async function outcomeOf(store: string): Promise<Outcome> {
  return { findings: await comparableFindings(store), verdicts: await comparableVerdicts(store) };
}

/** Lines of `found` against the baseline's: the same, or how many differ each way (the first shown). */
function compare(what: string, found: string[], expected: string[]): string {
  const expectedSet = new Set(expected);
  const foundSet = new Set(found);
  const missing = expected.filter((line) => !foundSet.has(line));
  const extra = found.filter((line) => !expectedSet.has(line));
  if (missing.length === 0 && extra.length === 0) return `${what} same`;
  for (const line of missing.slice(0, 5)) console.log(`  ${what} missing: ${line}`);
  for (const line of extra.slice(0, 5)) console.log(`  ${what} extra:   ${line}`);
  return `${what}: ${missing.length} missing, ${extra.length} extra`;
}

/** Pages judged, reprints found in them (compliant and violating), findings recorded. */
function counts(outcome: Outcome): Record<string, string | number> {
  const reprints = outcome.verdicts.join('; ');
  return {
    'pages judged': outcome.verdicts.length,
    'reprints: compliant, violating': `${reprints.match(/ compliant /g)?.length ?? 0}, ${
      reprints.match(/ violation /g)?.length ?? 0
    }`,
    findings: outcome.findings.length,
  };
}

try {
  // Baseline: one process, SQLite, the ordinary `syndicate scan`.
  const file = join(dir, 'store.sqlite');
  await importArticles(file);
  await network.stats({ reset: true });
  const baseline = await scan(['--store', file, '--rules', sqliteRules]);
  const stats = await network.stats({ reset: true });
  const expected = await outcomeOf(file);
  rows.push({
    run: 'SQLite, one scan process',
    pages: stats.pages,
    'crawl s': baseline.crawlSeconds,
    'scan s': baseline.seconds,
    'pages/s': stats.pages / baseline.seconds,
    'most in flight to a host': stats.mostInFlight,
    'pages again': stats.pagesAgain,
    'peak RSS MiB: scan, workers': baseline.peak.toFixed(0),
    ...counts(expected),
    'as SQLite': '(baseline)',
  });
  console.log(`SQLite scan done; load average ${load()}`);

  for (const count of WORKERS) {
    const store = await postgres.database();
    await importArticles(store);
    // Timed from when every worker waits for jobs: starting Node and tsx is not scanning.
    const cluster = await startWorkers(count, store, postgresRules, 4);
    const workerPeaks = samplePeaks(cluster.workers);
    await network.stats({ reset: true });
    let killed = '';
    const killing =
      count === KILL
        ? (async () => {
            // Half the pages served: one worker dies mid-site, its jobs' pages half fetched.
            while ((await network.stats()).pages < stats.pages / 2) {
              await new Promise((resolve) => setTimeout(resolve, 250));
            }
            cluster.workers[0]!.kill('SIGKILL');
            killed = ` (one killed at ${(await network.stats()).pages} pages)`;
          })()
        : undefined;
    const run = await scan(['--store', store, '--rules', postgresRules, '--no-work']);
    await killing;
    const seen = await network.stats({ reset: true });
    const peaks = workerPeaks.stop();
    await cluster.stop();
    const found = await outcomeOf(store);
    rows.push({
      run: `PostgreSQL, ${count} worker${count > 1 ? 's' : ''}${killed}`,
      pages: seen.pages,
      'crawl s': run.crawlSeconds,
      'scan s': run.seconds,
      'pages/s': seen.pages / run.seconds,
      'most in flight to a host': seen.mostInFlight,
      'pages again': seen.pagesAgain,
      'peak RSS MiB: scan, workers': [run.peak, ...peaks].map((mib) => mib.toFixed(0)).join(' '),
      ...counts(found),
      'as SQLite': [
        compare('findings', found.findings, expected.findings),
        compare('verdicts', found.verdicts, expected.verdicts),
        ...(run.partly ? [`${run.partly} sites partly crawled`] : []),
      ].join(', '),
    });
    console.log(`${count} worker(s) done; load average ${load()}`);
  }
} finally {
  network.close();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}

printTable(rows);
// The machine is shared: its load says how far to trust the figures.
console.log(`network ${SITES} sites × ${PAGES} pages; load average ${load()} on ${cpus().length} CPUs`);
