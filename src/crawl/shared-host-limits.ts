import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CrawlerConfig } from '../config/sites.ts';
import { logger } from '../log.ts';
import type { Sql } from '../store/sql.ts';
import { sleep } from './scheduler.ts';

/**
 * Per-host politeness for a whole cluster of crawling processes (issue 11), kept in the store
 * that they share: at most `perHost` requests in flight to a host across every process, the
 * host's delay (the configured one, or its robots.txt Crawl-delay when larger) between two
 * requests to it whichever processes make them, and a Retry-After pause that holds for all.
 *
 * It has the same surface as the in-process `Politeness` (scheduler.ts), so the crawl's polite
 * client takes either: `HostLimits` is that surface.
 *
 * In the store (migration 17): `crawl_hosts` (host, next_at, crawl_delay_ms) and one row of
 * `crawl_host_leases` per request in flight. A request start is one short transaction that locks
 * the host's row (`FOR UPDATE` on PostgreSQL; SQLite's write lock serialises them anyway), counts
 * the host's live leases and, when there is room and the host is due, adds a lease and moves
 * `next_at` on by the delay. A request end is one transaction that drops the lease and moves
 * `next_at` to at least the end plus the delay. A lease lasts `leaseMs` and each process renews
 * its own every third of that: a process killed mid-request (SIGKILL, a lost machine) holds the
 * host for at most `leaseMs` more. Times are the store's clock on PostgreSQL (machines' clocks
 * differ), this machine's on SQLite (one machine).
 */
export interface HostLimits {
  /** Wait for a slot on the host; the returned function gives it back. */
  acquire(key: string, signal?: AbortSignal): Promise<() => void>;
  /** Holding a slot, wait for the host's delay again and count one more request: a redirect hop. */
  again(key: string, signal?: AbortSignal): Promise<void>;
  /** No request to the host before `until` (epoch ms, this process's clock): Retry-After. */
  pauseUntil(key: string, until: number): void;
  /** Raise a host's delay (robots.txt Crawl-delay); never lowers the configured one. */
  setMinimumDelay(key: string, delayMs: number): void;
  delayOf(key: string): number;
}

export interface SharedHostLimitsOptions {
  /** Requests this process has in flight in all (a process's own limit, not the cluster's). */
  concurrency: number;
  /** Requests in flight to one host across every process. */
  perHost: number;
  delayMs: number;
  /** How long a lease lasts unless renewed: how long a dead process can hold a host (`hostLeaseMs`). */
  leaseMs: number;
  /** How often a process waiting for a full host looks again (other processes' ends are not told). */
  pollMs?: number;
}

interface HostRow {
  next_at: number;
  crawl_delay_ms: number;
  now: number;
}

/** What a request end (and what came with it) still has to write for one host. */
interface Pending {
  leases: number[];
  /** Pause the host until this long after the store's now (Retry-After). */
  pauseMs?: number;
  crawlDelayMs?: number;
}

/** The cluster's limits as the `crawler:` settings give them, kept in `sql`. */
export function clusterHostLimits(sql: Sql, crawler: CrawlerConfig): SharedHostLimits {
  return new SharedHostLimits(sql, {
    concurrency: crawler.concurrency,
    perHost: crawler.perHost,
    delayMs: crawler.delayMs,
    leaseMs: crawler.hostLeaseMs,
  });
}

export class SharedHostLimits implements HostLimits {
  /** Who holds this process's leases: the host name, the process, and a nonce for this object. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly known = new Set<string>();
  private readonly crawlDelays = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  private flushing: Promise<void> = Promise.resolve();
  private flushError: unknown;
  private scheduled = false;
  private inFlight = 0;
  private readonly heldLeases = new Set<number>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly sql: Sql,
    private readonly options: SharedHostLimitsOptions,
  ) {
    this.leaseMs = options.leaseMs;
    this.pollMs = options.pollMs ?? 50;
    this.heartbeat = setInterval(() => this.renew(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
  }

  /** The store's clock in milliseconds, as SQL: PostgreSQL's for every machine, SQLite's local one. */
  private get nowSql(): string {
    return this.sql.engine === 'postgres'
      ? 'CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)'
      : "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
  }

  private get lockRow(): string {
    return this.sql.engine === 'postgres' ? 'FOR UPDATE' : '';
  }

  delayOf(key: string): number {
    return Math.max(this.options.delayMs, this.crawlDelays.get(key) ?? 0);
  }

  setMinimumDelay(key: string, delayMs: number): void {
    this.crawlDelays.set(key, delayMs);
    this.pendingOf(key).crawlDelayMs = delayMs;
    this.schedule();
  }

  pauseUntil(key: string, until: number): void {
    const pending = this.pendingOf(key);
    pending.pauseMs = Math.max(pending.pauseMs ?? 0, until - Date.now());
    this.schedule();
  }

  async acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      signal?.throwIfAborted();
      // What this process has still to write (an end, a Retry-After) goes first: its own next
      // request must see it as every other process will.
      await this.settle();
      if (this.inFlight >= this.options.concurrency) {
        await this.waitLocally(this.pollMs, signal);
        continue;
      }
      this.inFlight++;
      let waitMs: number;
      try {
        const taken = await this.tryTake(key);
        if (typeof taken === 'object') return this.releaser(key, taken.lease);
        waitMs = taken;
      } catch (error) {
        this.inFlight--;
        throw error;
      }
      this.inFlight--;
      await this.waitLocally(waitMs, signal);
    }
  }

  async again(key: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      await this.settle();
      const waitMs = await this.sql.tx(async () => {
        const row = await this.hostRow(key);
        if (row.now < row.next_at) return row.next_at - row.now;
        await this.sql.run('UPDATE crawl_hosts SET next_at = ? WHERE host = ?', [
          row.now + this.delayFrom(row),
          key,
        ]);
        return 0;
      });
      if (waitMs === 0) return;
      await sleep(waitMs, signal);
    }
  }

  /** Stop renewing, give back what is held and write what is pending. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.settle().catch(() => {});
    if (this.heldLeases.size > 0) {
      await this.sql
        .run('DELETE FROM crawl_host_leases WHERE holder = ?', [this.holder])
        .catch(() => undefined);
    }
  }

  /** A lease, or how long to wait before looking again. */
  private tryTake(key: string): Promise<{ lease: number } | number> {
    return this.sql.tx(async () => {
      const row = await this.hostRow(key);
      if (row.now < row.next_at) return row.next_at - row.now;
      const leases = (await this.sql.get<{ live: number | null; all: number; soonest: number | null }>(
        `SELECT SUM(CASE WHEN expires_at > @now THEN 1 ELSE 0 END) AS live, COUNT(*) AS "all",
                MIN(CASE WHEN expires_at > @now THEN expires_at END) AS soonest
           FROM crawl_host_leases WHERE host = @host`,
        { host: key, now: row.now },
      )) ?? { live: 0, all: 0, soonest: null };
      const live = Number(leases.live ?? 0);
      if (live >= this.options.perHost) {
        const untilExpiry = (leases.soonest ?? row.now) - row.now;
        return Math.max(1, Math.min(this.pollMs, untilExpiry));
      }
      // Leases that ran out belong to processes that died: they count no more, and go.
      if (Number(leases.all) > live) {
        await this.sql.run('DELETE FROM crawl_host_leases WHERE host = ? AND expires_at <= ?', [
          key,
          row.now,
        ]);
      }
      const lease = await this.sql.get<{ id: number }>(
        'INSERT INTO crawl_host_leases (host, holder, expires_at) VALUES (?, ?, ?) RETURNING id',
        [key, this.holder, row.now + this.leaseMs],
      );
      await this.sql.run('UPDATE crawl_hosts SET next_at = ? WHERE host = ?', [
        row.now + this.delayFrom(row),
        key,
      ]);
      this.heldLeases.add(lease!.id);
      return { lease: lease!.id };
    });
  }

  /** The host's row, locked for this transaction, with the store's time. */
  private async hostRow(key: string): Promise<HostRow> {
    if (!this.known.has(key)) {
      await this.sql.run('INSERT INTO crawl_hosts (host) VALUES (?) ON CONFLICT (host) DO NOTHING', [key]);
      this.known.add(key);
    }
    const row = await this.sql.get<HostRow>(
      `SELECT next_at, crawl_delay_ms, ${this.nowSql} AS now FROM crawl_hosts WHERE host = ? ${this.lockRow}`,
      [key],
    );
    if (!row) {
      // Someone removed the row under us (a store reset): make it again next time round.
      this.known.delete(key);
      return this.hostRow(key);
    }
    if (row.crawl_delay_ms > 0) this.crawlDelays.set(key, row.crawl_delay_ms);
    return row;
  }

  private delayFrom(row: HostRow): number {
    return Math.max(this.options.delayMs, row.crawl_delay_ms);
  }

  private releaser(key: string, lease: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Written on the next turn, so that a Retry-After noted right after the end (the polite
      // client does) goes into the same transaction: no other process slips in between.
      this.pendingOf(key).leases.push(lease);
      this.schedule();
    };
  }

  private pendingOf(key: string): Pending {
    let pending = this.pending.get(key);
    if (!pending) {
      pending = { leases: [] };
      this.pending.set(key, pending);
    }
    return pending;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = [...this.pending];
      this.pending.clear();
      this.flushing = this.flushing.then(async () => {
        for (const [key, pending] of batch) {
          try {
            await this.write(key, pending);
          } catch (error) {
            // The leases run out on their own; the caller's next acquire reports the failure.
            this.flushError ??= error;
            logger().warn({ host: key, err: error }, 'could not write a host limit to the store');
          }
          this.inFlight -= pending.leases.length;
          for (const lease of pending.leases) this.heldLeases.delete(lease);
        }
        this.wake();
      });
    });
  }

  /**
   * A request end (with what came with it) in two statements, no transaction: the host's next
   * start moves first (the row update locks the row), then the leases go, so no other process
   * can start a request in between.
   */
  private async write(key: string, pending: Pending): Promise<void> {
    if (pending.crawlDelayMs !== undefined) {
      // robots.txt may be read from the store before any request to the host: the row may be new.
      await this.sql.run(
        `INSERT INTO crawl_hosts (host, crawl_delay_ms) VALUES (?, ?)
         ON CONFLICT (host) DO UPDATE SET crawl_delay_ms = excluded.crawl_delay_ms`,
        [key, pending.crawlDelayMs],
      );
      this.known.add(key);
    }
    const released = pending.leases.length > 0;
    if (released || pending.pauseMs !== undefined) {
      const floorMs = Math.max(released ? this.options.delayMs : 0, Math.ceil(pending.pauseMs ?? 0));
      const candidate = `(${this.nowSql} + CASE WHEN @released = 1 AND crawl_delay_ms > @floor THEN crawl_delay_ms ELSE @floor END)`;
      await this.sql.run(
        `UPDATE crawl_hosts SET next_at = CASE WHEN next_at > ${candidate} THEN next_at ELSE ${candidate} END
         WHERE host = @host`,
        { released: released ? 1 : 0, floor: floorMs, host: key },
      );
    }
    for (const lease of pending.leases) {
      await this.sql.run('DELETE FROM crawl_host_leases WHERE id = ?', [lease]);
    }
  }

  /** Wait for every pending write; throw the first that failed. */
  private async settle(): Promise<void> {
    while (this.scheduled || this.pending.size > 0) await new Promise((resolve) => setImmediate(resolve));
    await this.flushing;
    if (this.flushError !== undefined) {
      const error = this.flushError;
      this.flushError = undefined;
      throw error;
    }
  }

  private renew(): void {
    if (this.heldLeases.size === 0) return;
    this.sql
      .run(`UPDATE crawl_host_leases SET expires_at = ${this.nowSql} + ? WHERE holder = ?`, [
        this.leaseMs,
        this.holder,
      ])
      .catch((error: unknown) => logger().warn({ err: error }, 'could not renew host leases'));
  }

  private wake(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiting) resolve();
  }

  /** Until `timeoutMs` passes or this process gives a slot back. */
  private waitLocally(timeoutMs: number | undefined, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
