import type { Db } from '../store/db.ts';
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

const ORDER_BY: Record<FindingSort, readonly string[]> = {
  'last-seen': ['f.last_seen'],
  'first-seen': ['f.first_seen'],
  site: ['f.site', 'f.last_seen'],
  title: ["COALESCE(NULLIF(f.page_title, ''), f.page_url) COLLATE NOCASE"],
  id: [],
};

/** Search terms are cut to this many words of this many characters: a query is bounded work. */
const MAX_SEARCH_WORDS = 8;
const MAX_SEARCH_WORD = 200;

/** Findings matching every given filter, most recently seen first unless `sort` says otherwise. */
export function listFindings(db: Db, filter: FindingFilter = {}): Finding[] {
  const { sql, params } = whereOf(filter);
  const limit = filter.limit ?? -1;
  const offset = filter.offset ?? 0;
  // Late row lookup: order and skip over the narrow index entries, then read only the rows of the
  // page (each row carries kilobytes of evidence JSON that the ordering never needs).
  const order = orderOf(filter);
  const rows = db
    .prepare(
      `SELECT f.* FROM findings f WHERE f.id IN (SELECT f.id FROM findings f ${sql} ORDER BY ${order} LIMIT ? OFFSET ?) ORDER BY ${order}`,
    )
    .all(...params, limit, offset) as FindingRow[];
  return rows.map(toFinding);
}

/** How many findings of each status match the filter (its own `status` ignored). */
export function countByStatus(db: Db, filter: FindingFilter = {}): Record<ReviewStatus, number> {
  const { sql, params } = whereOf({ ...filter, status: undefined });
  const counts = Object.fromEntries(REVIEW_STATUSES.map((status) => [status, 0])) as Record<
    ReviewStatus,
    number
  >;
  const rows = db
    .prepare(`SELECT f.status AS status, COUNT(*) AS n FROM findings f ${sql} GROUP BY f.status`)
    .all(...params) as Array<{ status: ReviewStatus; n: number }>;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

function orderOf(filter: FindingFilter): string {
  const direction = filter.direction === 'asc' ? 'ASC' : 'DESC';
  const columns = ORDER_BY[filter.sort ?? 'last-seen'] ?? ORDER_BY['last-seen'];
  return [...columns, 'f.id'].map((column) => `${column} ${direction}`).join(', ');
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
        .map((column) => `${column} LIKE ? ESCAPE '\\'`)
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
export function scanTrend(db: Db, scanIds: readonly number[]): ScanSiteTrend[] {
  if (scanIds.length === 0) return [];
  return db
    .prepare(
      `SELECT o.scan_id AS scan, COALESCE(f.site, ?) AS site,
         SUM(o.verdict = 'violation' AND o.change IN ('new', 'reopened', 'seen')) AS open,
         SUM(o.verdict = 'violation' AND o.change IN ('new', 'reopened')) AS new,
         SUM(o.change = 'resolved') AS resolved,
         SUM(o.verdict = 'uncertain') AS needsReview
       FROM observations o JOIN findings f ON f.id = o.finding_id
       WHERE o.scan_id IN (${scanIds.map(() => '?').join(', ')})
       GROUP BY o.scan_id, COALESCE(f.site, ?)
       ORDER BY o.scan_id, site`,
    )
    .all(UNREGISTERED_SITE, ...scanIds, UNREGISTERED_SITE) as ScanSiteTrend[];
}

/** Pages with a finding still active (open or contacted) on these sites: the scan revisits them. */
export function activeFindingPages(db: Db, siteIds: readonly string[]): Array<{ url: string; site: string }> {
  const placeholders = ACTIVE_STATUSES.map(() => '?').join(', ');
  return db
    .prepare(
      `SELECT DISTINCT page_url AS url, site FROM findings
       WHERE status IN (${placeholders}) AND site IN (SELECT value FROM json_each(?))`,
    )
    .all(...ACTIVE_STATUSES, JSON.stringify(siteIds)) as Array<{ url: string; site: string }>;
}

/** Violations on these sites that wait for a person, whichever scan last saw them. */
export function countOpenOnSites(db: Db, sites: readonly string[]): { open: number; contacted: number } {
  const rows = db
    .prepare(
      `SELECT status, count(*) AS n FROM findings
       WHERE verdict = 'violation' AND status IN ('open', 'contacted')
         AND site IN (SELECT value FROM json_each(?)) GROUP BY status`,
    )
    .all(JSON.stringify(sites)) as Array<{ status: 'open' | 'contacted'; n: number }>;
  const counts = { open: 0, contacted: 0 };
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** Violations a scan saw that are still active. */
export function countOpenInScan(db: Db, scanId: number): number {
  const placeholders = ACTIVE_STATUSES.map(() => '?').join(', ');
  const row = db
    .prepare(
      `SELECT count(*) AS n FROM findings WHERE last_scan = ? AND verdict = 'violation' AND status IN (${placeholders})`,
    )
    .get(scanId, ...ACTIVE_STATUSES) as { n: number };
  return row.n;
}
