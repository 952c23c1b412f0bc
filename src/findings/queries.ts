import type { Dialect, Param, Sql } from '../store/sql.ts';
import { type FindingRow, toFinding } from './_rows.ts';
import {
  ACTIVE_STATUSES,
  type Change,
  type Finding,
  REVIEW_STATUSES,
  type ReviewStatus,
  UNREGISTERED_SITE,
} from './types.ts';

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
  /** Only findings with this verdict (`uncertain`: the checker could not trust its reading). */
  verdict?: string | readonly string[];
  /** Words that must all appear in the page's title or URL, the site, or the article's title or URL. */
  search?: string;
  /** Only findings a scan after this one made new (or reopened). */
  newSince?: number;
  sort?: FindingSort;
  /** `desc` unless given. */
  direction?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/** The orders the review pages offer; each walks an index (migration 9). */
export const FINDING_SORTS = ['last-seen', 'first-seen', 'site', 'title', 'id'] as const;
export type FindingSort = (typeof FINDING_SORTS)[number];

const ORDER_BY: Record<FindingSort, (dialect: Dialect) => readonly string[]> = {
  'last-seen': () => ['f.last_seen'],
  'first-seen': () => ['f.first_seen'],
  site: () => ['f.site', 'f.last_seen'],
  title: (dialect) => [dialect.orderIgnoringCase("COALESCE(NULLIF(f.page_title, ''), f.page_url)")],
  id: () => [],
};

/** Search terms are cut to this many words of this many characters: a query is bounded work. */
const MAX_SEARCH_WORDS = 8;
const MAX_SEARCH_WORD = 200;

/** Findings matching every given filter, most recently seen first unless `sort` says otherwise. */
export async function listFindings(sql: Sql, filter: FindingFilter = {}): Promise<Finding[]> {
  const where = whereOf(sql.dialect, filter);
  // No LIMIT is "all" in both engines' eyes only as a number: PostgreSQL takes NULL, SQLite -1.
  const limit = filter.limit ?? Number.MAX_SAFE_INTEGER;
  const offset = filter.offset ?? 0;
  // Late row lookup: order and skip over the narrow index entries, then read only the rows of the
  // page (each row carries kilobytes of evidence JSON that the ordering never needs).
  const order = orderOf(sql.dialect, filter);
  const rows = await sql.all<FindingRow>(
    `SELECT f.* FROM findings f WHERE f.id IN (SELECT f.id FROM findings f ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?) ORDER BY ${order}`,
    [...where.params, limit, offset],
  );
  return rows.map(toFinding);
}

/** How many findings of each status match the filter (its own `status` ignored). */
export async function countByStatus(
  sql: Sql,
  filter: FindingFilter = {},
): Promise<Record<ReviewStatus, number>> {
  const where = whereOf(sql.dialect, { ...filter, status: undefined });
  const counts = Object.fromEntries(REVIEW_STATUSES.map((status) => [status, 0])) as Record<
    ReviewStatus,
    number
  >;
  const rows = await sql.all<{ status: ReviewStatus; n: number }>(
    `SELECT f.status AS status, COUNT(*) AS n FROM findings f ${where.sql} GROUP BY f.status`,
    where.params,
  );
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

function orderOf(dialect: Dialect, filter: FindingFilter): string {
  const direction = filter.direction === 'asc' ? 'ASC' : 'DESC';
  const columns = (ORDER_BY[filter.sort ?? 'last-seen'] ?? ORDER_BY['last-seen'])(dialect);
  return [...columns, 'f.id'].map((column) => `${column} ${direction}`).join(', ');
}

export async function countFindings(sql: Sql, filter: FindingFilter = {}): Promise<number> {
  const where = whereOf(sql.dialect, filter);
  const row = await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM findings f ${where.sql}`, where.params);
  return row!.n;
}

/** Findings that scan `scanId` opened: violations not reported by the scan before it (or reopened). */
export function newInScan(sql: Sql, scanId: number): Promise<Finding[]> {
  return listFindings(sql, { scan: scanId, change: 'new' });
}

/** Findings that scan `scanId` resolved (compliant now, or gone). */
export function resolvedInScan(sql: Sql, scanId: number): Promise<Finding[]> {
  return listFindings(sql, { scan: scanId, change: 'resolved' });
}

/** The sites and rules findings mention, for filter menus. */
export async function findingFacets(sql: Sql): Promise<{ sites: string[]; rules: string[] }> {
  const { dialect } = sql;
  const sites = (
    await sql.all<{ site: string }>('SELECT DISTINCT site FROM findings WHERE site IS NOT NULL')
  ).map((row) => row.site);
  const rules = (
    await sql.all<{ rule: string | null }>(
      `SELECT DISTINCT ${dialect.jsonItemField('v', 'rule')} AS rule
       FROM findings f, ${dialect.jsonArrayItems('f.violations', 'v')}`,
    )
  )
    .map((row) => row.rule)
    .filter((rule): rule is string => typeof rule === 'string');
  // Sorted here, by code point: the same menu whatever the database's collation.
  return { sites: sites.sort(byCodePoint), rules: rules.sort(byCodePoint) };
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function whereOf(dialect: Dialect, filter: FindingFilter): { sql: string; params: Param[] } {
  const clauses: string[] = [];
  const params: Param[] = [];
  if (filter.scan !== undefined) {
    const changes: Change[] | undefined =
      filter.change === 'new' ? ['new', 'reopened'] : filter.change === 'resolved' ? ['resolved'] : undefined;
    clauses.push(
      `f.id IN (SELECT o.finding_id FROM observations o WHERE o.scan_id = ?${
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
      `EXISTS (SELECT 1 FROM ${dialect.jsonArrayItems('f.violations', 'v')} WHERE ${dialect.jsonItemField('v', 'rule')} = ?)`,
    );
    params.push(filter.rule);
  }
  if (filter.status !== undefined) {
    const statuses = typeof filter.status === 'string' ? [filter.status] : [...filter.status];
    clauses.push(`f.status IN (${statuses.map(() => '?').join(', ') || "''"})`);
    params.push(...statuses);
  }
  if (filter.violating) clauses.push("f.verdict = 'violation'");
  if (filter.verdict !== undefined) {
    const verdicts = typeof filter.verdict === 'string' ? [filter.verdict] : [...filter.verdict];
    clauses.push(`f.verdict IN (${verdicts.map(() => '?').join(', ') || "''"})`);
    params.push(...verdicts);
  }
  if (filter.newSince !== undefined) {
    clauses.push(
      "f.id IN (SELECT o.finding_id FROM observations o WHERE o.change IN ('new', 'reopened') AND o.scan_id > ?)",
    );
    params.push(filter.newSince);
  }
  for (const word of searchWords(filter.search)) {
    // LIKE with an escape character: the reviewer's % and _ are letters, not wildcards.
    const pattern = `%${word.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    clauses.push(
      `(${['f.page_title', 'f.page_url', 'f.site', 'f.article_title', 'f.article_url']
        .map((column) => dialect.likeIgnoringCase(column, '?'))
        .join(' OR ')})`,
    );
    params.push(pattern, pattern, pattern, pattern, pattern);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

function searchWords(search: string | undefined): string[] {
  if (!search) return [];
  return search
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, MAX_SEARCH_WORDS)
    .map((word) => word.slice(0, MAX_SEARCH_WORD));
}

/** What one scan saw of one site's findings, for the dashboard's trend. */
export interface ScanSiteTrend {
  scan: number;
  /** A site id, or `UNREGISTERED_SITE`. */
  site: string;
  /** Violations the scan saw that still wait for someone (not dismissed or licensed). */
  open: number;
  /** Violations the scan saw first (or again, after they had been resolved). */
  new: number;
  resolved: number;
  /** Reprints the checker could not judge with confidence (verdict `uncertain`). */
  needsReview: number;
}

/** Per scan and site, from the observations: reads the same for an old scan as it did then. */
export async function scanTrend(sql: Sql, scanIds: readonly number[]): Promise<ScanSiteTrend[]> {
  if (scanIds.length === 0) return [];
  const rows = await sql.all<ScanSiteTrend>(
    `SELECT o.scan_id AS scan, COALESCE(f.site, @unregistered) AS site,
       SUM(CASE WHEN o.verdict = 'violation' AND o.change IN ('new', 'reopened', 'seen') THEN 1 ELSE 0 END) AS open,
       SUM(CASE WHEN o.verdict = 'violation' AND o.change IN ('new', 'reopened') THEN 1 ELSE 0 END) AS new,
       SUM(CASE WHEN o.change = 'resolved' THEN 1 ELSE 0 END) AS resolved,
       SUM(CASE WHEN o.verdict = 'uncertain' THEN 1 ELSE 0 END) AS "needsReview"
     FROM observations o JOIN findings f ON f.id = o.finding_id
     WHERE o.scan_id IN ${sql.dialect.jsonValues('@scans')}
     GROUP BY o.scan_id, COALESCE(f.site, @unregistered)`,
    { unregistered: UNREGISTERED_SITE, scans: JSON.stringify(scanIds) },
  );
  // Ordered here, sites by code point: the same whatever the database's collation.
  return rows.sort((a, b) => a.scan - b.scan || byCodePoint(a.site, b.site));
}

/** Pages with a finding still active (open or contacted) on these sites: the scan revisits them. */
export async function activeFindingPages(
  sql: Sql,
  siteIds: readonly string[],
): Promise<Array<{ url: string; site: string }>> {
  const placeholders = ACTIVE_STATUSES.map(() => '?').join(', ');
  const rows = await sql.all<{ url: string; site: string }>(
    `SELECT DISTINCT page_url AS url, site FROM findings
     WHERE status IN (${placeholders}) AND site IN ${sql.dialect.jsonValues('?')}`,
    [...ACTIVE_STATUSES, JSON.stringify(siteIds)],
  );
  // In one order on both engines: the scan fetches these pages in it.
  return rows.sort((a, b) => byCodePoint(a.site, b.site) || byCodePoint(a.url, b.url));
}

/** Violations on these sites that wait for a person, whichever scan last saw them. */
export async function countOpenOnSites(
  sql: Sql,
  sites: readonly string[],
): Promise<{ open: number; contacted: number }> {
  const rows = await sql.all<{ status: 'open' | 'contacted'; n: number }>(
    `SELECT status, count(*) AS n FROM findings
     WHERE verdict = 'violation' AND status IN ('open', 'contacted')
       AND site IN ${sql.dialect.jsonValues('?')} GROUP BY status`,
    [JSON.stringify(sites)],
  );
  const counts = { open: 0, contacted: 0 };
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** Violations a scan saw that are still active. */
export async function countOpenInScan(sql: Sql, scanId: number): Promise<number> {
  const placeholders = ACTIVE_STATUSES.map(() => '?').join(', ');
  const row = await sql.get<{ n: number }>(
    `SELECT count(*) AS n FROM findings WHERE last_scan = ? AND verdict = 'violation' AND status IN (${placeholders})`,
    [scanId, ...ACTIVE_STATUSES],
  );
  return row!.n;
}
