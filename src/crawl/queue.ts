import type { Db } from '../store/db.ts';
import { type StoredSnapshotInput, saveSnapshot } from './snapshots.ts';
import { statement } from './statements.ts';

/**
 * The frontier of a pass (`crawl_frontier`): every item (seed, sitemap, feed, page) it has met,
 * queued or dealt with. Every outcome is written in one transaction together with the URLs it
 * discovered and the snapshot it took, so a crawl killed at any moment (SIGKILL included) resumes
 * with no finished page fetched again, none lost and none twice.
 */

export type ItemKind = 'seed' | 'sitemap' | 'feed' | 'page';
export type ItemSource = 'config' | 'robots' | 'default' | 'sitemap' | 'feed' | 'start' | 'link';

export interface NewItem {
  siteId: string;
  url: string;
  kind: ItemKind;
  source: ItemSource;
  depth?: number;
  follow?: boolean;
  optional?: boolean;
}

export interface FrontierItem extends Required<NewItem> {
  id: number;
  passId: number;
}

export type Outcome =
  | { state: 'done'; snapshot?: StoredSnapshotInput }
  | { state: 'skipped' | 'failed'; reason: string; message?: string; status?: number };

interface FrontierRow {
  id: number;
  pass_id: number;
  site_id: string;
  url: string;
  kind: ItemKind;
  source: ItemSource;
  depth: number;
  follow: number;
  optional: number;
}

function toItem(row: FrontierRow): FrontierItem {
  return {
    id: row.id,
    passId: row.pass_id,
    siteId: row.site_id,
    url: row.url,
    kind: row.kind,
    source: row.source,
    depth: row.depth,
    follow: row.follow === 1,
    optional: row.optional === 1,
  };
}

/** Add items not yet in the pass; returns those that were new. */
export function enqueue(db: Db, passId: number, items: NewItem[]): NewItem[] {
  const insert = statement(
    db,
    `INSERT OR IGNORE INTO crawl_frontier (pass_id, site_id, url, kind, source, depth, follow, optional)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const added: NewItem[] = [];
  for (const item of items) {
    const result = insert.run(
      passId,
      item.siteId,
      item.url,
      item.kind,
      item.source,
      item.depth ?? 0,
      item.follow ? 1 : 0,
      item.optional ? 1 : 0,
    );
    if (result.changes > 0) added.push(item);
  }
  return added;
}

export function queuedItems(db: Db, passId: number, afterId = 0): FrontierItem[] {
  return (
    statement(
      db,
      "SELECT * FROM crawl_frontier WHERE pass_id = ? AND state = 'queued' AND id > ? ORDER BY id",
    ).all(passId, afterId) as FrontierRow[]
  ).map(toItem);
}

/** The sites of a pass that still have queued items. */
export function sitesWithQueuedItems(db: Db, passId: number): string[] {
  return db
    .prepare("SELECT DISTINCT site_id FROM crawl_frontier WHERE pass_id = ? AND state = 'queued'")
    .pluck()
    .all(passId) as string[];
}

/** Every URL of one kind the pass knows, per site: what a resumed crawl must not admit again. */
export function knownUrls(db: Db, passId: number, kind: ItemKind): Array<{ siteId: string; url: string }> {
  return db
    .prepare('SELECT site_id AS siteId, url FROM crawl_frontier WHERE pass_id = ? AND kind = ?')
    .all(passId, kind) as Array<{ siteId: string; url: string }>;
}

/** Items of the pass in all, and those dealt with: where a resumed crawl's progress starts. */
export function itemTotals(db: Db, passId: number): { total: number; done: number } {
  const totals = db
    .prepare("SELECT COUNT(*) AS total, SUM(state != 'queued') AS done FROM crawl_frontier WHERE pass_id = ?")
    .get(passId) as { total: number; done: number | null };
  return { total: totals.total, done: totals.done ?? 0 };
}

/**
 * Record what became of an item, and the items it discovered, in one transaction. Returns the
 * discovered items that were new to the pass (with their ids).
 */
export function complete(
  db: Db,
  item: FrontierItem,
  outcome: Outcome,
  discovered: NewItem[],
): FrontierItem[] {
  return db.transaction(() => {
    if (outcome.state === 'done' && outcome.snapshot) saveSnapshot(db, item, outcome.snapshot);
    statement(
      db,
      `UPDATE crawl_frontier SET state = ?, reason = ?, message = ?, status = ?, attempts = attempts + 1
       WHERE id = ?`,
    ).run(
      outcome.state,
      outcome.state === 'done' ? null : outcome.reason,
      outcome.state === 'done' ? null : (outcome.message ?? null),
      outcome.state === 'done' ? (outcome.snapshot?.httpStatus ?? null) : (outcome.status ?? null),
      item.id,
    );
    const fresh = enqueue(db, item.passId, discovered);
    if (fresh.length === 0) return [];
    const find = statement(db, 'SELECT * FROM crawl_frontier WHERE pass_id = ? AND kind = ? AND url = ?');
    return fresh.map((added) => toItem(find.get(item.passId, added.kind, added.url) as FrontierRow));
  })();
}

export interface PassCounts {
  pagesFetched: number;
  notModified: number;
  skipped: Record<string, number>;
  failed: Record<string, number>;
  queued: number;
}

export function passCounts(db: Db, passId: number): PassCounts {
  const snapshots = db
    .prepare(
      'SELECT SUM(http_status != 304) AS fetched, SUM(http_status = 304) AS unchanged FROM crawl_snapshots WHERE pass_id = ?',
    )
    .get(passId) as { fetched: number | null; unchanged: number | null };
  const counts: PassCounts = {
    pagesFetched: snapshots.fetched ?? 0,
    notModified: snapshots.unchanged ?? 0,
    skipped: {},
    failed: {},
    queued: 0,
  };
  const rows = db
    .prepare(
      'SELECT state, reason, COUNT(*) AS n FROM crawl_frontier WHERE pass_id = ? GROUP BY state, reason',
    )
    .all(passId) as Array<{ state: string; reason: string | null; n: number }>;
  for (const row of rows) {
    if (row.state === 'queued') counts.queued += row.n;
    if (row.state === 'skipped') counts.skipped[row.reason ?? 'unknown'] = row.n;
    if (row.state === 'failed') counts.failed[row.reason ?? 'unknown'] = row.n;
  }
  return counts;
}
