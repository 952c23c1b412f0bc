import type { MatchedPassage, RuleOutcome, Violation } from '../check/result.ts';
import type { Licence } from '../config/sites.ts';

export const REVIEW_STATUSES = ['open', 'contacted', 'resolved', 'dismissed', 'licensed'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Statuses a person chose to leave alone: the scan keeps them quiet until the reprint changes. */
export const QUIET_STATUSES: readonly ReviewStatus[] = ['dismissed', 'licensed'];
/** Statuses that still need someone's attention. */
export const ACTIVE_STATUSES: readonly ReviewStatus[] = ['open', 'contacted'];

export type ResolvedWhy = 'compliant' | 'gone' | 'manual';

/** What one scan did to one finding. */
export type Change = 'new' | 'reopened' | 'seen' | 'quiet' | 'resolved';

export interface SiteFacts {
  id: string;
  name?: string;
  url?: string;
  kind?: 'community' | 'commercial';
  contact?: string;
  licence?: Licence;
}

/** A link found on the reprint page, as a check reported it. */
export interface FoundLink {
  href: string;
  rel?: string;
  text?: string;
}

/** What the report needs to show a violation: kept with the finding, as of its last check. */
export interface FindingEvidence {
  coverage?: number;
  kind?: 'full' | 'excerpt';
  fetchedAt?: string;
  passages: MatchedPassage[];
  rules: RuleOutcome[];
  links: FoundLink[];
  site?: SiteFacts;
  /** The page's language (`<html lang>`, else `Content-Language`): the notice is written in it. */
  language?: string;
  /** For an `uncertain` match: the rules it suspects and the reason it could not decide. */
  suspected?: Suspicion[];
  reason?: string;
}

export interface Finding {
  id: number;
  pageUrl: string;
  pageTitle: string | null;
  articleId: string;
  articleUrl: string;
  articleTitle: string;
  site: string | null;
  firstSeen: string;
  firstScan: number | null;
  lastSeen: string;
  lastScan: number | null;
  resolvedAt: string | null;
  resolvedWhy: ResolvedWhy | null;
  status: ReviewStatus;
  /** `uncertain`: the checker could not trust its reading; recorded for review, never a violation, an alert or a notice. */
  verdict: FindingVerdict;
  violations: Violation[];
  evidence: FindingEvidence;
  reprintHash: string;
  /** For a contacted finding: the day by which the site was asked to fix the reprint (YYYY-MM-DD). */
  deadline: string | null;
  /** When a scan after the deadline found the reprint still violating. */
  overdueSince: string | null;
}

export type FindingVerdict = 'compliant' | 'violation' | 'uncertain';

/** A rule an `uncertain` match suspects, with why the checker could not decide. */
export interface Suspicion {
  rule: string;
  message?: string;
  reason?: string;
}

export interface AuditEntry {
  id: number;
  findingId: number;
  who: string;
  at: string;
  fromStatus: ReviewStatus | null;
  toStatus: ReviewStatus;
  note: string | null;
}

export interface ScanCounts {
  pages: number;
  reprints: number;
  compliant: number;
  violations: number;
  errors: number;
  new: number;
  reopened: number;
  resolved: number;
  quiet: number;
  /** Reprints the checker could not judge (`uncertain`): for review, never violations. */
  uncertain: number;
  /**
   * What the scan checked on each site, keyed by site id (pages of no registered site under
   * `UNREGISTERED_SITE`). Absent on scans recorded before per-site counts were kept.
   */
  bySite?: Record<string, SiteCounts>;
}

/** One site's share of a scan: pages checked, reprints found and how they were judged. */
export interface SiteCounts {
  pages: number;
  reprints: number;
  /** Reprints of the whole article. */
  full: number;
  /** Reprints of part of it. */
  excerpts: number;
  compliant: number;
  violations: number;
  /** Reprints judged `uncertain`. */
  uncertain: number;
  /** Pages that failed to load or to be checked. */
  errors: number;
}

/** The key under which pages of no registered site are counted. */
export const UNREGISTERED_SITE = '(unregistered)';

export const SITE_COUNTERS = [
  'pages',
  'reprints',
  'full',
  'excerpts',
  'compliant',
  'violations',
  'uncertain',
  'errors',
] as const satisfies ReadonlyArray<keyof SiteCounts>;

export const emptySiteCounts = (): SiteCounts => ({
  pages: 0,
  reprints: 0,
  full: 0,
  excerpts: 0,
  compliant: 0,
  violations: 0,
  uncertain: 0,
  errors: 0,
});

export interface ScanError {
  url?: string;
  message: string;
  /** The site the failed URL belongs to, and the kind of failure (`timeout`, `http-status`, …). */
  site?: string;
  kind?: string;
}

/**
 * What a scan could say about one site:
 * - `compliant`: its pages were fetched and checked and no reprint violates the terms;
 * - `violations`: at least one reprint violates them (even when some pages failed);
 * - `unreachable`: no page could be fetched (robots.txt, the site or every page failed);
 * - `partly scanned`: some pages failed, or the site ran out of a crawl budget or of time.
 */
export const SITE_RESULTS = ['violations', 'unreachable', 'partly scanned', 'compliant'] as const;
export type SiteResult = (typeof SITE_RESULTS)[number];

/** A site's result in words for a table: `violations (partly scanned)` when both hold. */
export function describeResult(summary: { result: string; complete: boolean }): string {
  return summary.result === 'violations' && !summary.complete
    ? 'violations (partly scanned)'
    : summary.result;
}

/** A URL of a site the scan could not fetch. */
export interface SiteFailure {
  url: string;
  kind: string;
  message: string;
}

export interface SiteOutcome {
  result: SiteResult;
  /** Pages fetched (or found unchanged) and checked in this scan. */
  pagesChecked: number;
  /** URLs that failed (robots.txt, sitemaps, feeds and pages). */
  failed: number;
  /** Whether every page the scan knew of on the site was dealt with. */
  complete: boolean;
  /** Why it is incomplete, in words (`3 pages failed`, `over its time budget`). */
  incomplete: string[];
  /** The failures, the first `MAX_SITE_FAILURES` of them. */
  failures: SiteFailure[];
}

/** Failures kept per site in a scan's record; the count in `failed` is always whole. */
export const MAX_SITE_FAILURES = 200;

export interface Scan {
  id: number;
  started: string;
  finished: string | null;
  sites: string[];
  counts: ScanCounts;
  errors: ScanError[];
  /** Each site's result, by site id; null while the scan runs and for scans recorded before it was kept. */
  siteResults?: Record<string, SiteOutcome> | null;
}

export const emptyCounts = (): ScanCounts => ({
  pages: 0,
  reprints: 0,
  compliant: 0,
  violations: 0,
  errors: 0,
  new: 0,
  reopened: 0,
  resolved: 0,
  quiet: 0,
  uncertain: 0,
});
