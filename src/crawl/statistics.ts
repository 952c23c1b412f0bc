import { performance } from 'node:perf_hooks';
import type { FrontierItem, Outcome, PassCounts } from './queue.ts';

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

export type Stage = 'parseMs' | 'storeMs';

/**
 * A crawl's running figures: the progress told to the caller after each item (starting from what
 * the pass already held when it resumes), and the time spent parsing and storing.
 */
export class CrawlStatistics {
  readonly timings = { parseMs: 0, storeMs: 0 };
  private readonly progress: Omit<CrawlProgress, 'passId' | 'item'>;

  constructor(
    private readonly passId: number,
    start: { items: { total: number; done: number }; counts: PassCounts },
    private readonly onProgress?: (progress: CrawlProgress) => void,
  ) {
    this.progress = {
      done: start.items.done,
      total: start.items.total,
      pagesFetched: start.counts.pagesFetched + start.counts.notModified,
      failed: sum(start.counts.failed),
    };
  }

  /** Add `run`'s time to a stage. */
  timed<T>(stage: Stage, run: () => T): T {
    const begun = performance.now();
    try {
      return run();
    } finally {
      this.timings[stage] += performance.now() - begun;
    }
  }

  async timedAsync<T>(stage: Stage, run: () => Promise<T>): Promise<T> {
    const begun = performance.now();
    const value = await run();
    this.timings[stage] += performance.now() - begun;
    return value;
  }

  /** An item was dealt with and `discovered` new items joined the pass. */
  recorded(item: FrontierItem, outcome: Outcome, discovered: number): void {
    const progress = this.progress;
    progress.done++;
    progress.total += discovered;
    if (outcome.state === 'done' && outcome.snapshot) progress.pagesFetched++;
    if (outcome.state === 'failed') progress.failed++;
    const reason = outcome.state === 'done' ? undefined : outcome.reason;
    const message = outcome.state === 'done' ? undefined : outcome.message;
    this.onProgress?.({
      passId: this.passId,
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
  }
}

export function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((total, n) => total + n, 0);
}
