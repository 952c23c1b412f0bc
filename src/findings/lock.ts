import { resolve } from 'node:path';
import { SyndicateError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { holderIsGone, processIsAlive, thisProcess } from '../store/process-lock.ts';

export interface ScanLock {
  pid: number;
  host: string;
  started: string;
}

export interface LockOptions {
  pid?: number;
  host?: string;
  now?: Date;
  /** Whether a process on this host is still running; `process.kill(pid, 0)` by default. */
  isAlive?: (pid: number) => boolean;
}

/**
 * Stores on which this process holds the scan lock now, by file and pid. A lock row naming this
 * pid is only this process's own if it appears here; otherwise it was left by an earlier process
 * that had the same pid (a container restarts its processes with the same pids).
 */
const heldHere = new Set<string>();
const heldKey = (db: Db, lock: Pick<ScanLock, 'pid' | 'host'>) =>
  [db.name === ':memory:' ? db.name : resolve(db.name), lock.host, lock.pid].join('\u0000');

/**
 * Take the one scan lock of the store, so two scans never record into it at once. A lock whose
 * holder has died on this host is taken over; a holder on another host cannot be checked, so its
 * lock stands until released.
 */
export function acquireScanLock(db: Db, options: LockOptions = {}): ScanLock {
  const self = thisProcess();
  const me: ScanLock = {
    pid: options.pid ?? self.pid,
    host: options.host ?? self.host,
    started: (options.now ?? new Date()).toISOString(),
  };
  const isAlive = options.isAlive ?? processIsAlive;
  return db
    .transaction(() => {
      const holder = db.prepare('SELECT pid, host, started FROM scan_lock WHERE id = 1').get() as
        | ScanLock
        | undefined;
      if (holder) {
        const samePid = holder.host === me.host && holder.pid === me.pid;
        // Two scans in one process (a scheduler, a server) share the pid: the live one keeps it.
        const leftBehind = samePid && !heldHere.has(heldKey(db, me));
        const dead = !samePid && holderIsGone(holder, { host: me.host, isAlive });
        if (!leftBehind && !dead) {
          throw new SyndicateError(
            'locked',
            `another scan holds the store: pid ${holder.pid} on ${holder.host} since ${holder.started}`,
          );
        }
      }
      db.prepare('INSERT OR REPLACE INTO scan_lock (id, pid, host, started) VALUES (1, ?, ?, ?)').run(
        me.pid,
        me.host,
        me.started,
      );
      heldHere.add(heldKey(db, me));
      return me;
    })
    .immediate();
}

/** Release the lock if `lock` still holds it; returns whether it did. */
export function releaseScanLock(db: Db, lock: Pick<ScanLock, 'pid' | 'host'>): boolean {
  const info = db
    .prepare('DELETE FROM scan_lock WHERE id = 1 AND pid = ? AND host = ?')
    .run(lock.pid, lock.host);
  heldHere.delete(heldKey(db, lock));
  return info.changes > 0;
}

export function currentScanLock(db: Db): ScanLock | undefined {
  return db.prepare('SELECT pid, host, started FROM scan_lock WHERE id = 1').get() as ScanLock | undefined;
}
