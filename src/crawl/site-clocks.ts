import { setMaxListeners } from 'node:events';
import { FetchError } from '../net/errors.ts';

/** One site's time budget in one run. */
export interface SiteClock {
  /** Aborted when the crawl stops or the site's time is up. */
  signal: AbortSignal;
  timeUp: boolean;
}

/**
 * A site's share of the crawl: its clock starts with its first item in this run, and when
 * `budgetMs` has passed its signal ends whatever the site is waiting for (a delay, a Retry-After,
 * a slow response); its items left are not failed but stay queued for next time.
 */
export class SiteClocks {
  private readonly clocks = new Map<string, SiteClock & { dispose(): void }>();

  constructor(
    private readonly budgetMs: number,
    private readonly crawlSignal: AbortSignal,
  ) {}

  of(siteId: string): SiteClock {
    const existing = this.clocks.get(siteId);
    if (existing) return existing;
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const timer = setTimeout(() => {
      clock.timeUp = true;
      controller.abort(new FetchError('aborted', siteId, 'the site is over its time budget'));
    }, this.budgetMs);
    const onStop = () => controller.abort(this.crawlSignal.reason);
    this.crawlSignal.addEventListener('abort', onStop, { once: true });
    const clock = {
      signal: controller.signal,
      timeUp: false,
      dispose: () => {
        clearTimeout(timer);
        this.crawlSignal.removeEventListener('abort', onStop);
      },
    };
    this.clocks.set(siteId, clock);
    return clock;
  }

  /** Whether the site's time ran out in this run. */
  timeUp(siteId: string): boolean {
    return this.clocks.get(siteId)?.timeUp ?? false;
  }

  dispose(): void {
    for (const clock of this.clocks.values()) clock.dispose();
  }
}
