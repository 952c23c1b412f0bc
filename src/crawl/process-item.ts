import type { Site } from '../config/sites.ts';
import { FetchError, isFetchError } from '../net/errors.ts';
import type { FetchResult } from '../net/http.ts';
import type { Sql } from '../store/sql.ts';
import type { Admission } from './admission.ts';
import { type Handled, type HandlerContext, handleBody, seedItems } from './handlers.ts';
import type { PoliteClient } from './polite-client.ts';
import type { FrontierItem, NewItem, Outcome } from './queue.ts';
import { isAllowed } from './robots.ts';
import type { RobotsCache } from './robots-cache.ts';
import type { SiteClocks } from './site-clocks.ts';
import { previousSnapshot, type StoredSnapshotInput } from './snapshots.ts';
import type { CrawlStatistics } from './statistics.ts';

/** What working one item needs from the crawl around it. */
export interface ItemContext extends HandlerContext {
  sql: Sql;
  passId: number;
  sites: Map<string, Site>;
  admission: Admission;
  clocks: SiteClocks;
  robots: RobotsCache;
  client: PoliteClient;
  statistics: CrawlStatistics;
  /** Whether an error only says the crawl is stopping. */
  isStopping: (error: unknown) => boolean;
  /** Store the item's outcome and the items it discovered, and queue the new ones. */
  record: (item: FrontierItem, outcome: Outcome, discovered: NewItem[]) => Promise<void>;
}

/**
 * One item from queue to outcome: the site's time budget, robots.txt, the page budget, a
 * conditional request, then the handler for its kind. An item the crawl stops in (a stop signal,
 * the site's time up) is left queued for the next crawl; everything else is recorded.
 */
export async function processItem(context: ItemContext, item: FrontierItem): Promise<void> {
  const { admission, record } = context;
  const site = context.sites.get(item.siteId);
  if (!site) {
    await record(item, { state: 'skipped', reason: 'unknown-site' }, []);
    return;
  }
  const clock = context.clocks.of(site.id);
  // Over its time budget: the item stays queued for the next crawl.
  if (clock.signal.aborted) return;
  const url = new URL(item.url);
  const robots = await context.robots.for(url.origin);
  if (robots.policy.mode === 'disallow-all') {
    const reason = robots.failure?.kind === 'private-address' ? 'private-address' : 'robots-unavailable';
    const message = robots.failure?.message ?? 'robots.txt answered a server error';
    // The site counts one failure (its seed); everything else on the host is skipped.
    await record(
      item,
      item.kind === 'seed' ? { state: 'failed', reason, message } : { state: 'skipped', reason, message },
      [],
    );
    return;
  }
  if (item.kind === 'seed') {
    await record(item, { state: 'done' }, seedItems(context, site, robots.policy));
    return;
  }
  if ((item.kind === 'sitemap' || item.kind === 'feed') && admission.pagesLeft(site) === 0) {
    // The site's page budget is spent: more sitemaps or feeds could add nothing.
    admission.noteBudget(site.id, 'pages');
    await record(item, { state: 'skipped', reason: 'max-pages' }, []);
    return;
  }
  if (!isAllowed(robots.policy, url)) {
    await record(item, { state: 'skipped', reason: 'robots' }, []);
    return;
  }
  const previous =
    item.kind === 'page'
      ? await context.statistics.timedAsync('storeMs', () =>
          previousSnapshot(context.sql, item.url, context.passId),
        )
      : undefined;
  const headers: Record<string, string> = {};
  if (previous?.headers.etag) headers['if-none-match'] = previous.headers.etag;
  if (previous?.headers['last-modified']) headers['if-modified-since'] = previous.headers['last-modified'];
  let result: FetchResult;
  try {
    result = await context.client.fetch(item.url, { headers }, clock.signal);
  } catch (error) {
    // Stopped, or out of time: the item stays queued.
    if (context.isStopping(error) || clock.signal.aborted) return;
    // Not the network's failure (the store went away): not the page's either. The crawl stops on
    // it with the item still queued, and a retry or the next run fetches it.
    if (!isFetchError(error)) throw error;
    const failure = error;
    await record(
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
        fetchedAt: context.now().toISOString(),
      },
      httpStatus: 304,
      changed: false,
    };
    await record(item, { state: 'done', snapshot }, []);
    return;
  }
  if (result.status < 200 || result.status > 299) {
    const missing = result.status === 404 || result.status === 410;
    await record(
      item,
      item.optional && missing
        ? { state: 'skipped', reason: 'not-found', status: result.status }
        : { state: 'failed', reason: 'http-status', message: `HTTP ${result.status}`, status: result.status },
      [],
    );
    return;
  }
  let handled: Handled;
  try {
    handled = await context.statistics.timedAsync('parseMs', async () =>
      handleBody(context, item, site, result, previous?.bodyHash),
    );
  } catch (error) {
    const failure = isFetchError(error)
      ? error
      : new FetchError('parse', item.url, `cannot parse: ${(error as Error).message}`, { cause: error });
    const skip = failure.kind === 'content-type';
    await record(
      item,
      { state: skip ? 'skipped' : 'failed', reason: failure.kind, message: failure.message },
      [],
    );
    return;
  }
  // Outside the parser's try: a store that cannot record is the crawl's error, not the page's.
  await record(item, handled.outcome, handled.discovered);
}

function statusOf(error: FetchError): { status?: number } {
  return error.status === undefined ? {} : { status: error.status };
}
