import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { CrawlerConfig, Site, SitesFile } from '../config/sites.ts';
import { usageError } from '../errors.ts';
import { logger } from '../log.ts';
import { decodeBody } from '../net/charset.ts';
import { FetchError, isFetchError } from '../net/errors.ts';
import { classify, Fetcher, type FetchRequest, type FetchResult } from '../net/http.ts';
import { hostKey, normaliseUrl, sameSite, twinKey } from '../net/url.ts';
import type { Db } from '../store/db.ts';
import { extractLinks, parseFeedLinks, parseSitemap, urlFilter } from './discovery.ts';
import {
  cachedRobots,
  complete,
  type FrontierItem,
  finishPass,
  lockHolder,
  lockPass,
  type NewItem,
  type Outcome,
  openPass,
  type Pass,
  passCounts,
  previousSnapshot,
  queuedItems,
  type StoredSnapshotInput,
  saveRobots,
  unlockPass,
} from './frontier.ts';
import { toPageSnapshot } from './page.ts';
import {
  ALLOW_ALL,
  DISALLOW_ALL,
  decodeRobots,
  isAllowed,
  parseRobots,
  policyFor,
  ROBOTS_MAX_BYTES,
  type RobotsPolicy,
} from './robots.ts';
import { backoffMs, Politeness, parseRetryAfter, sleep } from './scheduler.ts';

/**
 * The crawl loop: a library function the `crawl` and `scan` commands call. It opens (or resumes)
 * a pass over the chosen sites, works the frontier under the politeness rules, and returns what
 * happened. It never prints; progress goes to `onProgress`.
 */

export interface CrawlOptions {
  /** Sites to crawl; all registered sites when absent or empty. */
  siteIds?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: CrawlProgress) => void;
  now?: () => Date;
  /** Command-line overrides of the `crawler:` configuration. */
  delayMs?: number;
  perHost?: number;
  allowPrivateNetworks?: boolean;
}

export interface CrawlProgress {
  passId: number;
  /** Items (seeds, sitemaps, feeds, pages) dealt with, and known, in this pass. */
  done: number;
  total: number;
  pagesFetched: number;
  failed: number;
  /** The item just dealt with. */
  item: { siteId: string; url: string; kind: string; state: string; reason?: string; message?: string };
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

export type SiteBudget = 'time' | 'pages' | 'sitemaps';

const ROBOTS_CACHE_MS = 24 * 60 * 60 * 1000;

/** One site's time budget in one run. */
interface SiteClock {
  /** Aborted when the crawl stops or the site's time is up. */
  signal: AbortSignal;
  timeUp: boolean;
  dispose(): void;
}

interface RobotsState {
  policy: RobotsPolicy;
  failure?: FetchError;
}

export function userAgentOf(config: CrawlerConfig): string {
  return config.contact ? `${config.userAgent} (+${config.contact})` : config.userAgent;
}

export function selectSites(config: SitesFile, siteIds: string[] | undefined): Site[] {
  if (!siteIds || siteIds.length === 0) return config.sites;
  return siteIds.map((id) => {
    const site = config.sites.find((candidate) => candidate.id === id);
    if (!site) throw usageError(`--site ${id}: no such site in sites.yaml`);
    return site;
  });
}

export async function crawl(db: Db, config: SitesFile, options: CrawlOptions = {}): Promise<CrawlSummary> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const sites = selectSites(config, options.siteIds);
  const crawler: CrawlerConfig = {
    ...config.crawler,
    ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
    ...(options.perHost !== undefined ? { perHost: options.perHost } : {}),
    ...(options.allowPrivateNetworks ? { allowPrivateNetworks: true } : {}),
  };
  const userAgent = userAgentOf(crawler);
  const log = logger();
  // One plain signal for the whole crawl, stopped by the caller's signal or a fatal error.
  const stop = new AbortController();
  const signal = stop.signal;
  setMaxListeners(0, signal);
  const onStop = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onStop, { once: true });
  if (options.signal?.aborted) onStop();
  const fetcher = new Fetcher({
    userAgent,
    allowPrivateNetworks: crawler.allowPrivateNetworks,
    resolve: crawler.resolve,
    headersTimeoutMs: crawler.headersTimeoutMs,
    bodyTimeoutMs: crawler.bodyTimeoutMs,
    maxBodyBytes: crawler.maxBodyBytes,
    maxRedirects: crawler.maxRedirects,
  });
  const politeness = new Politeness({
    concurrency: crawler.concurrency,
    perHost: crawler.perHost,
    delayMs: crawler.delayMs,
  });
  const timings = { fetchMs: 0, parseMs: 0, storeMs: 0 };
  const siteById = new Map(sites.map((site) => [site.id, site]));
  const filters = new Map(
    sites.map((site) => [site.id, urlFilter(site.discover.include, site.discover.exclude)]),
  );

  const { pass, resumed } = openPass(
    db,
    sites.map((site) => site.id),
    now(),
    () =>
      sites.map(
        (site) =>
          ({ siteId: site.id, url: normaliseUrl(site.url)!, kind: 'seed', source: 'config' }) as NewItem,
      ),
  );
  const holder = lockHolder();
  try {
    lockPass(db, pass.id, holder, now());
  } catch (error) {
    options.signal?.removeEventListener('abort', onStop);
    await fetcher.close();
    throw error;
  }
  try {
    return await work(pass, resumed);
  } finally {
    unlockPass(db, pass.id, holder);
  }

  async function work(pass: Pass, resumed: boolean): Promise<CrawlSummary> {
    log.info({ passId: pass.id, resumed, sites: pass.siteIds }, resumed ? 'crawl resumed' : 'crawl started');

    // Pages known to the pass, per site: for de-duplication before the database and for maxPages.
    const knownPages = new Map<string, Set<string>>();
    const knownSet = (siteId: string): Set<string> => {
      const existing = knownPages.get(siteId);
      if (existing) return existing;
      const fresh = new Set<string>();
      knownPages.set(siteId, fresh);
      return fresh;
    };
    for (const row of db
      .prepare("SELECT site_id, url FROM crawl_frontier WHERE pass_id = ? AND kind = 'page'")
      .iterate(pass.id) as Iterable<{ site_id: string; url: string }>) {
      knownSet(row.site_id).add(twinKey(row.url));
    }
    // Where redirected pages landed (a site's www twin, a canonical path): a link to one of these
    // is the same page again.
    const landedOn = new Set<string>();
    for (const row of db
      .prepare('SELECT final_url FROM crawl_snapshots WHERE pass_id = ? AND final_url != url')
      .iterate(pass.id) as Iterable<{ final_url: string }>) {
      landedOn.add(twinKey(row.final_url));
    }
    const totals = db
      .prepare(
        "SELECT COUNT(*) AS total, SUM(state != 'queued') AS done FROM crawl_frontier WHERE pass_id = ?",
      )
      .get(pass.id) as { total: number; done: number | null };
    const counts = passCounts(db, pass.id);
    const progress = {
      done: totals.done ?? 0,
      total: totals.total,
      pagesFetched: counts.pagesFetched + counts.notModified,
      failed: Object.values(counts.failed).reduce((sum, n) => sum + n, 0),
    };

    // Sitemaps known to the pass, per site: for maxSitemapsPerSite.
    const knownSitemaps = new Map<string, Set<string>>();
    for (const row of db
      .prepare("SELECT site_id, url FROM crawl_frontier WHERE pass_id = ? AND kind = 'sitemap'")
      .iterate(pass.id) as Iterable<{ site_id: string; url: string }>) {
      sitemapSet(row.site_id).add(row.url);
    }
    function sitemapSet(siteId: string): Set<string> {
      const existing = knownSitemaps.get(siteId);
      if (existing) return existing;
      const fresh = new Set<string>();
      knownSitemaps.set(siteId, fresh);
      return fresh;
    }
    const overBudget: Record<string, SiteBudget> = {};
    const noteBudget = (siteId: string, budget: SiteBudget) => {
      overBudget[siteId] ??= budget;
    };
    const siteClocks = new Map<string, SiteClock>();

    const robotsCache = new Map<string, Promise<RobotsState>>();
    const queues = new Map<string, FrontierItem[]>();
    const lanes = new Map<string, number>();
    let active = 0;
    let fatal: unknown;
    let allDone: () => void = () => {};
    const idle = new Promise<void>((resolve) => {
      allDone = resolve;
    });

    function schedule(items: FrontierItem[]): void {
      for (const item of items) {
        const key = hostKey(item.url);
        const queue = queues.get(key) ?? [];
        queues.set(key, queue);
        queue.push(item);
        startLanes(key);
      }
    }

    function startLanes(key: string): void {
      const queue = queues.get(key)!;
      while ((lanes.get(key) ?? 0) < crawler.perHost && queue.length > 0 && !signal.aborted) {
        lanes.set(key, (lanes.get(key) ?? 0) + 1);
        active++;
        runLane(queue)
          .catch((error: unknown) => {
            if (!signal.aborted || !isAbort(error)) {
              fatal ??= error;
              stop.abort(error);
            }
          })
          .finally(() => {
            lanes.set(key, (lanes.get(key) ?? 1) - 1);
            active--;
            if (active === 0) allDone();
          });
      }
    }

    async function runLane(queue: FrontierItem[]): Promise<void> {
      for (let item = queue.shift(); item && !signal.aborted; item = queue.shift()) {
        await processItem(item);
      }
    }

    function isAbort(error: unknown): boolean {
      return signal.aborted && (!isFetchError(error) || error.kind === 'aborted');
    }

    /**
     * A site's share of the crawl: its clock starts with its first item in this run, and when
     * `siteTimeBudgetMs` has passed its signal ends whatever the site is waiting for (a delay, a
     * Retry-After, a slow response); its items left are not failed but stay queued for next time.
     */
    function siteClock(siteId: string): SiteClock {
      let clock = siteClocks.get(siteId);
      if (clock) return clock;
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const timer = setTimeout(() => {
        clock!.timeUp = true;
        controller.abort(new FetchError('aborted', siteId, 'the site is over its time budget'));
      }, crawler.siteTimeBudgetMs);
      const onStop = () => controller.abort(signal.reason);
      signal.addEventListener('abort', onStop, { once: true });
      clock = {
        signal: controller.signal,
        timeUp: false,
        dispose: () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onStop);
        },
      };
      siteClocks.set(siteId, clock);
      return clock;
    }

    /** One request (and its redirect hops) under the politeness rules, retried when transient. */
    async function fetchPolitely(
      url: string,
      init: FetchRequest = {},
      until: AbortSignal = signal,
    ): Promise<FetchResult> {
      const key = hostKey(url);
      for (let attempt = 1; ; attempt++) {
        const release = await politeness.acquire(key, until);
        const begun = performance.now();
        let result: FetchResult | undefined;
        let error: FetchError | undefined;
        try {
          result = await fetcher.fetch(url, {
            ...init,
            signal: until,
            beforeRedirect: (next) => politeness.again(hostKey(next), until),
          });
        } catch (caught) {
          error = classify(url, caught);
        } finally {
          release();
          timings.fetchMs += performance.now() - begun;
        }
        if (until.aborted) throw new FetchError('aborted', url, 'stopped');
        if (result && result.status !== 429 && result.status < 500) {
          return result;
        }
        if (result) {
          const status = result.status;
          const retryAfter =
            status === 429 || status === 503
              ? parseRetryAfter(result.headers['retry-after'], Date.now())
              : undefined;
          const kind = status === 429 ? 'rate-limited' : 'http-status';
          if (retryAfter !== undefined && retryAfter > crawler.maxRetryAfterMs) {
            throw new FetchError(
              kind,
              url,
              `HTTP ${status}, Retry-After ${retryAfter} ms is beyond the limit`,
              { status },
            );
          }
          if (attempt >= crawler.retries)
            throw new FetchError(kind, url, `HTTP ${status} after ${attempt} tries`, { status });
          if (retryAfter !== undefined) politeness.pauseUntil(key, Date.now() + retryAfter);
          await sleep(retryAfter ?? backoffMs(attempt, crawler.retryDelayMs), until);
          continue;
        }
        if (error?.transient && attempt < crawler.retries) {
          log.debug({ url, kind: error.kind, attempt }, 'retrying');
          await sleep(backoffMs(attempt, crawler.retryDelayMs), until);
          continue;
        }
        throw error!;
      }
    }

    function robotsFor(origin: string): Promise<RobotsState> {
      let state = robotsCache.get(origin);
      if (!state) {
        state = loadRobots(origin);
        robotsCache.set(origin, state);
      }
      return state;
    }

    async function loadRobots(origin: string): Promise<RobotsState> {
      const key = hostKey(origin);
      const cached = cachedRobots(db, origin);
      let state: RobotsState;
      if (cached && now().getTime() - Date.parse(cached.fetchedAt) < ROBOTS_CACHE_MS) {
        state = { policy: cached.status < 300 ? policyFor(parseRobots(cached.body), userAgent) : ALLOW_ALL };
      } else {
        try {
          const result = await fetchPolitely(`${origin}/robots.txt`, { maxBodyBytes: ROBOTS_MAX_BYTES });
          if (result.status >= 200 && result.status < 300) {
            const text = decodeRobots(result.bytes);
            saveRobots(db, origin, { fetchedAt: now().toISOString(), status: result.status, body: text });
            state = { policy: policyFor(parseRobots(text), userAgent) };
          } else {
            // 4xx (and anything else that is not a server error): no robots.txt, no rules.
            saveRobots(db, origin, { fetchedAt: now().toISOString(), status: result.status, body: '' });
            state = { policy: ALLOW_ALL };
          }
        } catch (error) {
          if (isAbort(error)) throw error;
          const failure = classify(`${origin}/robots.txt`, error);
          log.warn(
            { origin, kind: failure.kind, error: failure.message },
            'robots.txt unavailable: nothing fetched',
          );
          state = { policy: DISALLOW_ALL, failure };
        }
      }
      const crawlDelay = state.policy.crawlDelaySeconds;
      if (crawlDelay !== undefined) {
        // Capped: a Crawl-delay of minutes would make 500 pages take days. The time it does
        // cost counts against the site's time budget like any other wait.
        politeness.setMinimumDelay(key, Math.min(crawlDelay * 1000, crawler.maxCrawlDelayMs));
      }
      return state;
    }

    /** Whether a page URL could be admitted: same site, include/exclude, not seen yet. */
    function admissible(site: Site, url: string): boolean {
      const key = twinKey(url);
      return (
        !knownSet(site.id).has(key) &&
        !landedOn.has(key) &&
        sameSite(url, site.url) &&
        filters.get(site.id)!(url)
      );
    }

    /** Pages the site's budget still has room for. */
    function pagesLeft(site: Site): number {
      return Math.max(0, site.discover.maxPages - knownSet(site.id).size);
    }

    /** Admit discovered page URLs: same site, include/exclude, not seen, within maxPages. */
    function admitPages(site: Site, urls: string[], make: (url: string) => NewItem): NewItem[] {
      const known = knownSet(site.id);
      const admitted: NewItem[] = [];
      for (const url of urls) {
        if (!admissible(site, url)) continue;
        if (known.size >= site.discover.maxPages) {
          noteBudget(site.id, 'pages');
          break;
        }
        known.add(twinKey(url));
        admitted.push(make(url));
      }
      return admitted;
    }

    /**
     * Admit sitemaps at a nesting depth (0 for those named in sites.yaml or robots.txt): same
     * site, not seen, within maxSitemapsPerSite and maxSitemapDepth. An index of indexes that
     * never names a page ends here, not after thousands of fetches.
     */
    function admitSitemaps(
      site: Site,
      urls: string[],
      depth: number,
      make: (url: string) => NewItem,
      anyHost = false,
    ): NewItem[] {
      const known = sitemapSet(site.id);
      const admitted: NewItem[] = [];
      for (const url of urls) {
        // Sitemaps named in sites.yaml may live elsewhere (a CDN); found ones must be on the site.
        if (known.has(url) || (!anyHost && !sameSite(url, site.url))) continue;
        if (depth > crawler.maxSitemapDepth || known.size >= crawler.maxSitemapsPerSite) {
          noteBudget(site.id, 'sitemaps');
          break;
        }
        known.add(url);
        admitted.push({ ...make(url), depth });
      }
      return admitted;
    }

    function seedsOf(site: Site, robots: RobotsPolicy): NewItem[] {
      const base = { siteId: site.id };
      const items: NewItem[] = [];
      const robotsSitemaps = robots.sitemaps
        .map((url) => normaliseUrl(url, site.url))
        .filter((url): url is string => url !== undefined && sameSite(url, site.url));
      if (site.discover.sitemaps) {
        items.push(
          ...admitSitemaps(
            site,
            site.discover.sitemaps.map((url) => normaliseUrl(url)!),
            0,
            (url) => ({
              ...base,
              url,
              kind: 'sitemap',
              source: 'config',
            }),
            true,
          ),
        );
      } else if (robotsSitemaps.length > 0) {
        // A robots.txt may list thousands of Sitemap lines: the per-site budget holds for them too.
        items.push(
          ...admitSitemaps(site, robotsSitemaps, 0, (url) => ({
            ...base,
            url,
            kind: 'sitemap',
            source: 'robots',
          })),
        );
      } else {
        items.push(
          ...admitSitemaps(site, [normaliseUrl('/sitemap.xml', site.url)!], 0, (url) => ({
            ...base,
            url,
            kind: 'sitemap',
            source: 'default',
            optional: true,
          })),
        );
      }
      for (const url of site.discover.feeds ?? [])
        items.push({ ...base, url: normaliseUrl(url)!, kind: 'feed', source: 'config' });
      const starts = (site.discover.start ?? []).map((url) => normaliseUrl(url)!);
      items.push(
        ...admitPages(site, starts, (url) => ({
          ...base,
          url,
          kind: 'page',
          source: 'start',
          depth: 0,
          follow: true,
        })),
      );
      return items;
    }

    async function processItem(item: FrontierItem): Promise<void> {
      const site = siteById.get(item.siteId);
      if (!site) {
        record(item, { state: 'skipped', reason: 'unknown-site' }, []);
        return;
      }
      const clock = siteClock(site.id);
      // Over its time budget: the item stays queued for the next crawl.
      if (clock.signal.aborted) return;
      const url = new URL(item.url);
      const robots = await robotsFor(url.origin);
      if (robots.policy.mode === 'disallow-all') {
        const reason = robots.failure?.kind === 'private-address' ? 'private-address' : 'robots-unavailable';
        const message = robots.failure?.message ?? 'robots.txt answered a server error';
        // The site counts one failure (its seed); everything else on the host is skipped.
        record(
          item,
          item.kind === 'seed' ? { state: 'failed', reason, message } : { state: 'skipped', reason, message },
          [],
        );
        return;
      }
      if (item.kind === 'seed') {
        record(item, { state: 'done' }, seedsOf(site, robots.policy));
        return;
      }
      if (
        (item.kind === 'sitemap' || item.kind === 'feed') &&
        knownSet(site.id).size >= site.discover.maxPages
      ) {
        // The site's page budget is spent: more sitemaps or feeds could add nothing.
        noteBudget(site.id, 'pages');
        record(item, { state: 'skipped', reason: 'max-pages' }, []);
        return;
      }
      if (!isAllowed(robots.policy, url)) {
        record(item, { state: 'skipped', reason: 'robots' }, []);
        return;
      }
      const previous =
        item.kind === 'page' ? timed('storeMs', () => previousSnapshot(db, item.url, pass.id)) : undefined;
      const headers: Record<string, string> = {};
      if (previous?.headers.etag) headers['if-none-match'] = previous.headers.etag;
      if (previous?.headers['last-modified'])
        headers['if-modified-since'] = previous.headers['last-modified'];
      let result: FetchResult;
      try {
        result = await fetchPolitely(item.url, { headers }, clock.signal);
      } catch (error) {
        // Stopped, or out of time: the item stays queued.
        if (isAbort(error) || clock.signal.aborted) return;
        const failure = classify(item.url, error);
        record(
          item,
          { state: 'failed', reason: failure.kind, message: failure.message, ...statusOf(failure) },
          [],
        );
        return;
      }
      if (result.status === 304 && previous) {
        const snapshot: StoredSnapshotInput = {
          snapshot: {
            ...previous,
            headers: { ...previous.headers, ...result.headers },
            fetchedAt: now().toISOString(),
          },
          httpStatus: 304,
          changed: false,
        };
        record(item, { state: 'done', snapshot }, []);
        return;
      }
      if (result.status < 200 || result.status > 299) {
        const missing = result.status === 404 || result.status === 410;
        record(
          item,
          item.optional && missing
            ? { state: 'skipped', reason: 'not-found', status: result.status }
            : {
                state: 'failed',
                reason: 'http-status',
                message: `HTTP ${result.status}`,
                status: result.status,
              },
          [],
        );
        return;
      }
      try {
        const begun = performance.now();
        const { outcome, discovered } = await handleBody(item, site, result, previous?.bodyHash);
        timings.parseMs += performance.now() - begun;
        record(item, outcome, discovered);
      } catch (error) {
        const failure = isFetchError(error)
          ? error
          : new FetchError('parse', item.url, `cannot parse: ${(error as Error).message}`, { cause: error });
        const skip = failure.kind === 'content-type';
        record(
          item,
          { state: skip ? 'skipped' : 'failed', reason: failure.kind, message: failure.message },
          [],
        );
      }
    }

    async function handleBody(
      item: FrontierItem,
      site: Site,
      result: FetchResult,
      previousHash: string | undefined,
    ): Promise<{ outcome: Outcome; discovered: NewItem[] }> {
      const base = { siteId: site.id };
      if (item.kind === 'sitemap') {
        if (result.truncated)
          throw new FetchError('too-large', item.url, 'sitemap larger than the size limit');
        const known = sitemapSet(site.id);
        const depth = item.depth + 1;
        // Entries past the budgets are not even kept: fifty thousand URLs beyond maxPages cost
        // one pass over the text and nothing more.
        const contents = parseSitemap(
          result.bytes,
          result.headers['content-type'],
          result.finalUrl,
          crawler.maxBodyBytes,
          {
            maxPages: pagesLeft(site),
            acceptPage: (url) => admissible(site, url),
            maxSitemaps:
              depth > crawler.maxSitemapDepth ? 0 : Math.max(0, crawler.maxSitemapsPerSite - known.size),
            acceptSitemap: (url) => !known.has(url) && sameSite(url, site.url),
          },
        );
        if (contents.droppedPages > 0) noteBudget(site.id, 'pages');
        if (contents.droppedSitemaps > 0) noteBudget(site.id, 'sitemaps');
        const children = admitSitemaps(site, contents.sitemaps, depth, (url) => ({
          ...base,
          url,
          kind: 'sitemap',
          source: 'sitemap',
        }));
        const pages = admitPages(site, contents.pages, (url) => ({
          ...base,
          url,
          kind: 'page',
          source: 'sitemap',
        }));
        return { outcome: { state: 'done' }, discovered: [...children, ...pages] };
      }
      if (item.kind === 'feed') {
        if (result.truncated) throw new FetchError('too-large', item.url, 'feed larger than the size limit');
        const text = decodeBody(result.bytes, result.headers['content-type']).text;
        const links = await parseFeedLinks(text, result.finalUrl);
        const pages = admitPages(site, links, (url) => ({ ...base, url, kind: 'page', source: 'feed' }));
        return { outcome: { state: 'done' }, discovered: pages };
      }
      const snapshot = toPageSnapshot(result, now());
      if (snapshot.finalUrl !== snapshot.url)
        landedOn.add(twinKey(normaliseUrl(snapshot.finalUrl) ?? snapshot.finalUrl));
      let discovered: NewItem[] = [];
      if (item.follow && item.depth < site.discover.maxDepth && snapshot.contentType.includes('html')) {
        const links = extractLinks(snapshot.body, snapshot.finalUrl, {
          max: Math.min(crawler.maxLinksPerPage, pagesLeft(site) + 1),
          accept: (url) => admissible(site, url),
        });
        discovered = admitPages(site, links, (url) => ({
          ...base,
          url,
          kind: 'page',
          source: 'link',
          depth: item.depth + 1,
          follow: true,
        }));
      }
      return {
        outcome: {
          state: 'done',
          snapshot: { snapshot, httpStatus: result.status, changed: snapshot.bodyHash !== previousHash },
        },
        discovered,
      };
    }

    function statusOf(error: FetchError): { status?: number } {
      return error.status === undefined ? {} : { status: error.status };
    }

    function timed<T>(stage: keyof typeof timings, run: () => T): T {
      const begun = performance.now();
      try {
        return run();
      } finally {
        timings[stage] += performance.now() - begun;
      }
    }

    function record(item: FrontierItem, outcome: Outcome, discovered: NewItem[]): void {
      const fresh = timed('storeMs', () => complete(db, item, outcome, discovered));
      progress.done++;
      progress.total += fresh.length;
      if (outcome.state === 'done' && outcome.snapshot) progress.pagesFetched++;
      if (outcome.state === 'failed') progress.failed++;
      const reason = outcome.state === 'done' ? undefined : outcome.reason;
      const message = outcome.state === 'done' ? undefined : outcome.message;
      options.onProgress?.({
        passId: pass.id,
        ...progress,
        item: {
          siteId: item.siteId,
          url: item.url,
          kind: item.kind,
          state: outcome.state,
          ...(reason ? { reason } : {}),
          ...(message ? { message } : {}),
        },
      });
      schedule(fresh);
    }

    try {
      schedule(queuedItems(db, pass.id));
      if (active > 0) await idle;
    } finally {
      options.signal?.removeEventListener('abort', onStop);
      for (const clock of siteClocks.values()) clock.dispose();
      await fetcher.close();
    }
    if (fatal) throw fatal;
    // A site whose time ran out with work left is partly crawled; one that ran out with nothing
    // left to do was not stopped by it.
    const queuedBySite = db
      .prepare("SELECT DISTINCT site_id FROM crawl_frontier WHERE pass_id = ? AND state = 'queued'")
      .pluck()
      .all(pass.id) as string[];
    for (const siteId of queuedBySite) {
      if (siteClocks.get(siteId)?.timeUp) overBudget[siteId] = 'time';
    }
    const finished = !signal.aborted && queuedItems(db, pass.id).length === 0;
    if (finished) finishPass(db, pass.id, now());
    const final = passCounts(db, pass.id);
    const failures = Object.values(final.failed).reduce((sum, n) => sum + n, 0);
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
      failures,
      durationMs: Math.round(performance.now() - started),
      timings: {
        fetchMs: Math.round(timings.fetchMs),
        parseMs: Math.round(timings.parseMs),
        storeMs: Math.round(timings.storeMs),
      },
      overBudget,
    };
    log.info({ ...summary }, finished ? 'crawl finished' : 'crawl stopped');
    return summary;
  }
}
