import type { SitesFile } from '../config/sites.ts';
import { type CrawlOptions, type CrawlSummary, crawl } from '../crawl/crawl.ts';
import { crawlerSettings } from '../crawl/settings.ts';
import { clusterHostLimits } from '../crawl/shared-host-limits.ts';
import type { Sql } from '../store/sql.ts';
import type { JobQueue, QueueProgress, SiteJob } from './queue.ts';

/**
 * Both ends of a site job: what a worker does with one (`crawlSiteJob`), and what a scan does to
 * have its sites crawled by the workers (`crawlSitesOnQueue`).
 */

/** The crawl overrides a scan hands its site jobs: JSON, the same for every site of the scan. */
export type SiteJobOptions = Pick<CrawlOptions, 'delayMs' | 'perHost' | 'allowPrivateNetworks'>;

/**
 * One site job: the site's crawl (its own pass, resumed from the store where an earlier try
 * stopped), under per-host limits shared with every other worker. Returns the crawl's summary,
 * which pg-boss keeps as the job's output for the scan to read.
 */
export async function crawlSiteJob(
  sql: Sql,
  config: SitesFile,
  job: SiteJob,
  signal: AbortSignal,
): Promise<CrawlSummary> {
  const options = job.options as SiteJobOptions;
  const limits = clusterHostLimits(sql, crawlerSettings(config, options));
  try {
    // The shared limits replace the crawl's in-process politeness: every worker's requests to a
    // host count against the one limit kept in the store.
    return await crawl(sql, config, { ...options, siteIds: [job.siteId], signal, politeness: limits });
  } finally {
    await limits.close();
  }
}

export interface QueuedCrawl {
  /** Each site's crawl summary (its own pass), for the sites whose job completed. */
  bySite: Map<string, CrawlSummary>;
  /** Sites whose job failed for good (every try), with the last error. */
  failed: Map<string, string>;
}

/**
 * A scan's sites crawled by the workers: one site job each, waited for with progress. Stopping
 * (the signal) stops the waiting; the jobs stay queued and resume in the workers.
 */
export async function crawlSitesOnQueue(
  queue: JobQueue,
  siteIds: readonly string[],
  options: SiteJobOptions,
  watch: { signal?: AbortSignal; onProgress?: (progress: QueueProgress) => void; leaseSeconds?: number } = {},
): Promise<QueuedCrawl> {
  const statuses = await queue.runSites(siteIds, { ...options }, watch);
  const result: QueuedCrawl = { bySite: new Map(), failed: new Map() };
  for (const [siteId, status] of statuses) {
    if (status.state === 'completed') result.bySite.set(siteId, status.output as CrawlSummary);
    else if (status.state === 'failed' || status.state === 'cancelled') {
      const message = (status.output as { message?: string } | null)?.message;
      result.failed.set(siteId, message ?? `the site job ${status.state}`);
    }
  }
  return result;
}

/**
 * How long a worker may hold a site job before it goes to another: the site's wall-clock budget
 * (the crawl stops itself there) and a margin for the last requests and writes after it, a tenth
 * of the budget between 15 s and 5 min. A worker killed mid-site costs at most this long.
 */
export function siteLeaseSeconds(siteTimeBudgetMs: number): number {
  const budgetSeconds = Math.ceil(siteTimeBudgetMs / 1000);
  return budgetSeconds + Math.min(300, Math.max(15, Math.ceil(budgetSeconds / 10)));
}
