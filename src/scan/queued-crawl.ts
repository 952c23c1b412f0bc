import type { CrawlSummary } from '../crawl/crawl.ts';
import type { JobQueue, QueueProgress } from '../queue/queue.ts';
import { crawlSitesOnQueue, type SiteJobOptions } from '../queue/site-jobs.ts';
import type { CrawlSites, ScanCrawl } from './scan.ts';

/**
 * A scan's crawl done by the queue's workers (`runScan`'s `crawlSites`): one site job per site,
 * each site crawled in a pass of its own, waited for with `onProgress`. A site whose job did not
 * complete (it failed every try, or the scan was stopped while it waited) is judged on what its
 * unfinished pass holds, as an in-process crawl stopped early would be.
 */
export function crawlOnQueue(
  queue: JobQueue,
  watch: { onProgress?: (progress: QueueProgress) => void; leaseSeconds: number },
): CrawlSites {
  return async (sql, config, options) => {
    const started = Date.now();
    const siteIds = options.siteIds?.length ? options.siteIds : config.sites.map((site) => site.id);
    const jobOptions: SiteJobOptions = {
      ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
      ...(options.perHost !== undefined ? { perHost: options.perHost } : {}),
      ...(options.allowPrivateNetworks !== undefined
        ? { allowPrivateNetworks: options.allowPrivateNetworks }
        : {}),
    };
    const crawled = await crawlSitesOnQueue(queue, siteIds, jobOptions, {
      leaseSeconds: watch.leaseSeconds,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(watch.onProgress ? { onProgress: watch.onProgress } : {}),
    });
    const passes = new Map<string, number>();
    const finished = new Set<string>();
    for (const siteId of siteIds) {
      const summary = crawled.bySite.get(siteId);
      if (summary) {
        passes.set(siteId, summary.passId);
        if (summary.finished) finished.add(siteId);
        continue;
      }
      const open = await sql.get<{ id: number }>(
        'SELECT id FROM crawl_passes WHERE sites = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1',
        [JSON.stringify([siteId])],
      );
      if (open) passes.set(siteId, open.id);
    }
    const result: ScanCrawl = {
      summary: mergeSummaries(siteIds, [...crawled.bySite.values()], Date.now() - started),
      passes,
      finished,
      failed: crawled.failed,
    };
    result.summary.finished = finished.size === siteIds.length;
    return result;
  };
}

/** The sites' crawl summaries as one: counts added up, the time the whole wait took. */
function mergeSummaries(
  siteIds: readonly string[],
  summaries: CrawlSummary[],
  durationMs: number,
): CrawlSummary {
  const merged: CrawlSummary = {
    passId: summaries[0]?.passId ?? 0,
    sites: [...siteIds],
    resumed: summaries.some((summary) => summary.resumed),
    finished: false,
    pagesFetched: 0,
    notModified: 0,
    skippedByRobots: 0,
    skipped: {},
    failed: {},
    failures: 0,
    durationMs,
    timings: { fetchMs: 0, parseMs: 0, storeMs: 0 },
    overBudget: {},
  };
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
  };
  for (const summary of summaries) {
    merged.pagesFetched += summary.pagesFetched;
    merged.notModified += summary.notModified;
    merged.skippedByRobots += summary.skippedByRobots;
    merged.failures += summary.failures;
    add(merged.skipped, summary.skipped);
    add(merged.failed, summary.failed);
    add(merged.timings, summary.timings);
    Object.assign(merged.overBudget, summary.overBudget);
  }
  return merged;
}
