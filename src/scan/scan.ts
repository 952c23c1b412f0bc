import { checkSnapshot } from '../check/check-snapshot.ts';
import type { PageResult } from '../check/result.ts';
import type { AlertsConfig } from '../config/alerts.ts';
import type { SitesFile } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import { type CrawlOptions, type CrawlSummary, crawl } from '../crawl/crawl.ts';
import { revisit } from '../crawl/revisit.ts';
import type { HostPoliteness } from '../crawl/scheduler.ts';
import { selectSites } from '../crawl/settings.ts';
import { captureEvidence } from '../evidence/index.ts';
import {
  acquireScanLock,
  activeFindingPages,
  alertNewViolations,
  applyDeadlines,
  assertScanLock,
  countOpenInScan,
  countOpenOnSites,
  type DeadlineOutcome,
  type Finding,
  finishScan,
  getScanOrThrow,
  keepScanLock,
  type RecordOutcome,
  recordPageResults,
  releaseScanLock,
  type Scan,
  type ScanError,
  type ScanLock,
  type ScannedPage,
  type SiteFailure,
  type SiteOutcome,
  startScan,
  type WebhookOutcome,
} from '../findings/index.ts';
import { logger } from '../log.ts';
import { hostKey } from '../net/url.ts';
import {
  failuresOf,
  goneOf,
  type PageSnapshot,
  queuedBySite,
  reachedIn,
  snapshotsOf,
} from '../snapshot/index.ts';
import type { Sql } from '../store/sql.ts';
import { cachedJudgement, judgementStamp, saveJudgement } from './judgements.ts';
import { pageLanguage } from './language.ts';
import { isOutage, siteOutcomes } from './site-results.ts';

/**
 * One scan: crawl the registered sites, judge what their pages reprint, and record the findings
 * of this scan against the ones before it. Data flows one way: crawl → snapshots → checks →
 * findings → alerts. It never prints; the CLI shows the summary it returns.
 */

export interface ScanConfig {
  sites: SitesFile;
  terms: Terms;
  alerts: AlertsConfig;
}

/**
 * What a scan's crawl left in the store: each site's crawl pass (one pass for every site when the
 * scan crawls in this process; a pass per site when the queue's workers crawl them, one site job
 * each), the sites whose pass finished, and sites whose crawl failed outright (a site job that
 * failed every try), with why. `summary` holds the figures of all of them together.
 */
export interface ScanCrawl {
  summary: CrawlSummary;
  passes: ReadonlyMap<string, number>;
  finished: ReadonlySet<string>;
  failed: ReadonlyMap<string, string>;
}

/** How a scan has its sites crawled; by default in this process (`crawlHere`). */
export type CrawlSites = (sql: Sql, sites: SitesFile, options: CrawlOptions) => Promise<ScanCrawl>;

/** A scan takes the crawl's options: which sites, the stop signal, progress and politeness overrides. */
export type ScanOptions = CrawlOptions & {
  /** Who crawls the sites: this process (the default), or the job queue's workers. */
  crawlSites?: CrawlSites;
};

/** The sites crawled in this process, in one pass. */
export async function crawlHere(sql: Sql, sites: SitesFile, options: CrawlOptions): Promise<ScanCrawl> {
  const summary = await crawl(sql, sites, options);
  return {
    summary,
    passes: new Map(summary.sites.map((site) => [site, summary.passId])),
    finished: new Set(summary.finished ? summary.sites : []),
    failed: new Map(),
  };
}

export interface ScanSummary {
  scan: Scan;
  /** The crawl's figures, of every site's pass together. */
  crawl: CrawlSummary;
  /** Each site's crawl pass: one for all sites in this process, one per site on the job queue. */
  passes: Record<string, number>;
  /** Pages judged in this scan, and pages whose earlier judgement still held (unchanged). */
  judged: number;
  reused: number;
  /** Pages with open findings that the crawl did not reach, fetched again to see if they are gone. */
  revisited: number;
  newViolations: Finding[];
  resolved: Finding[];
  /** Violations seen in this scan that wait for a person (open or contacted). */
  openViolations: number;
  /**
   * Violations on the scanned sites that wait for a person now, whichever scan last saw them
   * (an unreachable site's findings stay open and are counted here).
   */
  openFindings: { open: number; contacted: number };
  /** Each site's result: compliant, violations, unreachable or partly scanned, with its failures. */
  sites: Record<string, SiteOutcome>;
  /** No page of any site could be fetched: nothing was checked (`scan` exits 2). */
  outage: boolean;
  /** Contacted findings whose deadline has passed: still violating (overdue) or resolved. */
  deadlines: DeadlineOutcome;
  alerts: WebhookOutcome[];
}

const BATCH = 200;

/**
 * Run one scan under the store's scan lock, renewing its lease while it runs (see lock.ts). A scan
 * whose lease another scan took over stops, records nothing more, and fails with a `locked` error.
 */
export async function runScan(sql: Sql, config: ScanConfig, options: ScanOptions = {}): Promise<ScanSummary> {
  const now = options.now ?? (() => new Date());
  const sites = selectSites(config.sites, options.siteIds);
  const lock = await acquireScanLock(sql, { now: now() });
  const lost = new AbortController();
  const heartbeat = keepScanLock(sql, lock, { now, onLost: () => lost.abort() });
  const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
  try {
    const scan = await startScan(sql, { sites: sites.map((site) => site.id), now: now() });
    try {
      return await scanSites(sql, config, { ...options, signal }, scan, now, lock);
    } catch (error) {
      // A scan that failed (its crawl refused because a `crawl` works on the same sites, say) is
      // closed with the reason, not left looking as if it were still running.
      await closeFailed(sql, scan.id, error, now());
      throw error;
    }
  } finally {
    await heartbeat.stop();
    await releaseScanLock(sql, lock);
  }
}

async function scanSites(
  sql: Sql,
  config: ScanConfig,
  options: ScanOptions,
  scan: Scan,
  now: () => Date,
  lock: ScanLock,
): Promise<ScanSummary> {
  const log = logger().child({ scan: scan.id });
  log.info({ sites: scan.sites }, 'scan started');
  const { crawlSites = crawlHere, ...crawlOptions } = options;
  const crawledSites = await crawlSites(sql, config.sites, { ...crawlOptions, siteIds: scan.sites, now });
  const crawled = crawledSites.summary;
  const passes = crawledSites.passes;
  const distinctPasses = [...new Set(passes.values())];

  const stamp = await judgementStamp(sql, config.terms, config.sites.sites);
  const outcomes: RecordOutcome[] = [];
  const counts = { judged: 0, reused: 0, revisited: 0 };
  const checked = new Map<string, number>();
  let batch: ScannedPage[] = [];
  const record = async (gone: string[] = []) => {
    if (batch.length === 0 && gone.length === 0) return;
    const pages = batch;
    batch = [];
    outcomes.push(
      await recordPageResults(sql, scan.id, pages, { sites: config.sites.sites, gone, now: now(), lock }),
    );
  };
  const judge = async (snapshot: PageSnapshot, site: string) => {
    checked.set(site, (checked.get(site) ?? 0) + 1);
    const cached = await cachedJudgement(sql, snapshot, stamp);
    let result: PageResult;
    if (cached) {
      result = cached;
      counts.reused++;
    } else {
      result = await checkSnapshot(sql, snapshot, {
        terms: config.terms,
        sites: config.sites.sites,
        now: now(),
      });
      await saveJudgement(sql, snapshot, stamp, result, now());
      counts.judged++;
    }
    const language = pageLanguage(snapshot);
    batch.push({ ...result, reprintHash: snapshot.bodyHash, ...(language ? { language } : {}) });
    if (batch.length >= BATCH) await record();
  };

  // One snapshot at a time (snapshotsOf reads each body when it is reached, with no statement
  // left open, so judging may write to the store in between).
  // A stop signal ends judging too: what was judged is recorded, the rest waits for the next scan.
  judging: for (const site of scan.sites) {
    const passId = passes.get(site);
    if (passId === undefined) continue;
    for await (const snapshot of snapshotsOf(sql, passId, { siteId: site })) {
      if (options.signal?.aborted) break judging;
      await judge(snapshot, site);
    }
  }
  const gone: string[] = [];
  for (const passId of distinctPasses) gone.push(...(await goneOf(sql, passId)).map((page) => page.url));
  const failures = await failuresBySite(sql, distinctPasses);
  // A site whose crawl failed outright (its job failed every try) was not checked: it says why.
  for (const [site, message] of crawledSites.failed) {
    const list = failures.get(site) ?? [];
    list.push({ url: siteUrlOf(config.sites, site), kind: 'crawl-failed', message });
    failures.set(site, list);
  }
  // A site whose robots.txt could not be read is not asked for anything else in this scan, not
  // even a page with an open finding (its robots.txt of an earlier scan may be stale); nor is a
  // site that looks down (nothing fetched, something failed): its open findings wait.
  const closed = new Set(
    [...failures]
      .filter(
        ([site, list]) =>
          list.some((failure) => CLOSED_KINDS.has(failure.kind)) || (checked.get(site) ?? 0) === 0,
      )
      .map(([site]) => site),
  );

  // A page with an open finding that the crawl no longer reaches (dropped from the sitemap, say)
  // is asked for directly: gone if it answers 404 or 410, judged again if it is still there.
  const finishedSites = scan.sites.filter((site) => crawledSites.finished.has(site));
  if (finishedSites.length) {
    for (const page of await unreachedFindings(sql, passes, finishedSites)) {
      if (options.signal?.aborted) break;
      if (closed.has(page.site)) continue;
      const snapshot = await politely(options.politeness, page.url, options.signal, () =>
        revisit(sql, config.sites, page.url, crawlOptions),
      );
      counts.revisited++;
      if (snapshot === 'gone') gone.push(page.url);
      else if (snapshot) await judge(snapshot, page.site);
    }
  }
  await record(gone);
  // A scan that lost its lock stops here: the scan that took the store over goes on.
  await assertScanLock(sql, lock);
  await captureEvidence(sql, { scanId: scan.id, now, signal: options.signal });

  const deadlines = await applyDeadlines(sql, scan.id, { sites: scan.sites, now: now() });

  const errors: ScanError[] = [...failures].flatMap(([site, list]) =>
    list.map((failure) => ({
      url: failure.url,
      site,
      kind: failure.kind,
      message: `${failure.kind}${failure.message ? `: ${failure.message}` : ''}`,
    })),
  );
  if (!crawled.finished)
    errors.push({ url: '', message: 'the crawl stopped before the end; the next scan continues it' });
  const queued = new Map<string, number>();
  for (const passId of new Set(
    scan.sites.filter((site) => !crawledSites.finished.has(site)).map((site) => passes.get(site)),
  )) {
    if (passId === undefined) continue;
    for (const [site, count] of await queuedBySite(sql, passId)) queued.set(site, count);
  }
  const recorded = (await getScanOrThrow(sql, scan.id)).counts.bySite ?? {};
  const sites = siteOutcomes(scan.sites, {
    checked,
    failures,
    queued,
    overBudget: overBudgetOf(crawled),
    violations: new Map(scan.sites.map((site) => [site, recorded[site]?.violations ?? 0])),
  });
  const finished = await finishScan(sql, scan.id, { now: now(), errors, siteResults: sites });
  const newViolations = outcomes.flatMap((outcome) => outcome.new);
  const resolved = outcomes.flatMap((outcome) => outcome.resolved);
  const openViolations = await countOpenInScan(sql, scan.id);
  const openFindings = await countOpenOnSites(sql, scan.sites);
  const outage = isOutage(sites);
  const alerts = await alertNewViolations(config.alerts, finished, newViolations);
  log.info(
    {
      ...counts,
      new: newViolations.length,
      resolved: resolved.length,
      openViolations,
      unreachable: Object.keys(sites).filter((site) => sites[site]!.result === 'unreachable'),
      outage,
    },
    'scan finished',
  );
  return {
    scan: finished,
    crawl: crawled,
    passes: Object.fromEntries(passes),
    ...counts,
    newViolations,
    resolved,
    openViolations,
    openFindings,
    sites,
    outage,
    deadlines,
    alerts,
  };
}

/** Failures that mean nothing on the host may be fetched: robots.txt unreadable, a refused address. */
const CLOSED_KINDS = new Set(['robots-unavailable', 'private-address']);

async function failuresBySite(sql: Sql, passIds: readonly number[]): Promise<Map<string, SiteFailure[]>> {
  const bySite = new Map<string, SiteFailure[]>();
  const all = [];
  for (const passId of passIds) all.push(...(await failuresOf(sql, passId)));
  for (const failure of all) {
    const list = bySite.get(failure.siteId) ?? [];
    // The crawler's messages start with the URL (for its log); the URL has its own field here.
    const message = (failure.message ?? failure.kind).replace(`${failure.url}: `, '');
    list.push({ url: failure.url, kind: failure.kind, message });
    bySite.set(failure.siteId, list);
  }
  return bySite;
}

/** Sites the crawl stopped early because they used up a budget (site id → `time`, `pages`, …). */
function overBudgetOf(crawled: CrawlSummary): Map<string, string> {
  return new Map(Object.entries(crawled.overBudget ?? {}));
}

async function closeFailed(sql: Sql, scanId: number, error: unknown, at: Date): Promise<void> {
  try {
    await finishScan(sql, scanId, {
      now: at,
      errors: [{ message: `the scan failed: ${(error as Error).message ?? String(error)}` }],
    });
  } catch (closing) {
    logger().warn({ scan: scanId, err: closing }, 'could not record why the scan failed');
  }
}

/** Pages with an open finding that the crawl of their site's pass did not reach. */
async function unreachedFindings(
  sql: Sql,
  passes: ReadonlyMap<string, number>,
  siteIds: string[],
): Promise<Array<{ url: string; site: string }>> {
  const unreached: Array<{ url: string; site: string }> = [];
  for (const row of await activeFindingPages(sql, siteIds)) {
    const passId = passes.get(row.site);
    if (passId !== undefined && !(await reachedIn(sql, passId, row.url))) unreached.push(row);
  }
  return unreached;
}

/**
 * A request of the scan's own (a revisit) under the host limits the crawl used, when it was given
 * shared ones: workers of other scans may be crawling the same host.
 */
async function politely<T>(
  politeness: HostPoliteness | undefined,
  url: string,
  signal: AbortSignal | undefined,
  request: () => Promise<T>,
): Promise<T | undefined> {
  if (!politeness) return request();
  let release: () => void;
  try {
    release = await politeness.acquire(hostKey(url), signal);
  } catch {
    return undefined;
  }
  try {
    return await request();
  } finally {
    release();
  }
}

function siteUrlOf(sites: SitesFile, siteId: string): string {
  return sites.sites.find((site) => site.id === siteId)?.url ?? '';
}
