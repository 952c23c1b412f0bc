import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { SitesFile } from '../config/sites.ts';
import { SyndicateError } from '../errors.ts';
import { logger } from '../log.ts';
import { isFetchError } from '../net/errors.ts';
import { hostKey, normaliseUrl } from '../net/url.ts';
import type { Sql } from '../store/sql.ts';
import { Admission, type SiteBudget } from './admission.ts';
import { HostLanes } from './lanes.ts';
import { lockHolder, lockPass, PASS_LEASE_MS, renewPassLock, unlockPass } from './pass-lock.ts';
import { budgetStops, finishPass, noteBudgetStop, openPass, type Pass } from './passes.ts';
import { PoliteClient } from './polite-client.ts';
import { type ItemContext, processItem } from './process-item.ts';
import {
  type Claim,
  claimItems,
  complete,
  type FrontierItem,
  hasQueuedItems,
  itemTotals,
  knownUrls,
  type NewItem,
  passCounts,
  releaseClaims,
  renewClaims,
  sitesWithQueuedItems,
} from './queue.ts';
import { RobotsCache } from './robots-cache.ts';
import { type HostPoliteness, Politeness } from './scheduler.ts';
import { type CrawlerOverrides, crawlerSettings, fetcherFor, selectSites, userAgentOf } from './settings.ts';
import { SiteClocks } from './site-clocks.ts';
import { landedUrls } from './snapshots.ts';
import { type CrawlProgress, CrawlStatistics, sum } from './statistics.ts';

/**
 * The crawl: a library function the `crawl` and `scan` commands call. It opens (or resumes) a
 * pass over the chosen sites, works the frontier in host lanes under the politeness rules, and
 * returns what happened. It never prints; progress goes to `onProgress`. The parts it puts
 * together each live in their own file: admission, host lanes, site clocks, the robots cache,
 * the polite client and its retry policy, the handler per item kind, the statistics.
 */

export type { SiteBudget } from './admission.ts';
export type { CrawlProgress } from './statistics.ts';

export interface CrawlOptions extends CrawlerOverrides {
  /** Sites to crawl; all registered sites when absent or empty. */
  siteIds?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: CrawlProgress) => void;
  now?: () => Date;
  /**
   * Per-host slots, delays and pauses; by default this process's own (`Politeness`). Processes
   * sharing a store pass one that holds across all of them.
   */
  politeness?: HostPoliteness;
}

export interface CrawlSummary {
  passId: number;
  sites: string[];
  /** Whether this run continued an unfinished pass. */
  resumed: boolean;
  /** Whether the pass is complete (false when stopped by a signal). */
  finished: boolean;
  pagesFetched: number;
  notModified: number;
  skippedByRobots: number;
  /** Skipped items by reason: robots, robots-unavailable, content-type, not-found. */
  skipped: Record<string, number>;
  /** Failed items by kind. */
  failed: Record<string, number>;
  failures: number;
  durationMs: number;
  /** Time spent in each stage, summed over concurrent work (for the benchmark). */
  timings: { fetchMs: number; parseMs: number; storeMs: number };
  /**
   * Sites partly crawled because a budget stopped them, site id → the budget: `time` (its share
   * of the crawl ran out; what is left stays queued and the next crawl continues it), `pages`
   * (more pages than `maxPages`), `sitemaps` (more sitemaps, or deeper indexes, than allowed).
   */
  overBudget: Record<string, SiteBudget>;
}

export async function crawl(sql: Sql, config: SitesFile, options: CrawlOptions = {}): Promise<CrawlSummary> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const sites = selectSites(config, options.siteIds);
  const crawler = crawlerSettings(config, options);
  // One plain signal for the whole crawl, stopped by the caller's signal or a fatal error.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onStop = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onStop, { once: true });
  if (options.signal?.aborted) onStop();
  const politeness =
    options.politeness ??
    new Politeness({
      concurrency: crawler.concurrency,
      perHost: crawler.perHost,
      delayMs: crawler.delayMs,
    });
  const client = new PoliteClient(fetcherFor(crawler), politeness, {
    maxTries: crawler.retries,
    retryDelayMs: crawler.retryDelayMs,
    maxRetryAfterMs: crawler.maxRetryAfterMs,
  });

  const { pass, resumed } = await openPass(
    sql,
    sites.map((site) => site.id),
    now(),
    () =>
      sites.map(
        (site): NewItem => ({
          siteId: site.id,
          url: normaliseUrl(site.url)!,
          kind: 'seed',
          source: 'config',
        }),
      ),
  );
  const holder = lockHolder();
  try {
    await lockPass(sql, pass.id, holder, now());
  } catch (error) {
    options.signal?.removeEventListener('abort', onStop);
    await client.close();
    throw error;
  }
  // The pass and the items this process works are leases, renewed while it works: another
  // process (on another machine too) takes them over only once this one stops renewing.
  const lease: Claim = { holder, untilMs: Date.now() + PASS_LEASE_MS };
  let lockLost: SyndicateError | undefined;
  const renewal = setInterval(() => {
    const untilMs = Date.now() + PASS_LEASE_MS;
    renewPassLock(sql, pass.id, holder, untilMs)
      .then(async (held) => {
        if (!held) {
          lockLost = new SyndicateError('locked', `crawl pass ${pass.id} was taken over by another process`);
          stop.abort(lockLost);
          return;
        }
        lease.untilMs = untilMs;
        await renewClaims(sql, pass.id, lease);
      })
      .catch((error: unknown) => logger().warn({ err: error }, 'could not renew the crawl pass lease'));
  }, PASS_LEASE_MS / 3);
  renewal.unref();
  try {
    return await work(pass, resumed);
  } finally {
    clearInterval(renewal);
    await releaseClaims(sql, pass.id, { holder });
    await unlockPass(sql, pass.id, holder);
  }

  async function work(pass: Pass, resumed: boolean): Promise<CrawlSummary> {
    const log = logger();
    log.info({ passId: pass.id, resumed, sites: pass.siteIds }, resumed ? 'crawl resumed' : 'crawl started');
    // An error that only says the crawl is stopping leaves its item queued; any other is fatal.
    const isStopping = (error: unknown) =>
      stop.signal.aborted && (!isFetchError(error) || error.kind === 'aborted');
    const statistics = new CrawlStatistics(
      pass.id,
      { items: await itemTotals(sql, pass.id), counts: await passCounts(sql, pass.id) },
      options.onProgress,
    );
    // Budget stops are noted as they happen, beside the work; the crawl waits for them at its end.
    const notes = new Set<Promise<void>>();
    const admission = new Admission(
      sites,
      crawler,
      {
        pages: await knownUrls(sql, pass.id, 'page'),
        sitemaps: await knownUrls(sql, pass.id, 'sitemap'),
        landedOn: await landedUrls(sql, pass.id),
        budgets: await budgetStops(sql, pass.id),
      },
      (siteId, budget) => {
        const note = noteBudgetStop(sql, pass.id, siteId, budget)
          .catch((error: unknown) => lanes.fail(error))
          .finally(() => notes.delete(note));
        notes.add(note);
      },
    );
    const clocks = new SiteClocks(crawler.siteTimeBudgetMs, stop.signal);
    const robots = new RobotsCache({
      sql,
      userAgent: userAgentOf(crawler),
      now,
      fetch: (url, init) => client.fetch(url, init, stop.signal),
      isStopping,
      // Capped: a Crawl-delay of minutes would make 500 pages take days. The time it does cost
      // counts against the site's time budget like any other wait.
      onCrawlDelay: (origin, delayMs) =>
        politeness.setMinimumDelay(hostKey(origin), Math.min(delayMs, crawler.maxCrawlDelayMs)),
    });
    const lanes: HostLanes<FrontierItem> = new HostLanes({
      perHost: crawler.perHost,
      keyOf: (item) => hostKey(item.url),
      work: (item) => processItem(context, item),
      signal: stop.signal,
      isStopping,
      onFatal: (error) => stop.abort(error),
    });
    const context: ItemContext = {
      sql,
      passId: pass.id,
      sites: new Map(sites.map((site) => [site.id, site])),
      crawler,
      now,
      admission,
      clocks,
      robots,
      client,
      statistics,
      isStopping,
      async record(item, outcome, discovered) {
        const fresh = await statistics.timedAsync('storeMs', () =>
          complete(sql, item, outcome, discovered, lease),
        );
        statistics.recorded(item, outcome, fresh.length);
        lanes.add(fresh);
      },
    };

    try {
      // This process holds the pass: items other holders claimed are those of a process that
      // died or stopped, and are this one's now.
      await releaseClaims(sql, pass.id, { except: holder });
      lanes.add(await claimItems(sql, pass.id, lease, { nowMs: Date.now() }));
      await lanes.idle();
      await Promise.all(notes);
    } finally {
      options.signal?.removeEventListener('abort', onStop);
      clocks.dispose();
      await client.close();
    }
    if (lanes.fatal) throw lanes.fatal;
    if (lockLost) throw lockLost;
    // A site whose time ran out with work left is partly crawled; one that ran out with nothing
    // left to do was not stopped by it.
    const overBudget = admission.overBudget;
    for (const siteId of await sitesWithQueuedItems(sql, pass.id)) {
      if (clocks.timeUp(siteId)) overBudget[siteId] = 'time';
    }
    const finished = !stop.signal.aborted && !(await hasQueuedItems(sql, pass.id));
    if (finished) await finishPass(sql, pass.id, now());
    const final = await passCounts(sql, pass.id);
    const summary: CrawlSummary = {
      passId: pass.id,
      sites: pass.siteIds,
      resumed,
      finished,
      pagesFetched: final.pagesFetched,
      notModified: final.notModified,
      skippedByRobots: final.skipped.robots ?? 0,
      skipped: final.skipped,
      failed: final.failed,
      failures: sum(final.failed),
      durationMs: Math.round(performance.now() - started),
      timings: {
        fetchMs: Math.round(client.fetchMs),
        parseMs: Math.round(statistics.timings.parseMs),
        storeMs: Math.round(statistics.timings.storeMs),
      },
      overBudget,
    };
    log.info({ ...summary }, finished ? 'crawl finished' : 'crawl stopped');
    return summary;
  }
}
