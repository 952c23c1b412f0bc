import type { MatchedPassage, RuleOutcome, Suspected, Violation } from '../check/result.ts';
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
  /** With an uncertain verdict: the rules that may fail, each with its reason, and why. */
  suspected?: Suspected[];
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
  /** `uncertain`: recorded for review; never a violation, an alert or a notice. */
  verdict: 'compliant' | 'violation' | 'uncertain';
  violations: Violation[];
  evidence: FindingEvidence;
  reprintHash: string;
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
  /** Reprints judged uncertain: recorded for review, never counted as violations. */
  uncertain?: number;
  errors: number;
  new: number;
  reopened: number;
  resolved: number;
  quiet: number;
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
  'errors',
] as const satisfies ReadonlyArray<keyof SiteCounts>;

export const emptySiteCounts = (): SiteCounts => ({
  pages: 0,
  reprints: 0,
  full: 0,
  excerpts: 0,
  compliant: 0,
  violations: 0,
  errors: 0,
});

export interface ScanError {
  url?: string;
  message: string;
}

export interface Scan {
  id: number;
  started: string;
  finished: string | null;
  sites: string[];
  counts: ScanCounts;
  errors: ScanError[];
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
});
