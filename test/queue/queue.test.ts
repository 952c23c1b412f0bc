import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { setLogLevel } from '../../src/log.ts';
import { JobQueue, QUEUES, type QueueOptions, type SiteJob } from '../../src/queue/queue.ts';
import { freshSchema } from '../helpers/postgres.ts';

/**
 * Site jobs of two scans on one queue, in one process (issue 11): a job given back by a worker
 * that stops (a scan that ends while it crawls another scan's site, a worker told to stop) is not
 * a failed try, and a scan that names a site whose job an earlier scan left unfinished waits for
 * that job instead of queueing the site again behind it.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeAll(() => setLogLevel('silent'));

// No retry delay, and a poll every half second (pg-boss's shortest), so the test waits little.
const OPTIONS: QueueOptions = { retryDelaySeconds: 0, pollingIntervalSeconds: 0.5 };

async function openQueue(url: string, options: QueueOptions = {}): Promise<JobQueue> {
  const queue = await JobQueue.open(url, { ...OPTIONS, ...options });
  cleanups.push(() => queue.stop());
  return queue;
}

async function store(): Promise<string> {
  const schema = await freshSchema();
  cleanups.push(schema.drop);
  return schema.url;
}

it('gives a job back without using up a try when its worker stops', async () => {
  const url = await store();
  // One try in all: before, the worker's stop failed the job for good.
  const scan = await openQueue(url, { retryLimit: 0 });
  const [id] = await scan.putSites('scan-a', ['site-x'], {});

  const other = await openQueue(url, { retryLimit: 0 });
  let taken!: () => void;
  const took = new Promise<void>((resolve) => {
    taken = resolve;
  });
  await other.work<SiteJob>(QUEUES.site, 1, async (_job, signal) => {
    taken();
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return { stopped: true };
  });
  await took;
  await other.stop();

  await scan.work<SiteJob>(QUEUES.site, 1, async (job) => ({ crawled: job.siteId }));
  const [status] = await scan.waitFor(QUEUES.site, [id!], { pollMs: 100 });
  expect(status).toMatchObject({ state: 'completed', output: { crawled: 'site-x' } });
});

it("waits for a site's unfinished job instead of queueing the site again behind it", async () => {
  const url = await store();
  const queue = await openQueue(url);
  // Scan A was stopped while a worker crawled site x: its job is still under way.
  const [left] = await queue.putSites('scan-a', ['site-x'], {});
  const started: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await queue.work<SiteJob>(QUEUES.site, 2, async (job) => {
    started.push(`${job.batch} ${job.siteId}`);
    if (job.batch === 'scan-a') await held;
    return { crawled: job.siteId };
  });
  await vi.waitFor(() => expect(started).toEqual(['scan-a site-x']), { timeout: 10_000, interval: 50 });

  // Scan B names site x too: it waits for A's job, which crawls the site once for both. A second
  // job of site x would wait at the head of the queue for A's (one crawl of a site at a time), and
  // hold every job queued after it, site y's here, for as long.
  const ids = await queue.putSites('scan-b', ['site-x', 'site-y'], {});
  expect(ids[0]).toBe(left);
  await vi.waitFor(() => expect(started).toContain('scan-b site-y'), { timeout: 10_000, interval: 50 });
  release();
  const statuses = await queue.waitFor(QUEUES.site, ids, { pollMs: 100 });
  expect(statuses.map((status) => status.state)).toEqual(['completed', 'completed']);
  expect(started).toEqual(['scan-a site-x', 'scan-b site-y']);
});

it("renews an archive file's lease while its job runs: a file longer than the lease is read in one try", async () => {
  const url = await store();
  // A lease of 2 s, and the supervisor looking for jobs past theirs every second. Unrenewed, the
  // handler would be told to stop after 1 s and the job, on its only try, fail; it works for 3 s.
  const queue = await openQueue(url, {
    discoverLeaseSeconds: 2,
    maintenanceIntervalSeconds: 1,
    retryLimit: 0,
  });
  const id = await queue.boss.send(QUEUES.discover, { file: 'long.warc.gz' }, { singletonKey: 'long' });
  // Seconds left of the job's lease in the store, as pg-boss's supervisor reckons it.
  const leaseLeft = async () => {
    const { rows } = await queue.boss
      .getDb()
      .executeSql(
        `SELECT extract(epoch FROM started_on + expire_in - now())::float AS left FROM ${queue.schema}.job WHERE id = $1`,
        [id],
      );
    return (rows as Array<{ left: number }>)[0]!.left;
  };
  let runs = 0;
  let toldToStop = false;
  const left: number[] = [];
  await queue.work(QUEUES.discover, 1, async (_job, signal) => {
    runs++;
    for (let second = 0; second < 3; second++) {
      await sleep(1000);
      left.push(await leaseLeft());
    }
    toldToStop = signal.aborted;
    return { read: true };
  });
  const [status] = await queue.waitFor(QUEUES.discover, [id!], { pollMs: 100 });
  expect(status).toMatchObject({ state: 'completed', output: { read: true } });
  expect({ runs, toldToStop }).toEqual({ runs: 1, toldToStop: false });
  // The short lease, kept ahead of the clock: a dead worker's file would wait 2 s, not a day. A
  // renewal whose transaction began just after the reading one (and committed before its statement
  // looked) reads as a little over 2 s: `now()` is each transaction's start (seen once: 2.0014 s).
  for (const seconds of left) expect(seconds).toBeGreaterThan(0);
  for (const seconds of left) expect(seconds).toBeLessThanOrEqual(2.1);
});
