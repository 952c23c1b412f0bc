import { performance } from 'node:perf_hooks';
import { logger } from '../log.ts';
import { FetchError } from '../net/errors.ts';
import { classify, type Fetcher, type FetchRequest, type FetchResult } from '../net/http.ts';
import { hostKey } from '../net/url.ts';
import { type RetryPolicy, retryStep } from './retry.ts';
import { type HostPoliteness, sleep } from './scheduler.ts';

/**
 * Every request of a crawl goes through here: one request (and its redirect hops) under the
 * politeness rules, retried as the retry policy decides. The time spent fetching is added up for
 * the crawl's statistics. What the network did wrong is thrown as a `FetchError`; anything else
 * (the store holding the host limits went away) is thrown as it came, for the crawl to stop on.
 */
export class PoliteClient {
  /** Milliseconds spent in requests, summed over concurrent ones. */
  fetchMs = 0;

  constructor(
    private readonly fetcher: Fetcher,
    private readonly politeness: HostPoliteness,
    private readonly policy: RetryPolicy,
  ) {}

  async fetch(url: string, init: FetchRequest, until: AbortSignal): Promise<FetchResult> {
    const key = hostKey(url);
    for (let attempt = 1; ; attempt++) {
      const release = await this.politeness.acquire(key, until);
      const begun = performance.now();
      let result: FetchResult | undefined;
      let error: FetchError | undefined;
      // The host limits may live in the store (PostgreSQL): their failure is the store's, never
      // the page's, and is thrown as it is rather than taken for a network error.
      let limitsFailed: { error: unknown } | undefined;
      try {
        result = await this.fetcher.fetch(url, {
          ...init,
          signal: until,
          beforeRedirect: (next) =>
            this.politeness.again(hostKey(next), until).catch((caught: unknown) => {
              limitsFailed = { error: caught };
              throw caught;
            }),
        });
      } catch (caught) {
        if (limitsFailed) throw limitsFailed.error;
        error = classify(url, caught);
      } finally {
        release();
        this.fetchMs += performance.now() - begun;
      }
      if (until.aborted) throw new FetchError('aborted', url, 'stopped');
      const step = retryStep(this.policy, { url, attempt, result, error, nowMs: Date.now() });
      if (step.action === 'accept') return step.result;
      if (step.action === 'give-up') throw step.error;
      if (step.pauseHostMs !== undefined) this.politeness.pauseUntil(key, Date.now() + step.pauseHostMs);
      else if (error) logger().debug({ url, kind: error.kind, attempt }, 'retrying');
      await sleep(step.waitMs, until);
    }
  }

  close(): Promise<void> {
    return this.fetcher.close();
  }
}
