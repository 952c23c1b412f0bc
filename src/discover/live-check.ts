/**
 * `discover --check`: the live page of each unchecked discovery (a WET record has no markup to
 * judge) fetched as the crawler fetches (its fetcher and limits, robots.txt read first by the
 * crawler's robots module, a 5xx or unreachable robots.txt meaning nothing on that host is
 * fetched, one request at a time per host with its delay and Crawl-delay) and judged by
 * `checkSnapshot`, as `check` judges a page.
 */
import { checkSnapshot } from '../check/check-snapshot.ts';
import type { Site, SitesFile } from '../config/sites.ts';
import { crawlerSchema } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import { toPageSnapshot } from '../crawl/page.ts';
import {
  DISALLOW_ALL,
  isAllowed,
  ROBOTS_MAX_BYTES,
  type RobotsPolicy,
  robotsPolicyOf,
} from '../crawl/robots.ts';
import { Politeness } from '../crawl/scheduler.ts';
import { classify, crawlerFetcher, type FetchSettings } from '../net/http.ts';
import { sameSite } from '../net/url.ts';
import type { Sql } from '../store/sql.ts';
import type { Discovery } from './judge.ts';
import { type StoredDiscovery, saveCheck } from './store.ts';

export interface LiveCheckOptions {
  terms: Terms;
  sites: readonly Site[];
  registry?: SitesFile | undefined;
  fetch: FetchSettings;
  signal?: AbortSignal | undefined;
  now?: () => Date;
}

export interface LiveCheckOutcome {
  id: number;
  pageUrl: string;
  verdict?: string;
  /** Why the page could not be judged (robots.txt, a fetch failure, no longer a reprint). */
  skipped?: string;
}

export async function checkDiscoveries(
  sql: Sql,
  discoveries: readonly StoredDiscovery[],
  options: LiveCheckOptions,
): Promise<LiveCheckOutcome[]> {
  const crawler = options.registry?.crawler ?? crawlerSchema.parse({});
  const now = options.now ?? (() => new Date());
  const fetcher = crawlerFetcher(options.fetch);
  const politeness = new Politeness({ concurrency: 1, perHost: 1, delayMs: crawler.delayMs });
  const userAgent = options.fetch.userAgent ?? crawler.userAgent;
  const robots = new Map<string, RobotsPolicy>();
  const politely = async (url: string, maxBodyBytes?: number) => {
    const host = new URL(url).host;
    const release = await politeness.acquire(host, options.signal);
    try {
      return await fetcher.fetch(url, {
        signal: options.signal,
        inScope: (target) => sameSite(target, url),
        ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
      });
    } finally {
      release();
    }
  };
  const robotsOf = async (origin: string): Promise<RobotsPolicy> => {
    let policy = robots.get(origin);
    if (policy) return policy;
    try {
      const result = await politely(`${origin}/robots.txt`, ROBOTS_MAX_BYTES);
      policy = robotsPolicyOf(result.status, result.bytes, userAgent);
    } catch {
      policy = DISALLOW_ALL;
    }
    if (policy.crawlDelaySeconds !== undefined)
      politeness.setMinimumDelay(
        new URL(origin).host,
        Math.min(policy.crawlDelaySeconds * 1000, crawler.maxRetryAfterMs),
      );
    robots.set(origin, policy);
    return policy;
  };

  const outcomes: LiveCheckOutcome[] = [];
  // One fetch per page, however many articles it reprints.
  const byPage = new Map<string, StoredDiscovery[]>();
  for (const discovery of discoveries) {
    if (discovery.verdict !== 'unchecked') continue;
    byPage.set(discovery.pageUrl, [...(byPage.get(discovery.pageUrl) ?? []), discovery]);
  }
  try {
    for (const [pageUrl, group] of byPage) {
      if (options.signal?.aborted) break;
      const skip = (why: string) => {
        for (const discovery of group) outcomes.push({ id: discovery.id, pageUrl, skipped: why });
      };
      let url: URL;
      try {
        url = new URL(pageUrl);
      } catch {
        skip('not a URL');
        continue;
      }
      const policy = await robotsOf(url.origin);
      if (policy.mode === 'disallow-all' || !isAllowed(policy, url)) {
        skip('robots.txt does not allow it');
        continue;
      }
      let result: Awaited<ReturnType<typeof checkSnapshot>>;
      try {
        const response = await politely(url.href);
        if (response.status < 200 || response.status > 299) {
          skip(`HTTP ${response.status}`);
          continue;
        }
        result = await checkSnapshot(sql, toPageSnapshot(response, now()), {
          terms: options.terms,
          sites: options.sites,
        });
      } catch (error) {
        skip(classify(url.href, error).message);
        continue;
      }
      for (const discovery of group) {
        const match = result.matches.find((candidate) => candidate.article.id === discovery.article.id);
        if (!match) {
          outcomes.push({
            id: discovery.id,
            pageUrl,
            skipped: 'the live page no longer reprints the article',
          });
          continue;
        }
        const violations: Discovery['violations'] = match.violations.map(({ rule, message, evidence }) => ({
          rule,
          message,
          evidence,
        }));
        await saveCheck(sql, discovery.id, match.verdict, violations, now());
        outcomes.push({ id: discovery.id, pageUrl, verdict: match.verdict });
      }
    }
  } finally {
    await fetcher.close();
  }
  return outcomes;
}
