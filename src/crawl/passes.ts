import type { Sql } from '../store/sql.ts';
import { enqueue, type NewItem } from './queue.ts';

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
export async function openPass(
  sql: Sql,
  siteIds: string[],
  now: Date,
  seed: (passId: number) => NewItem[],
): Promise<{ pass: Pass; resumed: boolean }> {
  const key = JSON.stringify([...siteIds].sort());
  return sql.tx(async () => {
    const open = await sql.get<PassRow>(
      'SELECT * FROM crawl_passes WHERE sites = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1',
      [key],
    );
    if (open) return { pass: toPass(open), resumed: true };
    // At most one unfinished pass of a set of sites (a partial unique index): two processes
    // opening one at once get the same pass, whichever inserted it.
    const row = await sql.get<PassRow>(
      `INSERT INTO crawl_passes (sites, started_at) VALUES (?, ?)
       ON CONFLICT (sites) WHERE finished_at IS NULL DO NOTHING RETURNING *`,
      [key, now.toISOString()],
    );
    if (!row) {
      const other = await sql.get<PassRow>(
        'SELECT * FROM crawl_passes WHERE sites = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1',
        [key],
      );
      return { pass: toPass(other!), resumed: true };
    }
    await enqueue(sql, row.id, seed(row.id));
    return { pass: toPass(row), resumed: false };
  });
}

export async function finishPass(sql: Sql, passId: number, now: Date): Promise<void> {
  await sql.run('UPDATE crawl_passes SET finished_at = ? WHERE id = ?', [now.toISOString(), passId]);
}

export async function latestPass(sql: Sql): Promise<Pass | undefined> {
  const row = await sql.get<PassRow>('SELECT * FROM crawl_passes ORDER BY id DESC LIMIT 1');
  return row ? toPass(row) : undefined;
}

/** The budgets (pages, sitemaps) that stopped each site of the pass so far, site id → budget. */
export async function budgetStops(sql: Sql, passId: number): Promise<Record<string, 'pages' | 'sitemaps'>> {
  const rows = await sql.all<{ siteId: string; budget: 'pages' | 'sitemaps' }>(
    'SELECT site_id AS "siteId", budget FROM crawl_budget_stops WHERE pass_id = ? ORDER BY site_id',
    [passId],
  );
  return Object.fromEntries(rows.map((row) => [row.siteId, row.budget]));
}

/** Remember that a budget stopped a site; the first one noted for the site stays. */
export async function noteBudgetStop(
  sql: Sql,
  passId: number,
  siteId: string,
  budget: 'pages' | 'sitemaps',
): Promise<void> {
  await sql.run(
    `INSERT INTO crawl_budget_stops (pass_id, site_id, budget) VALUES (?, ?, ?)
     ON CONFLICT (pass_id, site_id) DO NOTHING`,
    [passId, siteId, budget],
  );
}
