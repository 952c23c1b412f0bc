import { SyndicateError } from '../errors.ts';
import type { Db } from '../store/db.ts';
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
export function startScan(db: Db, options: { sites: string[]; now?: Date }): Scan {
  const started = (options.now ?? new Date()).toISOString();
  const info = db
    .prepare('INSERT INTO scans (started, sites, counts, errors) VALUES (?, ?, ?, ?)')
    .run(started, JSON.stringify(options.sites), JSON.stringify({ ...emptyCounts(), bySite: {} }), '[]');
  return getScanOrThrow(db, Number(info.lastInsertRowid));
}

export interface FinishOptions {
  now?: Date;
  /** Errors that belong to the scan or to a URL the crawl could not fetch (not to a checked page). */
  errors?: ScanError[];
  /** Each site's result, by site id. */
  siteResults?: Record<string, SiteOutcome>;
}

/** Close a scan: its finish time, its errors and what it could say about each site. */
export function finishScan(db: Db, scanId: number, options: FinishOptions = {}): Scan {
  const scan = getScanOrThrow(db, scanId);
  const errors = [...scan.errors, ...(options.errors ?? [])];
  const counts: ScanCounts = { ...scan.counts, errors: errors.length };
  db.prepare('UPDATE scans SET finished = ?, errors = ?, counts = ?, site_results = ? WHERE id = ?').run(
    (options.now ?? new Date()).toISOString(),
    JSON.stringify(errors),
    JSON.stringify(counts),
    options.siteResults
      ? JSON.stringify(options.siteResults)
      : scan.siteResults && JSON.stringify(scan.siteResults),
    scanId,
  );
  return getScanOrThrow(db, scanId);
}

export function getScan(db: Db, scanId: number): Scan | undefined {
  const row = db.prepare('SELECT * FROM scans WHERE id = ?').get(scanId) as ScanRow | undefined;
  return row && toScan(row);
}

export function getScanOrThrow(db: Db, scanId: number): Scan {
  const scan = getScan(db, scanId);
  if (!scan) throw new SyndicateError('usage', `no scan ${scanId} in the store`);
  return scan;
}

/** The newest scan, finished ones first: a report without `--scan` describes the last complete scan. */
export function latestScan(db: Db): Scan | undefined {
  const row = db.prepare('SELECT * FROM scans ORDER BY finished IS NULL, id DESC LIMIT 1').get() as
    | ScanRow
    | undefined;
  return row && toScan(row);
}

/** The scan before `scanId` (by id), if any. */
export function previousScan(db: Db, scanId: number): Scan | undefined {
  const row = db.prepare('SELECT * FROM scans WHERE id < ? ORDER BY id DESC LIMIT 1').get(scanId) as
    | ScanRow
    | undefined;
  return row && toScan(row);
}

export function listScans(db: Db, limit = 50): Scan[] {
  return (db.prepare('SELECT * FROM scans ORDER BY id DESC LIMIT ?').all(limit) as ScanRow[]).map(toScan);
}

/**
 * Add to a scan's counters and page errors; used while results are recorded in batches. `bySite`
 * is added site by site (a scan recorded before per-site counts starts from none).
 */
export function addToScan(db: Db, scanId: number, add: Partial<ScanCounts>, errors: ScanError[] = []): void {
  const scan = getScanOrThrow(db, scanId);
  const counts = { ...scan.counts };
  const { bySite, ...totals } = add;
  for (const [key, value] of Object.entries(totals) as Array<[Exclude<keyof ScanCounts, 'bySite'>, number]>) {
    counts[key] = (counts[key] ?? 0) + value;
  }
  if (bySite) counts.bySite = addSiteCounts(counts.bySite ?? {}, bySite);
  const allErrors = [...scan.errors, ...errors];
  counts.errors = allErrors.length;
  db.prepare('UPDATE scans SET counts = ?, errors = ? WHERE id = ?').run(
    JSON.stringify(counts),
    JSON.stringify(allErrors),
    scanId,
  );
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
