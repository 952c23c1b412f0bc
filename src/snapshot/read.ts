import { SNAPSHOT_SELECT, type SnapshotRow, type StoredSnapshot, toSnapshot } from '../crawl/snapshots.ts';
import { statement } from '../crawl/statements.ts';
import type { Db } from '../store/db.ts';

/**
 * What a crawl pass left for the stages after it: its page snapshots, and what became of the
 * pages it could not snapshot (failed, gone, not reached). Nothing here fetches or writes.
 */

/**
 * Every snapshot of a pass, in the order they were taken, one body in memory at a time: the ids
 * are read first and each snapshot when it is asked for, so no statement stays open between two
 * (the caller may write to the store) and 500 pages of 10 MB are never held at once.
 */
export function* snapshotsOf(
  db: Db,
  passId: number,
  options: { siteId?: string } = {},
): Generator<StoredSnapshot> {
  const ids = (
    options.siteId
      ? statement(db, 'SELECT id FROM crawl_snapshots WHERE pass_id = ? AND site_id = ? ORDER BY id')
          .pluck()
          .all(passId, options.siteId)
      : statement(db, 'SELECT id FROM crawl_snapshots WHERE pass_id = ? ORDER BY id').pluck().all(passId)
  ) as number[];
  const one = statement(db, `${SNAPSHOT_SELECT} WHERE s.id = ?`);
  for (const id of ids) {
    const row = one.get(id) as SnapshotRow | undefined;
    if (row) yield toSnapshot(row);
  }
}

export interface FailedItem {
  siteId: string;
  url: string;
  kind: string;
  message: string | null;
  status: number | null;
}

/** Each failed item of a pass with its kind: for the log and for reports. */
export function failuresOf(db: Db, passId: number): FailedItem[] {
  return db
    .prepare(
      `SELECT site_id AS siteId, url, reason AS kind, message, status FROM crawl_frontier
       WHERE pass_id = ? AND state = 'failed' ORDER BY id`,
    )
    .all(passId) as FailedItem[];
}

/** Pages of a pass that answered 404 or 410: gone from their site. */
export function goneOf(db: Db, passId: number): Array<{ siteId: string; url: string }> {
  return db
    .prepare(
      `SELECT site_id AS siteId, url FROM crawl_frontier
       WHERE pass_id = ? AND kind = 'page' AND status IN (404, 410) ORDER BY id`,
    )
    .all(passId) as Array<{ siteId: string; url: string }>;
}

/** Whether a page URL was dealt with in a pass (fetched, skipped or failed). */
export function reachedIn(db: Db, passId: number, url: string): boolean {
  return (
    statement(db, "SELECT 1 FROM crawl_frontier WHERE pass_id = ? AND url = ? AND state != 'queued'").get(
      passId,
      url,
    ) !== undefined
  );
}

/** Items still queued in a pass, per site: the work a stopped crawl left for the next one. */
export function queuedBySite(db: Db, passId: number): Map<string, number> {
  const rows = db
    .prepare(
      "SELECT site_id AS siteId, COUNT(*) AS n FROM crawl_frontier WHERE pass_id = ? AND state = 'queued' GROUP BY site_id",
    )
    .all(passId) as Array<{ siteId: string; n: number }>;
  return new Map(rows.map((row) => [row.siteId, row.n]));
}
