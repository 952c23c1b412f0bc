import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { setLogLevel } from '../../src/log.ts';
import { JobQueue } from '../../src/queue/queue.ts';
import { runCli } from '../helpers/cli.ts';
import { comparableFindings, comparableVerdicts } from '../helpers/comparable-scans.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { freshPostgres } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';
import { importedStore } from '../scan/_republisher.ts';
import {
  mostAtOnce,
  PAGE_PATHS,
  type Syndicate,
  shortestGapMs,
  startNetwork,
  syndicate,
  writeNetworkRules,
} from './_network.ts';

/**
 * `syndicate scan` on a PostgreSQL store with three `syndicate worker` processes (issue 11), over
 * three real sites on 127.0.0.1-3, against the same scan by one process on a SQLite store. One
 * worker is killed with SIGKILL while a page it asked for hangs. The scan must still finish with
 * exactly the SQLite scan's findings; the sites' logs must show one request in flight to a host
 * and the delay between two across all workers, and nothing robots.txt disallows.
 */

const DELAY_MS = 60;

const running: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeAll(() => setLogLevel('silent'));

withoutScreenshots();

it('gives a single SQLite process’s findings, with host limits across workers and a worker killed', async () => {
  const sites = await startNetwork();
  cleanups.push(async () => {
    await Promise.all(sites.map((site) => site.server.close()));
  });
  const dir = tempDir();
  // A short time budget gives a short lease (8 s and a margin of 15): the killed worker's site goes
  // to another soon (a site takes about a second here), and its host, which the hung request held,
  // is free 6 s after the worker's death.
  const rules = writeNetworkRules(dir, sites, {
    delayMs: DELAY_MS,
    siteTimeBudgetMs: 8_000,
    hostLeaseMs: 6_000,
    headersTimeoutMs: 20_000,
  });

  const database = await freshPostgres();
  cleanups.push(database.drop);
  const store = await importedStore(tempDir(), database.url);
  // The test's own queue handle, made first, makes the queue: its supervisor looks each second, so
  // a dead worker's job is seen past its lease at once, and a job past it is tried again at once
  // (a worker's supervisor looks every 30 s; the retry delay is 5 s by default).
  const supervisor = await JobQueue.open(store, { maintenanceIntervalSeconds: 1, retryDelaySeconds: 0 });
  cleanups.push(() => supervisor.stop());

  const workers = [0, 1, 2].map(() =>
    syndicate(['--store', store, '--rules', rules, 'worker', '--concurrency', '1'], running),
  );

  // Site 1's page /b/ hangs the first time: its worker is killed while it waits.
  let hangingAsked!: () => void;
  const hanging = new Promise<void>((resolve) => {
    hangingAsked = resolve;
  });
  let hung = false;
  sites[1]!.onPage = (path) => {
    if (path !== '/b/' || hung) return 'answer';
    hung = true;
    hangingAsked();
    return 'hang';
  };

  // The scan starts with them: its jobs wait on the queue for the first worker ready.
  const scan = syndicate(['--store', store, '--rules', rules, 'scan', '--no-work'], running);
  await hanging;
  // Its log line may come through its pipe a little after its request reached the site.
  let victim: Syndicate | undefined;
  for (let tries = 0; tries < 100 && !victim; tries++) {
    victim = workers.find((worker) => worker.crawling.has('site-1'));
    if (!victim) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(victim).toBeDefined();
  victim!.process.kill('SIGKILL');

  const code = await scan.exited;

  expect(code, scan.stdout).toBe(1);
  expect(scan.stdout).toMatch(/new violations:\s+7/);
  // The scan did not crawl: the workers did, and the scan reported their progress.
  expect(scan.log.some((entry) => entry.msg === 'crawl started')).toBe(false);
  expect(scan.log.some((entry) => entry.msg === 'site jobs' && entry.completed === 3)).toBe(true);

  const requests = sites.map((site) => site.server.requests.splice(0));

  // The baseline: one process, a SQLite store, the same network (its hung page answers now).
  const sqlite = await importedStore(tempDir());
  const single = await runCli(['--store', sqlite, '--rules', rules, 'scan']);
  expect(single.code, single.stderr).toBe(1);
  const expected = await comparableFindings(sqlite);
  // The network is what the test says it is: seven violations, three of them a commercial site's.
  expect(expected.filter((line) => line.includes(' violation '))).toHaveLength(7);
  expect(expected.some((line) => line.includes('commercial-use'))).toBe(true);
  expect(await comparableFindings(store)).toEqual(expected);
  // Every page judged alike, compliant reprints (which leave no finding) included.
  expect(await comparableVerdicts(store)).toEqual(await comparableVerdicts(sqlite));

  let refetched = 0;
  for (const index of sites.keys()) {
    const paths = requests[index]!.map((request) => request.path);
    expect(paths.filter((path) => path.startsWith('/private/'))).toEqual([]);
    for (const path of PAGE_PATHS) {
      const count = paths.filter((seen) => seen === path).length;
      // Every page at least once; the hung one again by the worker that took its site over, and
      // at most one more that the killed worker had fetched but not yet recorded.
      if (index === 1 && path === '/b/') expect(count).toBe(2);
      else {
        expect(count).toBeGreaterThanOrEqual(1);
        expect(count).toBeLessThanOrEqual(2);
        if (count === 2) refetched++;
      }
    }
    expect(mostAtOnce(requests[index]!)).toBe(1);
    expect(shortestGapMs(requests[index]!)).toBeGreaterThanOrEqual(DELAY_MS);
  }
  expect(refetched).toBeLessThanOrEqual(1);
  // Another worker finished the killed one's site.
  expect(
    workers.some((worker) => worker !== victim && worker.log.some((entry) => entry.msg === 'crawl resumed')),
  ).toBe(true);
}, 120_000);
