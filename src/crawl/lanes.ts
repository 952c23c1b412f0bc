/**
 * Host lanes: items are queued per host and worked by at most `perHost` lanes a host, each lane
 * taking its host's items one after another. Politeness (delays, the global limit) is applied
 * per request by the scheduler; lanes only keep a host from holding more workers than it may use.
 * The first error a lane throws (other than the crawl stopping) stops every lane and is kept.
 */
export interface LanesOptions<Item> {
  perHost: number;
  /** The key items are grouped by: their host. */
  keyOf: (item: Item) => string;
  work: (item: Item) => Promise<void>;
  /** Stopping: no lane starts or takes another item once it is aborted. */
  signal: AbortSignal;
  /** Whether an error only says the crawl is stopping. */
  isStopping: (error: unknown) => boolean;
  /** Called with the first real error, to stop the crawl. */
  onFatal: (error: unknown) => void;
}

export class HostLanes<Item> {
  private readonly queues = new Map<string, Item[]>();
  private readonly lanes = new Map<string, number>();
  private active = 0;
  private waiting: Array<() => void> = [];
  /** The first error a lane threw, if any. */
  fatal: unknown;

  constructor(private readonly options: LanesOptions<Item>) {}

  add(items: Iterable<Item>): void {
    for (const item of items) {
      const key = this.options.keyOf(item);
      let queue = this.queues.get(key);
      if (!queue) {
        queue = [];
        this.queues.set(key, queue);
      }
      queue.push(item);
      this.start(key, queue);
    }
  }

  /** Stop every lane for an error met beside them (a write the crawl made on its own). */
  fail(error: unknown): void {
    this.fatal ??= error;
    this.options.onFatal(error);
  }

  /** Resolves when no lane is working (at once when none was started). */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private start(key: string, queue: Item[]): void {
    const { perHost, signal } = this.options;
    while ((this.lanes.get(key) ?? 0) < perHost && queue.length > 0 && !signal.aborted) {
      this.lanes.set(key, (this.lanes.get(key) ?? 0) + 1);
      this.active++;
      this.run(queue)
        .catch((error: unknown) => {
          if (!this.options.isStopping(error)) {
            this.fatal ??= error;
            this.options.onFatal(error);
          }
        })
        .finally(() => {
          this.lanes.set(key, (this.lanes.get(key) ?? 1) - 1);
          this.active--;
          if (this.active === 0) {
            const waiting = this.waiting;
            this.waiting = [];
            for (const resolve of waiting) resolve();
          }
        });
    }
  }

  private async run(queue: Item[]): Promise<void> {
    for (let item = queue.shift(); item && !this.options.signal.aborted; item = queue.shift()) {
      await this.options.work(item);
    }
  }
}
