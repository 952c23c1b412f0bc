import type { SitesFile } from '../config/sites.ts';
import { logger } from '../log.ts';
import { isFetchError } from '../net/errors.ts';
import type { Sql } from '../store/sql.ts';
import { fetchPageSnapshot } from './fetch-page.ts';
import { isAllowed } from './robots.ts';
import { storedPolicy } from './robots-cache.ts';
import { sleep } from './scheduler.ts';
import { type CrawlerOverrides, crawlerSettings, userAgentOf } from './settings.ts';
import type { PageSnapshot } from './snapshot.ts';

/**
 * A page asked for again after a pass, outside its frontier: a page with an open finding that the
 * crawl no longer reaches (dropped from the sitemap, say). Gone if it answers 404 or 410; its
 * snapshot if it is still there; undefined when it may not be asked for or could not be fetched.
 * Only where the pass read robots.txt and it allows the page, never a disallowed URL, and at the
 * crawl's pace (its delay, or a larger Crawl-delay), so a site that dropped many pages from its
 * sitemap is not sent their revisits back to back.
 */
export async function revisit(
  sql: Sql,
  sites: SitesFile,
  url: string,
  options: CrawlerOverrides & { signal?: AbortSignal } = {},
): Promise<PageSnapshot | 'gone' | undefined> {
  const crawler = crawlerSettings(sites, options);
  const userAgent = userAgentOf(crawler);
  const policy = await storedPolicy(sql, new URL(url).origin, userAgent);
  if (!policy || !isAllowed(policy, url)) return undefined;
  const delayMs = Math.max(
    crawler.delayMs,
    Math.min((policy.crawlDelaySeconds ?? 0) * 1000, crawler.maxCrawlDelayMs),
  );
  try {
    await sleep(delayMs, options.signal);
  } catch {
    return undefined;
  }
  try {
    return await fetchPageSnapshot(url, {
      allowPrivateNetworks: crawler.allowPrivateNetworks,
      userAgent,
      resolve: crawler.resolve,
      signal: options.signal,
      maxBodyBytes: crawler.maxBodyBytes,
      headersTimeoutMs: crawler.headersTimeoutMs,
      bodyTimeoutMs: crawler.bodyTimeoutMs,
      maxRedirects: crawler.maxRedirects,
    });
  } catch (error) {
    if (isFetchError(error) && (error.status === 404 || error.status === 410)) return 'gone';
    logger().warn({ url, err: error }, 'could not revisit a page with an open finding');
    return undefined;
  }
}
