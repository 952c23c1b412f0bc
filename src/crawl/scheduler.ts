/**
 * Politeness: at most `perHost` requests in flight to one host and `concurrency` in all, and a
 * pause of the host's delay between two requests to it (the larger of the configured delay and
 * the site's Crawl-delay). A host can be paused (Retry-After). Every request counts: robots.txt,
 * sitemaps, feeds, pages and each redirect hop.
 */
export interface PolitenessOptions {
  concurrency: number;
  perHost: number;
  delayMs: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface HostState {
  inFlight: number;
  /** Earliest time the next request may start. */
  nextAt: number;
  delayMs: number;
}

/**
 * What the crawl asks of politeness, per host key. `Politeness` below keeps it in this process; a
 * crawl run by several processes sharing a store (workers on a PostgreSQL store) passes one that
 * keeps the slots, delays and pauses of each host across all of them (`CrawlOptions.politeness`).
 */
export interface HostPoliteness {
  /** Wait for a slot on the host; the returned function gives it back. */
  acquire(key: string, signal?: AbortSignal): Promise<() => void>;
  /** Holding a slot, wait out the host's delay again and count one more request (a redirect hop). */
  again(key: string, signal?: AbortSignal): Promise<void>;
  /** No request to the host before `until` (epoch ms): Retry-After. */
  pauseUntil(key: string, until: number): void;
  /** Raise the host's delay (robots.txt Crawl-delay); never below the configured one. */
  setMinimumDelay(key: string, delayMs: number): void;
}

export class Politeness implements HostPoliteness {
  private readonly options: PolitenessOptions;
  private readonly hosts = new Map<string, HostState>();
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private readonly now: () => number;

  constructor(options: PolitenessOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  private host(key: string): HostState {
    let state = this.hosts.get(key);
    if (!state) {
      state = { inFlight: 0, nextAt: 0, delayMs: this.options.delayMs };
      this.hosts.set(key, state);
    }
    return state;
  }

  /** Raise a host's delay (robots.txt Crawl-delay); never lowers the configured one. */
  setMinimumDelay(key: string, delayMs: number): void {
    const state = this.host(key);
    state.delayMs = Math.max(this.options.delayMs, delayMs);
  }

  delayOf(key: string): number {
    return this.host(key).delayMs;
  }

  /** No request to the host before `until` (epoch ms). */
  pauseUntil(key: string, until: number): void {
    const state = this.host(key);
    state.nextAt = Math.max(state.nextAt, until);
  }

  /** Wait for a slot on the host; the returned function gives it back. */
  async acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    const state = this.host(key);
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      if (
        this.inFlight < this.options.concurrency &&
        state.inFlight < this.options.perHost &&
        now >= state.nextAt
      ) {
        this.inFlight++;
        state.inFlight++;
        state.nextAt = now + state.delayMs;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          this.inFlight--;
          state.inFlight--;
          state.nextAt = Math.max(state.nextAt, this.now() + state.delayMs);
          this.wake();
        };
      }
      await this.wait(now < state.nextAt ? state.nextAt - now : undefined, signal);
    }
  }

  /**
   * Holding a slot, wait until the host's delay has passed again and count one more request:
   * for redirect hops.
   */
  async again(key: string, signal?: AbortSignal): Promise<void> {
    const state = this.host(key);
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      if (now >= state.nextAt) {
        state.nextAt = now + state.delayMs;
        return;
      }
      await sleep(state.nextAt - now, signal);
    }
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const resolve of waiting) resolve();
  }

  private wait(timeoutMs: number | undefined, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with full jitter: attempt 1 waits up to `base`, attempt 2 up to 2×base… */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** (attempt - 1), 60_000);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After as milliseconds: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
