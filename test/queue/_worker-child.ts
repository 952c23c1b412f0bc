/**
 * One worker process for test/queue/workers.test.ts: it takes site jobs from the queue of the
 * store named in argv and works each with a stand-in for the crawl of a site: every page of the
 * job that the store has not recorded yet is fetched under the cluster-wide host limits and then
 * recorded. (The real crawl is the handler of `syndicate worker`; this one keeps the test about
 * the queue: leases, retries, takeover, and politeness across workers.)
 */
import { SharedHostLimits } from '../../src/crawl/shared-host-limits.ts';
import { JobQueue, QUEUES, type SiteJob } from '../../src/queue/queue.ts';
import { openSql } from '../../src/store/db.ts';

const [store, name] = [process.argv[2]!, process.argv[3]!];
const sql = await openSql(store);
const limits = new SharedHostLimits(sql, {
  concurrency: 8,
  perHost: 1,
  delayMs: 50,
  leaseMs: 1500,
  pollMs: 20,
});
const queue = await JobQueue.open(store, {
  siteLeaseSeconds: 15,
  retryDelaySeconds: 0,
  maintenanceIntervalSeconds: 1,
  pollingIntervalSeconds: 0.5,
});

await queue.work<SiteJob>(QUEUES.site, 2, async (job, signal) => {
  const pages = job.options.pages as string[];
  let fetched = 0;
  for (const url of pages) {
    const done = await sql.get('SELECT url FROM test_fetched WHERE url = ?', [url]);
    if (done) continue;
    const key = new URL(url).host;
    const release = await limits.acquire(key, signal);
    try {
      const response = await fetch(url, { headers: { 'x-worker': name }, signal });
      await response.arrayBuffer();
    } finally {
      release();
    }
    await sql.run('INSERT INTO test_fetched (url, worker) VALUES (?, ?)', [url, name]);
    fetched++;
  }
  return { siteId: job.siteId, fetched };
});
process.stdout.write('ready\n');

const stop = async () => {
  await queue.stop();
  await limits.close();
  await sql.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
