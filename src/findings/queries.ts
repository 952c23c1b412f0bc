import type { Db } from '../store/db.ts';
import { type FindingRow, toFinding } from './_rows.ts';
import type { Change, Finding, ReviewStatus } from './types.ts';

export interface FindingFilter {
  /** Only findings a scan observed (with the verdict it saw). */
  scan?: number;
  site?: string;
  /** Only findings whose last violation broke this rule. */
  rule?: string;
  status?: ReviewStatus | readonly ReviewStatus[];
  /** With `scan`: only findings that scan made new (or reopened), or resolved. */
  change?: 'new' | 'resolved';
  /** Only findings whose last check was a violation. */
  violating?: boolean;
  limit?: number;
  offset?: number;
}

/** Findings matching every given filter, most recently seen first. */
export function listFindings(db: Db, filter: FindingFilter = {}): Finding[] {
  const { sql, params } = whereOf(filter);
  const limit = filter.limit ?? -1;
  const offset = filter.offset ?? 0;
  const rows = db
    .prepare(`SELECT f.* FROM findings f ${sql} ORDER BY f.last_seen DESC, f.id DESC LIMIT ? OFFSET ?`)
    .all(...params, limit, offset) as FindingRow[];
  return rows.map(toFinding);
}

export function countFindings(db: Db, filter: FindingFilter = {}): number {
  const { sql, params } = whereOf(filter);
  const row = db.prepare(`SELECT COUNT(*) AS n FROM findings f ${sql}`).get(...params) as { n: number };
  return row.n;
}

/** Findings that scan `scanId` opened: violations not reported by the scan before it (or reopened). */
export function newInScan(db: Db, scanId: number): Finding[] {
  return listFindings(db, { scan: scanId, change: 'new' });
}

/** Findings that scan `scanId` resolved (compliant now, or gone). */
export function resolvedInScan(db: Db, scanId: number): Finding[] {
  return listFindings(db, { scan: scanId, change: 'resolved' });
}

/** The sites and rules findings mention, for filter menus. */
export function findingFacets(db: Db): { sites: string[]; rules: string[] } {
  const sites = (
    db.prepare('SELECT DISTINCT site FROM findings WHERE site IS NOT NULL ORDER BY site').all() as Array<{
      site: string;
    }>
  ).map((row) => row.site);
  const rules = (
    db
      .prepare(
        "SELECT DISTINCT json_extract(v.value, '$.rule') AS rule FROM findings f, json_each(f.violations) v ORDER BY rule",
      )
      .all() as Array<{ rule: string | null }>
  )
    .map((row) => row.rule)
    .filter((rule): rule is string => typeof rule === 'string');
  return { sites, rules };
}

function whereOf(filter: FindingFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.scan !== undefined) {
    const changes: Change[] | undefined =
      filter.change === 'new' ? ['new', 'reopened'] : filter.change === 'resolved' ? ['resolved'] : undefined;
    clauses.push(
      `EXISTS (SELECT 1 FROM observations o WHERE o.finding_id = f.id AND o.scan_id = ?${
        changes ? ` AND o.change IN (${changes.map(() => '?').join(', ')})` : ''
      })`,
    );
    params.push(filter.scan, ...(changes ?? []));
  }
  if (filter.site !== undefined) {
    clauses.push('f.site = ?');
    params.push(filter.site);
  }
  if (filter.rule !== undefined) {
    clauses.push(
      "EXISTS (SELECT 1 FROM json_each(f.violations) v WHERE json_extract(v.value, '$.rule') = ?)",
    );
    params.push(filter.rule);
  }
  if (filter.status !== undefined) {
    const statuses = typeof filter.status === 'string' ? [filter.status] : [...filter.status];
    clauses.push(`f.status IN (${statuses.map(() => '?').join(', ') || "''"})`);
    params.push(...statuses);
  }
  if (filter.violating) clauses.push("f.verdict = 'violation'");
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
