import { logger } from '../log.ts';
import { type FetchError, isFetchError } from '../net/errors.ts';
import type { FetchRequest, FetchResult } from '../net/http.ts';
import type { Sql } from '../store/sql.ts';
import {
  ALLOW_ALL,
  DISALLOW_ALL,
  decodeRobots,
  parseRobots,
  policyFor,
  ROBOTS_MAX_BYTES,
  type RobotsPolicy,
} from './robots.ts';
import { cachedRobots, saveRobots } from './robots-store.ts';

/** How long a stored robots.txt is trusted before it is fetched again. */
export const ROBOTS_CACHE_MS = 24 * 60 * 60 * 1000;

export interface RobotsState {
  policy: RobotsPolicy;
  /** Why robots.txt could not be read: then nothing on the origin is fetched. */
  failure?: FetchError;
}

export interface RobotsCacheOptions {
  sql: Sql;
  userAgent: string;
  now: () => Date;
  /** Fetches robots.txt under the crawl's politeness and retry policy. */
  fetch: (url: string, init: FetchRequest) => Promise<FetchResult>;
  /** Whether an error means the crawl is stopping (then it is thrown, not taken as a failure). */
  isStopping: (error: unknown) => boolean;
  /** Told the origin's Crawl-delay, when robots.txt gives one. */
  onCrawlDelay: (origin: string, delayMs: number) => void;
}

/**
 * robots.txt per origin for one crawl: read once (from the store when fetched in the last day),
 * and shared by every item on the origin. A 5xx or unreachable robots.txt means disallow all
 * (RFC 9309); any other non-2xx means no rules.
 */
export class RobotsCache {
  private readonly states = new Map<string, Promise<RobotsState>>();

  constructor(private readonly options: RobotsCacheOptions) {}

  for(origin: string): Promise<RobotsState> {
    let state = this.states.get(origin);
    if (!state) {
      state = this.load(origin);
      this.states.set(origin, state);
    }
    return state;
  }

  private async load(origin: string): Promise<RobotsState> {
    const state = await this.read(origin);
    const crawlDelay = state.policy.crawlDelaySeconds;
    if (crawlDelay !== undefined) this.options.onCrawlDelay(origin, crawlDelay * 1000);
    return state;
  }

  private async read(origin: string): Promise<RobotsState> {
    const { sql, userAgent, now } = this.options;
    const cached = await cachedRobots(sql, origin);
    if (cached && now().getTime() - Date.parse(cached.fetchedAt) < ROBOTS_CACHE_MS) {
      return { policy: cached.status < 300 ? policyFor(parseRobots(cached.body), userAgent) : ALLOW_ALL };
    }
    try {
      const result = await this.options.fetch(`${origin}/robots.txt`, { maxBodyBytes: ROBOTS_MAX_BYTES });
      if (result.status >= 200 && result.status < 300) {
        const text = decodeRobots(result.bytes);
        await saveRobots(sql, origin, { fetchedAt: now().toISOString(), status: result.status, body: text });
        return { policy: policyFor(parseRobots(text), userAgent) };
      }
      // 4xx (and anything else that is not a server error): no robots.txt, no rules.
      await saveRobots(sql, origin, { fetchedAt: now().toISOString(), status: result.status, body: '' });
      return { policy: ALLOW_ALL };
    } catch (error) {
      if (this.options.isStopping(error)) throw error;
      // The store failing (saving what was read, or the host limits on PostgreSQL) says nothing
      // about the site's robots.txt: it must not shut the site out.
      if (!isFetchError(error)) throw error;
      const failure = error;
      logger().warn(
        { origin, kind: failure.kind, error: failure.message },
        'robots.txt unavailable: nothing fetched',
      );
      return { policy: DISALLOW_ALL, failure };
    }
  }
}

/**
 * The policy the crawl of this scan read for an origin, from the store: for a page asked for
 * outside the crawl (a revisit). Undefined when robots.txt was not read or could not be (5xx):
 * then nothing is asked for.
 */
export async function storedPolicy(
  sql: Sql,
  origin: string,
  userAgent: string,
): Promise<RobotsPolicy | undefined> {
  const robots = await cachedRobots(sql, origin);
  if (!robots || robots.status >= 500) return undefined;
  return robots.status < 300 ? policyFor(parseRobots(robots.body), userAgent) : ALLOW_ALL;
}
