import { SNAPSHOT_SELECT, type SnapshotRow, type StoredSnapshot, toSnapshot } from '../crawl/snapshots.ts';
import type { Sql } from '../store/sql.ts';

/**
 * What a crawl pass left for the stages after it: its page snapshots, and what became of the
 * pages it could not snapshot (failed, gone, not reached). Nothing here fetches or writes.
 */

/**
 * Every snapshot of a pass, in the order they were taken, one body in memory at a time: the ids
 * are read first and each snapshot when it is asked for, so no statement stays open between two
 * (the caller may write to the store) and 500 pages of 10 MB are never held at once.
 */
export async function* snapshotsOf(
  sql: Sql,
  passId: number,
  options: { siteId?: string } = {},
): AsyncGenerator<StoredSnapshot> {
  const rows = options.siteId
    ? await sql.all<{ id: number }>(
        'SELECT id FROM crawl_snapshots WHERE pass_id = ? AND site_id = ? ORDER BY id',
        [passId, options.siteId],
      )
    : await sql.all<{ id: number }>('SELECT id FROM crawl_snapshots WHERE pass_id = ? ORDER BY id', [passId]);
  for (const { id } of rows) {
    const row = await sql.get<SnapshotRow>(`${SNAPSHOT_SELECT} WHERE s.id = ?`, [id]);
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
export async function failuresOf(sql: Sql, passId: number): Promise<FailedItem[]> {
  return sql.all<FailedItem>(
    `SELECT site_id AS "siteId", url, reason AS kind, message, status FROM crawl_frontier
     WHERE pass_id = ? AND state = 'failed' ORDER BY id`,
    [passId],
  );
}

/** Pages of a pass that answered 404 or 410: gone from their site. */
export async function goneOf(sql: Sql, passId: number): Promise<Array<{ siteId: string; url: string }>> {
  return sql.all<{ siteId: string; url: string }>(
    `SELECT site_id AS "siteId", url FROM crawl_frontier
     WHERE pass_id = ? AND kind = 'page' AND status IN (404, 410) ORDER BY id`,
    [passId],
  );
}

/** Whether a page URL was dealt with in a pass (fetched, skipped or failed). */
export async function reachedIn(sql: Sql, passId: number, url: string): Promise<boolean> {
  const row = await sql.get(
    "SELECT 1 AS reached FROM crawl_frontier WHERE pass_id = ? AND url = ? AND state != 'queued'",
    [passId, url],
  );
  return row !== undefined;
}

/** Items still queued in a pass, per site: the work a stopped crawl left for the next one. */
export async function queuedBySite(sql: Sql, passId: number): Promise<Map<string, number>> {
  const rows = await sql.all<{ siteId: string; n: number }>(
    `SELECT site_id AS "siteId", COUNT(*) AS n FROM crawl_frontier WHERE pass_id = ? AND state = 'queued'
     GROUP BY site_id ORDER BY site_id`,
    [passId],
  );
  return new Map(rows.map((row) => [row.siteId, row.n]));
}
