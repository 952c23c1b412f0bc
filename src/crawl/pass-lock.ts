import { SyndicateError } from '../errors.ts';
import { holderIsGone, holderToken, parseHolderToken } from '../store/process-lock.ts';
import type { Sql } from '../store/sql.ts';

/**
 * Who works on a crawl pass (`crawl_locks`): two processes crawling the same pass would fetch
 * every page twice and race on the frontier. The lock is a lease: its holder renews it while it
 * works (`renewPassLock`), and a lock whose lease ran out is taken over, so a holder killed on
 * another machine (whose process cannot be asked after) blocks the pass for one lease at most.
 * On this machine a holder whose process is gone is taken over at once. Taking the lock is a
 * compare-and-swap on the row, so two processes on any engine never both get it.
 */

/** How long a pass lock lasts unless renewed; the crawl renews it every third of that. */
export const PASS_LEASE_MS = 30_000;

/** Who is working on a pass: this host, this process, this call. */
export function lockHolder(): string {
  return holderToken();
}

interface LockRow {
  holder: string;
  expires_at: number | null;
}

/**
 * Take the pass for `holder` until `nowMs + leaseMs`, or throw a 'locked' error naming the live
 * process that has it. A lock left by a process that died (SIGKILL, power cut) is taken over: at
 * once when it ran on this host, when its lease has run out when it ran elsewhere. Returns the
 * holder it took the pass over from, if any.
 */
export async function lockPass(
  sql: Sql,
  passId: number,
  holder: string,
  now: Date,
  options: { nowMs?: number; leaseMs?: number } = {},
): Promise<{ previous?: string }> {
  const nowMs = options.nowMs ?? Date.now();
  const expiresAt = nowMs + (options.leaseMs ?? PASS_LEASE_MS);
  const current = await sql.get<LockRow>('SELECT holder, expires_at FROM crawl_locks WHERE pass_id = ?', [
    passId,
  ]);
  if (!current) {
    const { changes } = await sql.run(
      `INSERT INTO crawl_locks (pass_id, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (pass_id) DO NOTHING`,
      [passId, holder, now.toISOString(), expiresAt],
    );
    if (changes === 1) return {};
    // Another process took it between the two statements.
    return refuse(sql, passId);
  }
  const stale =
    current.holder === holder ||
    holderIsGone(parseHolderToken(current.holder)) ||
    (current.expires_at !== null && current.expires_at < nowMs);
  if (!stale) return refuse(sql, passId, current.holder);
  const { changes } = await sql.run(
    `UPDATE crawl_locks SET holder = ?, acquired_at = ?, expires_at = ? WHERE pass_id = ? AND holder = ?`,
    [holder, now.toISOString(), expiresAt, passId, current.holder],
  );
  if (changes === 0) return refuse(sql, passId);
  return current.holder === holder ? {} : { previous: current.holder };
}

async function refuse(sql: Sql, passId: number, known?: string): Promise<never> {
  const holder =
    known ??
    (await sql.get<LockRow>('SELECT holder FROM crawl_locks WHERE pass_id = ?', [passId]))?.holder ??
    'unknown';
  throw new SyndicateError(
    'locked',
    `crawl pass ${passId} is being worked on by another process (${holder.split(':').slice(0, 2).join(':')})`,
  );
}

/**
 * Extend `holder`'s lease on the pass to `untilMs`; false when it no longer holds the pass (its
 * lease ran out and another process took it over), and must stop working on it.
 */
export async function renewPassLock(
  sql: Sql,
  passId: number,
  holder: string,
  untilMs: number,
): Promise<boolean> {
  const { changes } = await sql.run(
    'UPDATE crawl_locks SET expires_at = ? WHERE pass_id = ? AND holder = ?',
    [untilMs, passId, holder],
  );
  return changes === 1;
}

export async function unlockPass(sql: Sql, passId: number, holder: string): Promise<void> {
  await sql.run('DELETE FROM crawl_locks WHERE pass_id = ? AND holder = ?', [passId, holder]);
}
