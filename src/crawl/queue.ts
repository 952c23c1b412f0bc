import type { Sql } from '../store/sql.ts';
import { type StoredSnapshotInput, saveSnapshot } from './snapshots.ts';

/**
 * The frontier of a pass (`crawl_frontier`): every item (seed, sitemap, feed, page) it has met,
 * queued or dealt with. Every outcome is written in one transaction together with the URLs it
 * discovered and the snapshot it took, so a crawl killed at any moment (SIGKILL included) resumes
 * with no finished page fetched again, none lost and none twice.
 *
 * Several processes may take work from one frontier (a PostgreSQL store shared by workers): an
 * item is handed out by a claim (`claimItems`), atomic on both engines, that names its holder and
 * lasts a lease; the holder renews its leases while it works (`renewClaims`), and an item whose
 * lease ran out (its holder was killed) is handed out again. An item that is done is never handed
 * out again, and its outcome is recorded once: the first holder to record it wins.
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

/** Who holds the items it claims, and until when (epoch milliseconds). */
export interface Claim {
  holder: string;
  untilMs: number;
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

const ITEM_COLUMNS = 'id, pass_id, site_id, url, kind, source, depth, follow, optional';
/** Rows a multi-row insert carries: 8 values each, well under both engines' parameter limits. */
const INSERT_CHUNK = 200;

/**
 * Add items not yet in the pass, claimed for `claim` when given (items a holder discovered are its
 * own to work); returns those that were new, with their ids, in the order given.
 */
export async function enqueue(
  sql: Sql,
  passId: number,
  items: NewItem[],
  claim?: Claim,
): Promise<FrontierItem[]> {
  // One row a (kind, url): a second would only be ignored by the store, and PostgreSQL refuses
  // to return it from the same statement.
  const unique = new Map<string, NewItem>();
  for (const item of items) {
    const key = `${item.kind} ${item.url}`;
    if (!unique.has(key)) unique.set(key, item);
  }
  const wanted = [...unique.values()];
  const added = new Map<string, FrontierRow>();
  for (let start = 0; start < wanted.length; start += INSERT_CHUNK) {
    const chunk = wanted.slice(start, start + INSERT_CHUNK);
    const params = chunk.flatMap((item) => [
      passId,
      item.siteId,
      item.url,
      item.kind,
      item.source,
      item.depth ?? 0,
      item.follow ? 1 : 0,
      item.optional ? 1 : 0,
      claim?.holder ?? null,
      claim?.untilMs ?? null,
    ]);
    const rows = await sql.all<FrontierRow>(
      `INSERT INTO crawl_frontier (pass_id, site_id, url, kind, source, depth, follow, optional,
         claimed_by, claimed_until)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (pass_id, kind, url) DO NOTHING
       RETURNING ${ITEM_COLUMNS}`,
      params,
    );
    for (const row of rows) added.set(`${row.kind} ${row.url}`, row);
  }
  const fresh: FrontierItem[] = [];
  for (const [key] of unique) {
    const row = added.get(key);
    if (row) fresh.push(toItem(row));
  }
  return fresh;
}

/**
 * Hand out up to `limit` queued items of the pass that nobody holds (or whose holder's lease ran
 * out, or that `claim.holder` already holds), claimed for `claim`, in the order they were met.
 * Atomic on both engines: two processes claiming at once never get the same item.
 */
export async function claimItems(
  sql: Sql,
  passId: number,
  claim: Claim,
  options: { nowMs: number; limit?: number },
): Promise<FrontierItem[]> {
  const rows = await sql.all<FrontierRow>(
    `UPDATE crawl_frontier SET claimed_by = @holder, claimed_until = @until
     WHERE id IN (
       SELECT id FROM crawl_frontier
       WHERE pass_id = @passId AND state = 'queued'
         AND (claimed_by IS NULL OR claimed_by = @holder OR claimed_until < @now)
       ORDER BY id LIMIT @limit ${sql.dialect.skipLocked})
     RETURNING ${ITEM_COLUMNS}`,
    {
      holder: claim.holder,
      until: claim.untilMs,
      passId,
      now: options.nowMs,
      limit: options.limit ?? 2 ** 31 - 1,
    },
  );
  return rows.map(toItem).sort((a, b) => a.id - b.id);
}

/** Extend the lease of every item `claim.holder` holds in the pass; returns how many it holds. */
export async function renewClaims(sql: Sql, passId: number, claim: Claim): Promise<number> {
  const { changes } = await sql.run(
    `UPDATE crawl_frontier SET claimed_until = ?
     WHERE pass_id = ? AND claimed_by = ? AND state = 'queued'`,
    [claim.untilMs, passId, claim.holder],
  );
  return changes;
}

/**
 * Give back the queued items of the pass held by `holder`, or (with `except`) by anyone else: a
 * process that takes a pass over from a dead one takes its items too, without waiting out their
 * leases.
 */
export async function releaseClaims(
  sql: Sql,
  passId: number,
  who: { holder: string } | { except: string },
): Promise<number> {
  const { changes } =
    'holder' in who
      ? await sql.run(
          `UPDATE crawl_frontier SET claimed_by = NULL, claimed_until = NULL
           WHERE pass_id = ? AND claimed_by = ? AND state = 'queued'`,
          [passId, who.holder],
        )
      : await sql.run(
          `UPDATE crawl_frontier SET claimed_by = NULL, claimed_until = NULL
           WHERE pass_id = ? AND claimed_by IS NOT NULL AND claimed_by != ? AND state = 'queued'`,
          [passId, who.except],
        );
  return changes;
}

export async function queuedItems(sql: Sql, passId: number, afterId = 0): Promise<FrontierItem[]> {
  const rows = await sql.all<FrontierRow>(
    `SELECT ${ITEM_COLUMNS} FROM crawl_frontier WHERE pass_id = ? AND state = 'queued' AND id > ? ORDER BY id`,
    [passId, afterId],
  );
  return rows.map(toItem);
}

/** Whether the pass has any item left queued. */
export async function hasQueuedItems(sql: Sql, passId: number): Promise<boolean> {
  const row = await sql.get(
    "SELECT 1 AS queued FROM crawl_frontier WHERE pass_id = ? AND state = 'queued' LIMIT 1",
    [passId],
  );
  return row !== undefined;
}

/** The sites of a pass that still have queued items. */
export async function sitesWithQueuedItems(sql: Sql, passId: number): Promise<string[]> {
  const rows = await sql.all<{ site_id: string }>(
    "SELECT DISTINCT site_id FROM crawl_frontier WHERE pass_id = ? AND state = 'queued' ORDER BY site_id",
    [passId],
  );
  return rows.map((row) => row.site_id);
}

/** Every URL of one kind the pass knows, per site: what a resumed crawl must not admit again. */
export async function knownUrls(
  sql: Sql,
  passId: number,
  kind: ItemKind,
): Promise<Array<{ siteId: string; url: string }>> {
  return sql.all<{ siteId: string; url: string }>(
    'SELECT site_id AS "siteId", url FROM crawl_frontier WHERE pass_id = ? AND kind = ? ORDER BY id',
    [passId, kind],
  );
}

/** Items of the pass in all, and those dealt with: where a resumed crawl's progress starts. */
export async function itemTotals(sql: Sql, passId: number): Promise<{ total: number; done: number }> {
  const totals = await sql.get<{ total: number; done: number | null }>(
    `SELECT COUNT(*) AS total, SUM(CASE WHEN state != 'queued' THEN 1 ELSE 0 END) AS done
     FROM crawl_frontier WHERE pass_id = ?`,
    [passId],
  );
  return { total: totals?.total ?? 0, done: totals?.done ?? 0 };
}

/**
 * Record what became of an item, and the items it discovered (claimed for `claim`, when given),
 * in one transaction. Returns the discovered items that were new to the pass, with their ids. An
 * item already recorded (by another process that held it after this one's lease ran out) is left
 * as it is, and nothing is recorded: the first outcome stands.
 */
export async function complete(
  sql: Sql,
  item: FrontierItem,
  outcome: Outcome,
  discovered: NewItem[],
  claim?: Claim,
): Promise<FrontierItem[]> {
  return sql.tx(async () => {
    const { changes } = await sql.run(
      `UPDATE crawl_frontier SET state = ?, reason = ?, message = ?, status = ?, attempts = attempts + 1,
         claimed_by = NULL, claimed_until = NULL
       WHERE id = ? AND state = 'queued'`,
      [
        outcome.state,
        outcome.state === 'done' ? null : outcome.reason,
        outcome.state === 'done' ? null : (outcome.message ?? null),
        outcome.state === 'done' ? (outcome.snapshot?.httpStatus ?? null) : (outcome.status ?? null),
        item.id,
      ],
    );
    if (changes === 0) return [];
    if (outcome.state === 'done' && outcome.snapshot) await saveSnapshot(sql, item, outcome.snapshot);
    return discovered.length === 0 ? [] : enqueue(sql, item.passId, discovered, claim);
  });
}

export interface PassCounts {
  pagesFetched: number;
  notModified: number;
  skipped: Record<string, number>;
  failed: Record<string, number>;
  queued: number;
}

export async function passCounts(sql: Sql, passId: number): Promise<PassCounts> {
  const snapshots = await sql.get<{ fetched: number | null; unchanged: number | null }>(
    `SELECT SUM(CASE WHEN http_status != 304 THEN 1 ELSE 0 END) AS fetched,
       SUM(CASE WHEN http_status = 304 THEN 1 ELSE 0 END) AS unchanged
     FROM crawl_snapshots WHERE pass_id = ?`,
    [passId],
  );
  const counts: PassCounts = {
    pagesFetched: snapshots?.fetched ?? 0,
    notModified: snapshots?.unchanged ?? 0,
    skipped: {},
    failed: {},
    queued: 0,
  };
  const rows = await sql.all<{ state: string; reason: string | null; n: number }>(
    `SELECT state, reason, COUNT(*) AS n FROM crawl_frontier WHERE pass_id = ?
     GROUP BY state, reason ORDER BY state, reason`,
    [passId],
  );
  for (const row of rows) {
    if (row.state === 'queued') counts.queued += row.n;
    if (row.state === 'skipped') counts.skipped[row.reason ?? 'unknown'] = row.n;
    if (row.state === 'failed') counts.failed[row.reason ?? 'unknown'] = row.n;
  }
  return counts;
}
