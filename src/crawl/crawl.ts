import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { SitesFile } from '../config/sites.ts';
import { logger } from '../log.ts';
import { isFetchError } from '../net/errors.ts';
import { hostKey, normaliseUrl } from '../net/url.ts';
import type { Db } from '../store/db.ts';
import { Admission, type SiteBudget } from './admission.ts';
import { HostLanes } from './lanes.ts';
import { lockHolder, lockPass, unlockPass } from './pass-lock.ts';
import { budgetStops, finishPass, noteBudgetStop, openPass, type Pass } from './passes.ts';
import { PoliteClient } from './polite-client.ts';
import { type ItemContext, processItem } from './process-item.ts';
import {
  complete,
  type FrontierItem,
  itemTotals,
  knownUrls,
  type NewItem,
  passCounts,
  queuedItems,
  sitesWithQueuedItems,
} from './queue.ts';
import { RobotsCache } from './robots-cache.ts';
import { Politeness } from './scheduler.ts';
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

export async function crawl(db: Db, config: SitesFile, options: CrawlOptions = {}): Promise<CrawlSummary> {
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
  const politeness = new Politeness({
    concurrency: crawler.concurrency,
    perHost: crawler.perHost,
    delayMs: crawler.delayMs,
  });
  const client = new PoliteClient(fetcherFor(crawler), politeness, {
    maxTries: crawler.retries,
    retryDelayMs: crawler.retryDelayMs,
    maxRetryAfterMs: crawler.maxRetryAfterMs,
  });

  const { pass, resumed } = openPass(
    db,
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
    lockPass(db, pass.id, holder, now());
  } catch (error) {
    options.signal?.removeEventListener('abort', onStop);
    await client.close();
    throw error;
  }
  try {
    return await work(pass, resumed);
  } finally {
    unlockPass(db, pass.id, holder);
  }

  async function work(pass: Pass, resumed: boolean): Promise<CrawlSummary> {
    const log = logger();
    log.info({ passId: pass.id, resumed, sites: pass.siteIds }, resumed ? 'crawl resumed' : 'crawl started');
    // An error that only says the crawl is stopping leaves its item queued; any other is fatal.
    const isStopping = (error: unknown) =>
      stop.signal.aborted && (!isFetchError(error) || error.kind === 'aborted');
    const statistics = new CrawlStatistics(
      pass.id,
      { items: itemTotals(db, pass.id), counts: passCounts(db, pass.id) },
      options.onProgress,
    );
    const admission = new Admission(
      sites,
      crawler,
      {
        pages: knownUrls(db, pass.id, 'page'),
        sitemaps: knownUrls(db, pass.id, 'sitemap'),
        landedOn: landedUrls(db, pass.id),
        budgets: budgetStops(db, pass.id),
      },
      (siteId, budget) => noteBudgetStop(db, pass.id, siteId, budget),
    );
    const clocks = new SiteClocks(crawler.siteTimeBudgetMs, stop.signal);
    const robots = new RobotsCache({
      db,
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
      db,
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
      record(item, outcome, discovered) {
        const fresh = statistics.timed('storeMs', () => complete(db, item, outcome, discovered));
        statistics.recorded(item, outcome, fresh.length);
        lanes.add(fresh);
      },
    };

    try {
      lanes.add(queuedItems(db, pass.id));
      await lanes.idle();
    } finally {
      options.signal?.removeEventListener('abort', onStop);
      clocks.dispose();
      await client.close();
    }
    if (lanes.fatal) throw lanes.fatal;
    // A site whose time ran out with work left is partly crawled; one that ran out with nothing
    // left to do was not stopped by it.
    const overBudget = admission.overBudget;
    for (const siteId of sitesWithQueuedItems(db, pass.id)) {
      if (clocks.timeUp(siteId)) overBudget[siteId] = 'time';
    }
    const finished = !stop.signal.aborted && queuedItems(db, pass.id).length === 0;
    if (finished) finishPass(db, pass.id, now());
    const final = passCounts(db, pass.id);
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
