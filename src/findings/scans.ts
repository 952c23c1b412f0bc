import { SyndicateError } from '../errors.ts';
import type { Sql } from '../store/sql.ts';
import { type ScanRow, toScan } from './_rows.ts';
import {
  emptyCounts,
  emptySiteCounts,
  type Scan,
  type ScanCounts,
  type ScanError,
  SITE_COUNTERS,
  type SiteCounts,
  type SiteOutcome,
} from './types.ts';

/** Open a scan record; findings are recorded into it until `finishScan`. */
export async function startScan(sql: Sql, options: { sites: string[]; now?: Date }): Promise<Scan> {
  const started = (options.now ?? new Date()).toISOString();
  const row = await sql.get<ScanRow>(
    'INSERT INTO scans (started, sites, counts, errors) VALUES (?, ?, ?, ?) RETURNING *',
    [started, JSON.stringify(options.sites), JSON.stringify({ ...emptyCounts(), bySite: {} }), '[]'],
  );
  return toScan(row!);
}

export interface FinishOptions {
  now?: Date;
  /** Errors that belong to the scan or to a URL the crawl could not fetch (not to a checked page). */
  errors?: ScanError[];
  /** Each site's result, by site id. */
  siteResults?: Record<string, SiteOutcome>;
}

/** Close a scan: its finish time, its errors and what it could say about each site. */
export async function finishScan(sql: Sql, scanId: number, options: FinishOptions = {}): Promise<Scan> {
  return sql.tx(async () => {
    const scan = await getScanOrThrow(sql, scanId, { forUpdate: true });
    const errors = [...scan.errors, ...(options.errors ?? [])];
    const counts: ScanCounts = { ...scan.counts, errors: errors.length };
    const row = await sql.get<ScanRow>(
      'UPDATE scans SET finished = ?, errors = ?, counts = ?, site_results = ? WHERE id = ? RETURNING *',
      [
        (options.now ?? new Date()).toISOString(),
        JSON.stringify(errors),
        JSON.stringify(counts),
        options.siteResults
          ? JSON.stringify(options.siteResults)
          : scan.siteResults
            ? JSON.stringify(scan.siteResults)
            : null,
        scanId,
      ],
    );
    return toScan(row!);
  });
}

export async function getScan(sql: Sql, scanId: number): Promise<Scan | undefined> {
  const row = await sql.get<ScanRow>('SELECT * FROM scans WHERE id = ?', [scanId]);
  return row && toScan(row);
}

/**
 * The scan, or a usage error naming it. `forUpdate` (inside a transaction that goes on to change
 * it) locks its row, so that writers of one scan's counters take turns.
 */
export async function getScanOrThrow(
  sql: Sql,
  scanId: number,
  options: { forUpdate?: boolean } = {},
): Promise<Scan> {
  const row = await sql.get<ScanRow>(
    `SELECT * FROM scans WHERE id = ?${options.forUpdate ? sql.dialect.forUpdate : ''}`,
    [scanId],
  );
  if (!row) throw new SyndicateError('usage', `no scan ${scanId} in the store`);
  return toScan(row);
}

/** The newest scan, finished ones first: a report without `--scan` describes the last complete scan. */
export async function latestScan(sql: Sql): Promise<Scan | undefined> {
  // `finished IS NULL` as 0/1 in both engines (PostgreSQL orders false before true, SQLite 0 before 1).
  const row = await sql.get<ScanRow>(
    'SELECT * FROM scans ORDER BY CASE WHEN finished IS NULL THEN 1 ELSE 0 END, id DESC LIMIT 1',
  );
  return row && toScan(row);
}

/** The scan before `scanId` (by id), if any. */
export async function previousScan(sql: Sql, scanId: number): Promise<Scan | undefined> {
  const row = await sql.get<ScanRow>('SELECT * FROM scans WHERE id < ? ORDER BY id DESC LIMIT 1', [scanId]);
  return row && toScan(row);
}

export async function listScans(sql: Sql, limit = 50): Promise<Scan[]> {
  return (await sql.all<ScanRow>('SELECT * FROM scans ORDER BY id DESC LIMIT ?', [limit])).map(toScan);
}

/**
 * Add to a scan's counters and page errors; used while results are recorded in batches. `bySite`
 * is added site by site (a scan recorded before per-site counts starts from none). The scan's row
 * is locked while its counters are read and written back, so writers beside it lose nothing.
 */
export async function addToScan(
  sql: Sql,
  scanId: number,
  add: Partial<ScanCounts>,
  errors: ScanError[] = [],
): Promise<void> {
  await sql.tx(async () => {
    const scan = await getScanOrThrow(sql, scanId, { forUpdate: true });
    const counts = { ...scan.counts };
    const { bySite, ...totals } = add;
    for (const [key, value] of Object.entries(totals) as Array<
      [Exclude<keyof ScanCounts, 'bySite'>, number]
    >) {
      counts[key] = (counts[key] ?? 0) + value;
    }
    if (bySite) counts.bySite = addSiteCounts(counts.bySite ?? {}, bySite);
    const allErrors = [...scan.errors, ...errors];
    counts.errors = allErrors.length;
    await sql.run('UPDATE scans SET counts = ?, errors = ? WHERE id = ?', [
      JSON.stringify(counts),
      JSON.stringify(allErrors),
      scanId,
    ]);
  });
}

function addSiteCounts(
  into: Readonly<Record<string, SiteCounts>>,
  add: Readonly<Record<string, Partial<SiteCounts>>>,
): Record<string, SiteCounts> {
  const sum: Record<string, SiteCounts> = {};
  for (const [site, counts] of Object.entries(into)) sum[site] = { ...emptySiteCounts(), ...counts };
  for (const [site, counts] of Object.entries(add)) {
    const target = sum[site] ?? emptySiteCounts();
    for (const key of SITE_COUNTERS) target[key] += counts[key] ?? 0;
    sum[site] = target;
  }
  return sum;
}
