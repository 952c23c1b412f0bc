import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSnapshot } from '../check/check-snapshot.ts';
import type { PageResult } from '../check/result.ts';
import type { AlertsConfig } from '../config/alerts.ts';
import type { SitesFile } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import { type CrawlOptions, type CrawlSummary, crawl, selectSites, userAgentOf } from '../crawl/crawl.ts';
import { fetchPageSnapshot } from '../crawl/fetch-page.ts';
import { cachedRobots, failuresOf, goneOf, queuedItems, reachedIn, snapshotsOf } from '../crawl/frontier.ts';
import { isAllowed, parseRobots, policyFor } from '../crawl/robots.ts';
import { sleep } from '../crawl/scheduler.ts';
import type { PageSnapshot } from '../crawl/snapshot.ts';
import { captureEvidence } from '../evidence/index.ts';
import {
  ACTIVE_STATUSES,
  acquireScanLock,
  alertNewViolations,
  applyDeadlines,
  type DeadlineOutcome,
  type Finding,
  finishScan,
  getScanOrThrow,
  type RecordOutcome,
  recordPageResults,
  releaseScanLock,
  type Scan,
  type ScanError,
  type ScannedPage,
  type SiteFailure,
  type SiteOutcome,
  startScan,
  type WebhookOutcome,
} from '../findings/index.ts';
import { logger } from '../log.ts';
import { isFetchError } from '../net/errors.ts';
import type { Db } from '../store/db.ts';
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

/** A scan takes the crawl's options: which sites, the stop signal, progress and politeness overrides. */
export type ScanOptions = CrawlOptions;

export interface ScanSummary {
  scan: Scan;
  crawl: CrawlSummary;
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

export async function runScan(db: Db, config: ScanConfig, options: ScanOptions = {}): Promise<ScanSummary> {
  const now = options.now ?? (() => new Date());
  const sites = selectSites(config.sites, options.siteIds);
  const lock = acquireScanLock(db, { now: now() });
  try {
    const scan = startScan(db, { sites: sites.map((site) => site.id), now: now() });
    try {
      return await scanSites(db, config, options, scan, now);
    } catch (error) {
      // A scan that failed (its crawl refused because a `crawl` works on the same sites, say) is
      // closed with the reason, not left looking as if it were still running.
      closeFailed(db, scan.id, error, now());
      throw error;
    }
  } finally {
    releaseScanLock(db, lock);
  }
}

async function scanSites(
  db: Db,
  config: ScanConfig,
  options: ScanOptions,
  scan: Scan,
  now: () => Date,
): Promise<ScanSummary> {
  const log = logger().child({ scan: scan.id });
  log.info({ sites: scan.sites }, 'scan started');
  const crawled = await crawl(db, config.sites, { ...options, siteIds: scan.sites, now });

  const stamp = judgementStamp(db, config);
  const outcomes: RecordOutcome[] = [];
  const counts = { judged: 0, reused: 0, revisited: 0 };
  const checked = new Map<string, number>();
  let batch: ScannedPage[] = [];
  const record = (gone: string[] = []) => {
    if (batch.length === 0 && gone.length === 0) return;
    outcomes.push(recordPageResults(db, scan.id, batch, { sites: config.sites.sites, gone, now: now() }));
    batch = [];
  };
  const judge = (snapshot: PageSnapshot, site: string) => {
    checked.set(site, (checked.get(site) ?? 0) + 1);
    const cached = cachedJudgement(db, snapshot, stamp);
    let result: PageResult;
    if (cached) {
      result = cached;
      counts.reused++;
    } else {
      result = checkSnapshot(db, snapshot, { terms: config.terms, sites: config.sites.sites, now: now() });
      saveJudgement(db, snapshot, stamp, result, now());
      counts.judged++;
    }
    const language = pageLanguage(snapshot);
    batch.push({ ...result, reprintHash: snapshot.bodyHash, ...(language ? { language } : {}) });
    if (batch.length >= BATCH) record();
  };

  // One snapshot at a time (snapshotsOf reads each body when it is reached, with no statement
  // left open, so judging may write to the store in between).
  // A stop signal ends judging too: what was judged is recorded, the rest waits for the next scan.
  judging: for (const site of scan.sites) {
    for (const snapshot of snapshotsOf(db, crawled.passId, { siteId: site })) {
      if (options.signal?.aborted) break judging;
      judge(snapshot, site);
    }
  }
  const gone = goneOf(db, crawled.passId).map((page) => page.url);
  const failures = failuresBySite(db, crawled.passId);
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
  if (crawled.finished) {
    for (const page of unreachedFindings(db, crawled.passId, scan.sites)) {
      if (options.signal?.aborted) break;
      if (closed.has(page.site)) continue;
      const snapshot = await revisit(db, config.sites, page, options);
      counts.revisited++;
      if (snapshot === 'gone') gone.push(page.url);
      else if (snapshot) judge(snapshot, page.site);
    }
  }
  record(gone);
  await captureEvidence(db, { scanId: scan.id, now, signal: options.signal });

  const deadlines = applyDeadlines(db, scan.id, { sites: scan.sites, now: now() });

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
  const recorded = getScanOrThrow(db, scan.id).counts.bySite ?? {};
  const sites = siteOutcomes(scan.sites, {
    checked,
    failures,
    queued: crawled.finished ? new Map() : queuedBySite(db, crawled.passId),
    overBudget: overBudgetOf(crawled),
    violations: new Map(scan.sites.map((site) => [site, recorded[site]?.violations ?? 0])),
  });
  const finished = finishScan(db, scan.id, { now: now(), errors, siteResults: sites });
  const newViolations = outcomes.flatMap((outcome) => outcome.new);
  const resolved = outcomes.flatMap((outcome) => outcome.resolved);
  const openViolations = countOpenInScan(db, scan.id);
  const openFindings = countOpenOnSites(db, scan.sites);
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

function failuresBySite(db: Db, passId: number): Map<string, SiteFailure[]> {
  const bySite = new Map<string, SiteFailure[]>();
  for (const failure of failuresOf(db, passId)) {
    const list = bySite.get(failure.siteId) ?? [];
    // The crawler's messages start with the URL (for its log); the URL has its own field here.
    const message = (failure.message ?? failure.kind).replace(`${failure.url}: `, '');
    list.push({ url: failure.url, kind: failure.kind, message });
    bySite.set(failure.siteId, list);
  }
  return bySite;
}

function queuedBySite(db: Db, passId: number): Map<string, number> {
  const bySite = new Map<string, number>();
  for (const item of queuedItems(db, passId)) bySite.set(item.siteId, (bySite.get(item.siteId) ?? 0) + 1);
  return bySite;
}

/** Sites the crawl stopped early because they used up a budget (site id → `time`, `pages`, …). */
function overBudgetOf(crawled: CrawlSummary): Map<string, string> {
  return new Map(Object.entries(crawled.overBudget ?? {}));
}

function closeFailed(db: Db, scanId: number, error: unknown, at: Date): void {
  try {
    finishScan(db, scanId, {
      now: at,
      errors: [{ message: `the scan failed: ${(error as Error).message ?? String(error)}` }],
    });
  } catch (closing) {
    logger().warn({ scan: scanId, err: closing }, 'could not record why the scan failed');
  }
}

/**
 * What a judgement depends on besides the page: the terms, the site registry, the articles and the
 * judging code. When any of them changes, every page is judged again.
 */
function judgementStamp(db: Db, config: ScanConfig): string {
  const articles = db.prepare('SELECT count(*) AS n, max(stored_at) AS latest FROM articles').get();
  return createHash('sha256')
    .update(JSON.stringify([config.terms, config.sites.sites, articles, judgingCode()]))
    .digest('hex');
}

let judgingCodeHash: string | undefined;

/**
 * A hash of the code that judges pages (matching and the rules): after an upgrade that fixes a rule,
 * an unchanged page must not keep a verdict the old rule gave, a false accusation perhaps.
 */
function judgingCode(): string {
  if (judgingCodeHash) return judgingCodeHash;
  const hash = createHash('sha256');
  for (const folder of ['../check/', '../match/']) {
    const dir = fileURLToPath(new URL(folder, import.meta.url));
    try {
      for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
        if (/\.[cm]?[jt]s$/.test(file)) hash.update(file).update(readFileSync(join(dir, file)));
      }
    } catch (error) {
      // Without its sources (a bundled build), the judging code is known by this file's URL.
      hash.update(import.meta.url).update(String((error as Error).message));
    }
  }
  judgingCodeHash = hash.digest('hex');
  return judgingCodeHash;
}

function cachedJudgement(db: Db, snapshot: PageSnapshot, stamp: string): PageResult | undefined {
  const row = db
    .prepare<[string], { body_hash: string; stamp: string; result: string }>(
      'SELECT body_hash, stamp, result FROM scan_judgements WHERE url = ?',
    )
    .get(snapshot.url);
  if (!row || row.body_hash !== snapshot.bodyHash || row.stamp !== stamp) return undefined;
  return { ...(JSON.parse(row.result) as PageResult), fetchedAt: snapshot.fetchedAt };
}

function saveJudgement(db: Db, snapshot: PageSnapshot, stamp: string, result: PageResult, at: Date): void {
  db.prepare(
    `INSERT INTO scan_judgements (url, body_hash, stamp, result, judged_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (url) DO UPDATE SET body_hash = excluded.body_hash, stamp = excluded.stamp,
       result = excluded.result, judged_at = excluded.judged_at`,
  ).run(snapshot.url, snapshot.bodyHash, stamp, JSON.stringify(result), at.toISOString());
}

function unreachedFindings(db: Db, passId: number, siteIds: string[]): Array<{ url: string; site: string }> {
  const placeholders = ACTIVE_STATUSES.map(() => '?').join(', ');
  const rows = db
    .prepare(
      `SELECT DISTINCT page_url AS url, site FROM findings
       WHERE status IN (${placeholders}) AND site IN (SELECT value FROM json_each(?))`,
    )
    .all(...ACTIVE_STATUSES, JSON.stringify(siteIds)) as Array<{ url: string; site: string }>;
  return rows.filter((row) => !reachedIn(db, passId, row.url));
}

async function revisit(
  db: Db,
  sites: SitesFile,
  page: { url: string },
  options: ScanOptions,
): Promise<PageSnapshot | 'gone' | undefined> {
  const userAgent = userAgentOf(sites.crawler);
  const robots = cachedRobots(db, new URL(page.url).origin);
  // Only where this scan's crawl read robots.txt and it allows the page: never a disallowed URL.
  if (!robots || robots.status >= 500) return undefined;
  const policy = robots.status < 300 ? policyFor(parseRobots(robots.body), userAgent) : undefined;
  if (policy && !isAllowed(policy, page.url)) return undefined;
  // The same pace as the crawl's (its delay, or a larger Crawl-delay): a site that dropped many
  // pages from its sitemap is not sent their revisits back to back.
  const delayMs = Math.max(
    options.delayMs ?? sites.crawler.delayMs,
    Math.min((policy?.crawlDelaySeconds ?? 0) * 1000, sites.crawler.maxCrawlDelayMs),
  );
  try {
    await sleep(delayMs, options.signal);
  } catch {
    return undefined;
  }
  try {
    return await fetchPageSnapshot(page.url, {
      allowPrivateNetworks: options.allowPrivateNetworks || sites.crawler.allowPrivateNetworks,
      userAgent,
      resolve: sites.crawler.resolve,
      signal: options.signal,
      maxBodyBytes: sites.crawler.maxBodyBytes,
      headersTimeoutMs: sites.crawler.headersTimeoutMs,
      bodyTimeoutMs: sites.crawler.bodyTimeoutMs,
      maxRedirects: sites.crawler.maxRedirects,
    });
  } catch (error) {
    if (isFetchError(error) && (error.status === 404 || error.status === 410)) return 'gone';
    logger().warn({ url: page.url, err: error }, 'could not revisit a page with an open finding');
    return undefined;
  }
}

function countOpenOnSites(db: Db, sites: readonly string[]): { open: number; contacted: number } {
  const rows = db
    .prepare(
      `SELECT status, count(*) AS n FROM findings
       WHERE verdict = 'violation' AND status IN ('open', 'contacted')
         AND site IN (SELECT value FROM json_each(?)) GROUP BY status`,
    )
    .all(JSON.stringify(sites)) as Array<{ status: 'open' | 'contacted'; n: number }>;
  const counts = { open: 0, contacted: 0 };
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

function countOpenInScan(db: Db, scanId: number): number {
  const placeholders = ACTIVE_STATUSES.map(() => '?').join(', ');
  const row = db
    .prepare(
      `SELECT count(*) AS n FROM findings WHERE last_scan = ? AND verdict = 'violation' AND status IN (${placeholders})`,
    )
    .get(scanId, ...ACTIVE_STATUSES) as { n: number };
  return row.n;
}
