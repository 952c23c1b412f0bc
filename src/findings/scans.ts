import { SyndicateError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { type ScanRow, toScan } from './_rows.ts';
import { emptyCounts, type Scan, type ScanCounts, type ScanError } from './types.ts';

/** Open a scan record; findings are recorded into it until `finishScan`. */
export function startScan(db: Db, options: { sites: string[]; now?: Date }): Scan {
  const started = (options.now ?? new Date()).toISOString();
  const info = db
    .prepare('INSERT INTO scans (started, sites, counts, errors) VALUES (?, ?, ?, ?)')
    .run(started, JSON.stringify(options.sites), JSON.stringify(emptyCounts()), '[]');
  return getScanOrThrow(db, Number(info.lastInsertRowid));
}

/** Close a scan: its finish time, and any errors that belong to the scan rather than to a page. */
export function finishScan(db: Db, scanId: number, options: { now?: Date; errors?: ScanError[] } = {}): Scan {
  const scan = getScanOrThrow(db, scanId);
  const errors = [...scan.errors, ...(options.errors ?? [])];
  const counts: ScanCounts = { ...scan.counts, errors: errors.length };
  db.prepare('UPDATE scans SET finished = ?, errors = ?, counts = ? WHERE id = ?').run(
    (options.now ?? new Date()).toISOString(),
    JSON.stringify(errors),
    JSON.stringify(counts),
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

/** Add to a scan's counters and page errors; used while results are recorded in batches. */
export function addToScan(db: Db, scanId: number, add: Partial<ScanCounts>, errors: ScanError[] = []): void {
  const scan = getScanOrThrow(db, scanId);
  const counts = { ...scan.counts };
  for (const [key, value] of Object.entries(add) as Array<[keyof ScanCounts, number]>) {
    counts[key] += value;
  }
  const allErrors = [...scan.errors, ...errors];
  counts.errors = allErrors.length;
  db.prepare('UPDATE scans SET counts = ?, errors = ? WHERE id = ?').run(
    JSON.stringify(counts),
    JSON.stringify(allErrors),
    scanId,
  );
}
