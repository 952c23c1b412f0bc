import type { Db } from '../store/db.ts';
import { enqueue, type NewItem } from './queue.ts';
import { statement } from './statements.ts';

/**
 * Crawl passes (`crawl_passes`): one walk over a set of sites, resumed until it is finished. A
 * later crawl of the same sites starts a new pass, whose conditional requests use the snapshots of
 * the passes before it.
 */

export interface Pass {
  id: number;
  siteIds: string[];
  startedAt: string;
  finishedAt: string | null;
}

interface PassRow {
  id: number;
  sites: string;
  started_at: string;
  finished_at: string | null;
}

function toPass(row: PassRow): Pass {
  return {
    id: row.id,
    siteIds: JSON.parse(row.sites) as string[],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/**
 * The pass to work on: the newest unfinished pass of exactly these sites, or a new one.
 * `seed` is called inside the same transaction to seed a new pass.
 */
export function openPass(
  db: Db,
  siteIds: string[],
  now: Date,
  seed: (passId: number) => NewItem[],
): { pass: Pass; resumed: boolean } {
  const key = JSON.stringify([...siteIds].sort());
  return db.transaction(() => {
    const open = statement(
      db,
      'SELECT * FROM crawl_passes WHERE sites = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1',
    ).get(key) as PassRow | undefined;
    if (open) return { pass: toPass(open), resumed: true };
    const id = Number(
      statement(db, 'INSERT INTO crawl_passes (sites, started_at) VALUES (?, ?)').run(key, now.toISOString())
        .lastInsertRowid,
    );
    enqueue(db, id, seed(id));
    const row = statement(db, 'SELECT * FROM crawl_passes WHERE id = ?').get(id) as PassRow;
    return { pass: toPass(row), resumed: false };
  })();
}

export function finishPass(db: Db, passId: number, now: Date): void {
  statement(db, 'UPDATE crawl_passes SET finished_at = ? WHERE id = ?').run(now.toISOString(), passId);
}

export function latestPass(db: Db): Pass | undefined {
  const row = statement(db, 'SELECT * FROM crawl_passes ORDER BY id DESC LIMIT 1').get() as
    | PassRow
    | undefined;
  return row ? toPass(row) : undefined;
}

/** The budgets (pages, sitemaps) that stopped each site of the pass so far, site id → budget. */
export function budgetStops(db: Db, passId: number): Record<string, 'pages' | 'sitemaps'> {
  const rows = db
    .prepare('SELECT site_id AS siteId, budget FROM crawl_budget_stops WHERE pass_id = ?')
    .all(passId) as Array<{ siteId: string; budget: 'pages' | 'sitemaps' }>;
  return Object.fromEntries(rows.map((row) => [row.siteId, row.budget]));
}

/** Remember that a budget stopped a site; the first one noted for the site stays. */
export function noteBudgetStop(db: Db, passId: number, siteId: string, budget: 'pages' | 'sitemaps'): void {
  statement(db, 'INSERT OR IGNORE INTO crawl_budget_stops (pass_id, site_id, budget) VALUES (?, ?, ?)').run(
    passId,
    siteId,
    budget,
  );
}
