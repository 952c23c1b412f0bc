import type { AuditEntry, Finding, ResolvedWhy, ReviewStatus, Scan } from './types.ts';
import { emptyCounts } from './types.ts';

/** Row shapes as SQLite returns them, and their mapping to the library's types. */
export interface FindingRow {
  id: number;
  page_url: string;
  page_title: string | null;
  article_id: string;
  article_url: string;
  article_title: string;
  site: string | null;
  first_seen: string;
  first_scan: number | null;
  last_seen: string;
  last_scan: number | null;
  resolved_at: string | null;
  resolved_why: string | null;
  status: string;
  verdict: string;
  violations: string;
  evidence: string;
  reprint_hash: string;
  deadline?: string | null;
  overdue_since?: string | null;
}

export function toFinding(row: FindingRow): Finding {
  const evidence = parseJson(row.evidence, {}) as Partial<Finding['evidence']>;
  return {
    id: row.id,
    pageUrl: row.page_url,
    pageTitle: row.page_title,
    articleId: row.article_id,
    articleUrl: row.article_url,
    articleTitle: row.article_title,
    site: row.site,
    firstSeen: row.first_seen,
    firstScan: row.first_scan,
    lastSeen: row.last_seen,
    lastScan: row.last_scan,
    resolvedAt: row.resolved_at,
    resolvedWhy: row.resolved_why as ResolvedWhy | null,
    status: row.status as ReviewStatus,
    verdict: row.verdict as Finding['verdict'],
    violations: parseJson(row.violations, []) as Finding['violations'],
    evidence: { passages: [], rules: [], links: [], ...evidence },
    reprintHash: row.reprint_hash,
    deadline: row.deadline ?? null,
    overdueSince: row.overdue_since ?? null,
  };
}

export interface ScanRow {
  id: number;
  started: string;
  finished: string | null;
  sites: string;
  counts: string;
  errors: string;
  site_results?: string | null;
}

export function toScan(row: ScanRow): Scan {
  return {
    id: row.id,
    started: row.started,
    finished: row.finished,
    sites: parseJson(row.sites, []) as string[],
    counts: { ...emptyCounts(), ...(parseJson(row.counts, {}) as object) },
    errors: parseJson(row.errors, []) as Scan['errors'],
    siteResults: row.site_results ? (parseJson(row.site_results, null) as Scan['siteResults']) : null,
  };
}

export interface AuditRow {
  id: number;
  finding_id: number;
  who: string;
  at: string;
  from_status: string | null;
  to_status: string;
  note: string | null;
}

export function toAudit(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    findingId: row.finding_id,
    who: row.who,
    at: row.at,
    fromStatus: row.from_status as ReviewStatus | null,
    toStatus: row.to_status as ReviewStatus,
    note: row.note,
  };
}

function parseJson(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}
