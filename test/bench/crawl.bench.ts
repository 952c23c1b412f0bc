/**
 * Crawl throughput: a generated network of local sites (CRAWL_SITES × CRAWL_PAGES, default
 * 50 × 400, with robots.txt, sitemaps and feeds) crawled with politeness delays at zero. Prints
 * pages per second, peak memory and the share of time in fetching, parsing and storage, next to a
 * baseline measured in the same run: the same pages fetched bare with undici, nothing kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { sitesFileSchema } from '../../src/config/sites.ts';
import { crawl } from '../../src/crawl/crawl.ts';
import { openSql } from '../../src/store/db.ts';
import { startNetwork } from './_crawl-network.ts';
import { heapUsedMiB, peakRssMiB, printTable, timeAsync } from './_measure.ts';

const SITES = Number(process.env.CRAWL_SITES ?? 50);
const PAGES = Number(process.env.CRAWL_PAGES ?? 400);
const CONCURRENCY = 16;

const network = await startNetwork(SITES, PAGES);
const { hosts, port } = network;

// Baseline: every page fetched bare with undici at the same concurrency, bodies thrown away.
const agent = new Agent({
  connect: { lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]) },
});
const urls = hosts.flatMap((host) =>
  Array.from({ length: PAGES }, (_, i) => `http://${host}:${port}/article/${i}`),
);
const baseline = await timeAsync(async () => {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < urls.length) {
        const url = urls[next++]!;
        const response = await request(url, { dispatcher: agent });
        await response.body.arrayBuffer();
      }
    }),
  );
});
await agent.close();

const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-'));
const sql = await openSql(join(dir, 'store.sqlite'));
const config = sitesFileSchema.parse(network.sitesFile({ concurrency: CONCURRENCY }));
const heapBefore = heapUsedMiB();
const run = await timeAsync(() => crawl(sql, config));
const summary = run.value;
const rescan = await timeAsync(() => crawl(sql, config));
await sql.close();
network.close();
rmSync(dir, { recursive: true, force: true });

// Parsing and storage run on the main thread, one at a time, so their sums are exclusive shares of
// the wall time; fetching overlaps them (requests in flight while a page is parsed), so its share
// is what is left: network, undici, and waiting for a politeness slot.
const { parseMs, storeMs } = summary.timings;
const share = (ms: number) => `${((100 * ms) / run.ms).toFixed(0)} %`;
printTable([
  {
    run: 'baseline: bare undici GETs',
    pages: urls.length,
    seconds: baseline.ms / 1000,
    'pages/s': urls.length / (baseline.ms / 1000),
  },
  {
    run: 'crawl (first pass)',
    pages: summary.pagesFetched,
    seconds: run.ms / 1000,
    'pages/s': summary.pagesFetched / (run.ms / 1000),
  },
  {
    run: 'crawl (rescan pass, 304s)',
    pages: rescan.value.pagesFetched + rescan.value.notModified,
    seconds: rescan.ms / 1000,
    'pages/s': (rescan.value.pagesFetched + rescan.value.notModified) / (rescan.ms / 1000),
  },
]);
console.log('');
printTable([
  {
    'fetch share': share(run.ms - parseMs - storeMs),
    'parse share': share(parseMs),
    'storage share': share(storeMs),
    'crawl / baseline time': run.ms / baseline.ms,
    'peak RSS MiB': peakRssMiB(),
    'heap growth MiB': heapUsedMiB() - heapBefore,
    failures: summary.failures,
  },
]);
