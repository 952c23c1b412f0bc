/**
 * One crawling process for test/crawl/shared-host-limits.test.ts: it makes the requests of its
 * plan through `SharedHostLimits` on the store named in argv, as the polite client does (a slot,
 * the request, the slot back, then a Retry-After pause when the answer asks for one), with
 * `lanes` requests at a time to each host. It prints `ready` once its store is open and `done`
 * when every request has been answered.
 */
import { SharedHostLimits } from '../../src/crawl/shared-host-limits.ts';
import { openSql } from '../../src/store/db.ts';

interface Plan {
  store: string;
  perHost: number;
  delayMs: number;
  leaseMs: number;
  /** Per host key, the URLs to ask for. */
  hosts: Record<string, string[]>;
  lanes: number;
}

const plan = JSON.parse(process.argv[2]!) as Plan;
const sql = await openSql(plan.store);
const limits = new SharedHostLimits(sql, {
  concurrency: 64,
  perHost: plan.perHost,
  delayMs: plan.delayMs,
  leaseMs: plan.leaseMs,
  pollMs: 10,
});
process.stdout.write('ready\n');

async function lane(key: string, urls: string[]): Promise<void> {
  for (let url = urls.shift(); url; url = urls.shift()) {
    const release = await limits.acquire(key);
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      const header = response.headers.get('retry-after');
      if (response.status === 503 && header) retryAfterMs = Number(header) * 1000;
    } finally {
      release();
    }
    if (retryAfterMs !== undefined) limits.pauseUntil(key, Date.now() + retryAfterMs);
  }
}

await Promise.all(
  Object.entries(plan.hosts).flatMap(([key, urls]) =>
    Array.from({ length: plan.lanes }, () => lane(key, urls)),
  ),
);
await limits.close();
await sql.close();
process.stdout.write('done\n');
