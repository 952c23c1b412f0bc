import { randomUUID } from 'node:crypto';
import { SyndicateError } from '../errors.ts';
import { logger } from '../log.ts';
import { holderIsGone, processIsAlive, thisProcess } from '../store/process-lock.ts';
import type { Sql } from '../store/sql.ts';

/**
 * The one scan lock of a store, so that two scans never record into it at once, as a lease.
 *
 * On one machine a holder that died can be seen to be dead (its pid is gone). A PostgreSQL store is
 * shared by processes on many machines, and a holder on another machine cannot be asked whether it
 * is alive: so the lock is held for a lease (`SCAN_LEASE_MS`) that the holder renews while it runs
 * (`keepScanLock`, a heartbeat). A lease that nobody renewed in time is taken over, whoever held
 * it; on the holder's own machine a dead pid frees the lock at once. A holder that finds its lease
 * taken (it stalled longer than the lease: a paused VM, a long network cut) stops its scan, and the
 * recording of results checks the lease in the same transaction (a fence), so a stalled holder that
 * wakes up records nothing into the store another scan now holds. Leases are written in the
 * holders' clocks: machines that share a store keep their clocks in step (NTP), which the lease's
 * length absorbs many times over.
 */

export interface ScanLock {
  pid: number;
  host: string;
  started: string;
  /** This holding, apart from every other one (the same pid on a restarted container, say). */
  token: string;
  /** When the lease runs out unless renewed; null for a lock written before leases. */
  expires: string | null;
}

/** How long a scan lock holds without a renewal. */
export const SCAN_LEASE_MS = 60_000;
/** How often a running scan renews its lease: a few renewals may fail before it runs out. */
export const SCAN_HEARTBEAT_MS = 15_000;

export interface LockOptions {
  pid?: number;
  host?: string;
  now?: Date;
  /** Whether a process on this host is still running; `process.kill(pid, 0)` by default. */
  isAlive?: (pid: number) => boolean;
  leaseMs?: number;
}

/**
 * The tokens of the locks this process holds now. A lock row naming this pid is only this
 * process's own if its token is here; otherwise it was left by an earlier process that had the
 * same pid (a container restarts its processes with the same pids).
 */
const heldHere = new Set<string>();

interface LockRow {
  pid: number;
  host: string;
  started: string;
  token: string | null;
  expires: string | null;
}

/** Take the scan lock, or throw a `locked` error naming the holder. */
export async function acquireScanLock(sql: Sql, options: LockOptions = {}): Promise<ScanLock> {
  const self = thisProcess();
  const now = options.now ?? new Date();
  const me: ScanLock = {
    pid: options.pid ?? self.pid,
    host: options.host ?? self.host,
    started: now.toISOString(),
    token: randomUUID(),
    expires: new Date(now.getTime() + (options.leaseMs ?? SCAN_LEASE_MS)).toISOString(),
  };
  const isAlive = options.isAlive ?? processIsAlive;
  const values = [me.pid, me.host, me.started, me.token, me.expires];
  await sql.tx(async () => {
    const holder = await currentRow(sql, true);
    if (holder) {
      if (!isFree(holder, me, now, isAlive)) throw lockedBy(holder);
      await sql.run(
        'UPDATE scan_lock SET pid = ?, host = ?, started = ?, token = ?, expires = ? WHERE id = 1',
        values,
      );
      return;
    }
    // No row to lock: two processes may both get here, and the store's key lets one in.
    const inserted = await sql.run(
      'INSERT INTO scan_lock (id, pid, host, started, token, expires) VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      values,
    );
    if (inserted.changes === 0) throw lockedBy((await currentRow(sql, false)) ?? me);
  });
  heldHere.add(me.token);
  return me;
}

function isFree(holder: LockRow, me: ScanLock, now: Date, isAlive: (pid: number) => boolean): boolean {
  if (holder.host === me.host && holder.pid === me.pid) {
    // Two scans in one process (a scheduler, a server) share the pid: the running one keeps it; a
    // row naming this pid that no scan of this process holds was left by an earlier process.
    return holder.token === null || !heldHere.has(holder.token);
  }
  // Nobody renewed it in time, wherever the holder runs.
  if (holder.expires !== null && holder.expires < now.toISOString()) return true;
  return holderIsGone(holder, { host: me.host, isAlive });
}

function lockedBy(holder: Pick<LockRow, 'pid' | 'host' | 'started' | 'expires'>): SyndicateError {
  return new SyndicateError(
    'locked',
    `another scan holds the store: pid ${holder.pid} on ${holder.host} since ${holder.started}${
      holder.expires ? ` (its lease runs to ${holder.expires} unless renewed)` : ''
    }`,
  );
}

/**
 * Extend the lease of `lock` by `leaseMs` from `now`; false when it no longer holds the lock (the
 * lease ran out and another scan took it, or it was released).
 */
export async function renewScanLock(
  sql: Sql,
  lock: ScanLock,
  options: { now?: Date; leaseMs?: number } = {},
): Promise<boolean> {
  const now = options.now ?? new Date();
  const expires = new Date(now.getTime() + (options.leaseMs ?? SCAN_LEASE_MS)).toISOString();
  const { changes } = await sql.run('UPDATE scan_lock SET expires = ? WHERE id = 1 AND token = ?', [
    expires,
    lock.token,
  ]);
  if (changes > 0) lock.expires = expires;
  return changes > 0;
}

export interface Heartbeat {
  /** Stop renewing (before the lock is released). */
  stop(): Promise<void>;
}

/**
 * Renew the lease every `intervalMs` while a scan runs. A renewal that fails (the store out of
 * reach for a moment) is tried again at the next beat; one that finds the lock taken calls
 * `onLost` once, and the scan stops.
 */
export function keepScanLock(
  sql: Sql,
  lock: ScanLock,
  options: {
    onLost: () => void;
    intervalMs?: number;
    leaseMs?: number;
    now?: () => Date;
  },
): Heartbeat {
  const now = options.now ?? (() => new Date());
  let beating: Promise<void> | undefined;
  let lost = false;
  const beat = async () => {
    try {
      if (await renewScanLock(sql, lock, { now: now(), leaseMs: options.leaseMs })) return;
      lost = true;
      clearInterval(timer);
      logger().error({ token: lock.token }, 'the scan lost its lock: another scan took over its lease');
      options.onLost();
    } catch (error) {
      logger().warn({ err: error }, 'could not renew the scan lock; trying again');
    }
  };
  const timer = setInterval(() => {
    if (!beating && !lost) beating = beat().finally(() => (beating = undefined));
  }, options.intervalMs ?? SCAN_HEARTBEAT_MS);
  // The heartbeat alone never keeps a process alive.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await beating;
    },
  };
}

/**
 * Throw unless `lock` still holds the store: called inside the transaction that records results,
 * whose row lock keeps a takeover out until it commits.
 */
export async function assertScanLock(sql: Sql, lock: Pick<ScanLock, 'token'>): Promise<void> {
  const holder = await currentRow(sql, true);
  if (holder?.token !== lock.token) {
    throw new SyndicateError(
      'locked',
      holder
        ? `this scan lost the store's scan lock to pid ${holder.pid} on ${holder.host} (its lease was not renewed in time)`
        : "this scan no longer holds the store's scan lock",
    );
  }
}

/** Release the lock if `lock` still holds it; returns whether it did. */
export async function releaseScanLock(sql: Sql, lock: Pick<ScanLock, 'token'>): Promise<boolean> {
  const { changes } = await sql.run('DELETE FROM scan_lock WHERE id = 1 AND token = ?', [lock.token]);
  heldHere.delete(lock.token);
  return changes > 0;
}

export async function currentScanLock(sql: Sql): Promise<ScanLock | undefined> {
  const row = await currentRow(sql, false);
  return row && { ...row, token: row.token ?? '' };
}

function currentRow(sql: Sql, lock: boolean): Promise<LockRow | undefined> {
  return sql.get<LockRow>(
    `SELECT pid, host, started, token, expires FROM scan_lock WHERE id = 1${lock ? sql.dialect.forUpdate : ''}`,
  );
}
