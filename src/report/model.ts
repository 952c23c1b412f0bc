import type { Site } from '../config/sites.ts';
import { licensedOn } from '../config/sites.ts';
import { listFindings } from '../findings/queries.ts';
import { siteFactsOf } from '../findings/record.ts';
import { notesOf } from '../findings/review.ts';
import { getScanOrThrow, latestScan, previousScan } from '../findings/scans.ts';
import {
  type AuditEntry,
  type Change,
  emptySiteCounts,
  type Finding,
  REVIEW_STATUSES,
  type ReviewStatus,
  type Scan,
  type SiteFacts,
  UNREGISTERED_SITE,
} from '../findings/types.ts';
import type { Db } from '../store/db.ts';
import { type DiscoveriesSection, discoveriesOf } from './discoveries.ts';
import { type NoticeTemplate, renderNotice } from './notice.ts';

/** One finding as a report shows it: what the scan did to it, the notes, and the notice draft. */
export interface ReportFinding extends Finding {
  change: Change | null;
  notes: AuditEntry[];
  notice: string;
  /** Whether the site held a valid licence on the day of the scan. */
  licensed: boolean;
}

/**
 * One site of the scan. The page and reprint counts are `null` for a scan recorded before
 * per-site counts were kept; `violations` and `byStatus` count the violating findings the scan saw.
 */
export interface SiteSummary {
  site: string;
  kind: string;
  licence: string;
  /** In one phrase: `violations`, `compliant`, `no reprints`, `pages failed`, `not counted`. */
  result: SiteResult;
  pages: number | null;
  reprints: number | null;
  full: number | null;
  excerpts: number | null;
  compliant: number | null;
  errors: number | null;
  violations: number;
  byStatus: Record<ReviewStatus, number>;
}

export type SiteResult = 'violations' | 'compliant' | 'no reprints' | 'pages failed' | 'not counted';

export interface ReportData {
  generated: string;
  publisher?: string;
  scan: Scan | null;
  previous: Scan | null;
  bySite: SiteSummary[];
  byRule: Array<{ rule: string; violations: number }>;
  /** Violations the scan found that the scan before it had not reported. */
  newFindings: ReportFinding[];
  /** Findings the scan resolved: the page is compliant now, or gone. */
  resolvedFindings: ReportFinding[];
  /** Every violation the scan saw, whatever its review status. */
  violations: ReportFinding[];
  /** Pages found reprinting articles in web archives (`discover`), whatever the scan. */
  discoveries?: DiscoveriesSection;
}

export interface BuildOptions {
  scanId?: number;
  sites?: readonly Site[];
  notice: NoticeTemplate;
  publisher?: string;
  now?: Date;
}

/** Gather what a report shows. Pure data: each format renders it with its own function. */
export function buildReport(db: Db, options: BuildOptions): ReportData {
  const report = buildScanReport(db, options);
  const discoveries = discoveriesOf(db, options.sites, options.now);
  return discoveries.discoveries.length > 0 ? { ...report, discoveries } : report;
}

function buildScanReport(db: Db, options: BuildOptions): ReportData {
  const generated = (options.now ?? new Date()).toISOString();
  const scan = options.scanId !== undefined ? getScanOrThrow(db, options.scanId) : (latestScan(db) ?? null);
  const base = { generated, publisher: options.publisher, scan, previous: null };
  if (!scan)
    return { ...base, bySite: [], byRule: [], newFindings: [], resolvedFindings: [], violations: [] };

  const changes = new Map(
    (
      db
        .prepare('SELECT finding_id, change, verdict FROM observations WHERE scan_id = ?')
        .all(scan.id) as Array<{
        finding_id: number;
        change: Change;
        verdict: string;
      }>
    ).map((row) => [row.finding_id, row]),
  );
  const enrich = (finding: Finding): ReportFinding => {
    const site = currentSite(finding, options.sites);
    const withSite = site ? { ...finding, evidence: { ...finding.evidence, site } } : finding;
    const licence = options.sites?.find((candidate) => candidate.id === finding.site);
    return {
      ...withSite,
      change: changes.get(finding.id)?.change ?? null,
      notes: notesOf(db, finding.id),
      notice: renderNotice(options.notice, withSite, { publisher: options.publisher, today: generated }),
      licensed: licence ? licensedOn(licence, scan.started) : false,
    };
  };
  const observed = listFindings(db, { scan: scan.id }).map(enrich);
  observed.sort((a, b) => (a.site ?? '').localeCompare(b.site ?? '') || a.pageUrl.localeCompare(b.pageUrl));
  const violations = observed.filter((finding) => changes.get(finding.id)?.verdict === 'violation');
  const newFindings = violations.filter(
    (finding) => finding.change === 'new' || finding.change === 'reopened',
  );
  const resolvedFindings = observed.filter((finding) => finding.change === 'resolved');

  return {
    ...base,
    previous: previousScan(db, scan.id) ?? null,
    bySite: summariseSites(scan, violations, options.sites),
    byRule: summariseRules(violations),
    newFindings,
    resolvedFindings,
    violations,
  };
}

function currentSite(finding: Finding, sites: readonly Site[] | undefined): SiteFacts | undefined {
  return siteFactsFor(sites, finding.site);
}

/**
 * Every site of the scan, violating or not: the sites it was asked to check, any other site it
 * counted pages for (unregistered pages, say), and the site of any violation it saw.
 */
function summariseSites(
  scan: Scan,
  violations: readonly ReportFinding[],
  sites: readonly Site[] | undefined,
): SiteSummary[] {
  const counted = scan.counts.bySite;
  const ids = new Set<string>([
    ...scan.sites,
    ...Object.keys(counted ?? {}),
    ...violations.map((finding) => finding.site ?? UNREGISTERED_SITE),
  ]);
  const bySite = new Map<string, SiteSummary>();
  for (const id of ids) {
    const facts =
      siteFactsFor(sites, id) ??
      violations.find((finding) => (finding.site ?? UNREGISTERED_SITE) === id)?.evidence.site;
    const counts = counted ? { ...emptySiteCounts(), ...counted[id] } : undefined;
    bySite.set(id, {
      site: id,
      kind: facts?.kind ?? 'unknown',
      licence: describeLicence(facts),
      result: 'not counted',
      pages: counts?.pages ?? null,
      reprints: counts?.reprints ?? null,
      full: counts?.full ?? null,
      excerpts: counts?.excerpts ?? null,
      compliant: counts?.compliant ?? null,
      errors: counts?.errors ?? null,
      violations: 0,
      byStatus: Object.fromEntries(REVIEW_STATUSES.map((status) => [status, 0])) as Record<
        ReviewStatus,
        number
      >,
    });
  }
  for (const finding of violations) {
    const summary = bySite.get(finding.site ?? UNREGISTERED_SITE)!;
    summary.violations++;
    summary.byStatus[finding.status]++;
  }
  for (const summary of bySite.values()) summary.result = resultOf(summary);
  return [...bySite.values()].sort(
    (a, b) =>
      b.violations - a.violations ||
      RESULT_ORDER.indexOf(a.result) - RESULT_ORDER.indexOf(b.result) ||
      a.site.localeCompare(b.site),
  );
}

const RESULT_ORDER: readonly SiteResult[] = [
  'violations',
  'pages failed',
  'compliant',
  'no reprints',
  'not counted',
];

function resultOf(summary: SiteSummary): SiteResult {
  if (summary.violations > 0) return 'violations';
  if (summary.pages === null) return 'not counted';
  if ((summary.reprints ?? 0) > 0) return 'compliant';
  if (summary.pages > 0 && summary.errors === summary.pages) return 'pages failed';
  return 'no reprints';
}

function summariseRules(violations: readonly ReportFinding[]): Array<{ rule: string; violations: number }> {
  const counts = new Map<string, number>();
  for (const finding of violations) {
    for (const rule of new Set(finding.violations.map((violation) => violation.rule))) {
      counts.set(rule, (counts.get(rule) ?? 0) + 1);
    }
  }
  return [...counts]
    .map(([rule, count]) => ({ rule, violations: count }))
    .sort((a, b) => b.violations - a.violations || a.rule.localeCompare(b.rule));
}

export function describeLicence(site: SiteFacts | undefined): string {
  const licence = site?.licence;
  if (!licence) return 'none';
  const until = licence.expires ? ` until ${licence.expires}` : '';
  const reference = licence.reference ? ` (${licence.reference})` : '';
  return `granted ${licence.granted}${until}${reference}`;
}

function siteFactsFor(
  sites: readonly Site[] | undefined,
  id: string | null | undefined,
): SiteFacts | undefined {
  const site = sites?.find((candidate) => candidate.id === id);
  return site ? siteFactsOf(site) : undefined;
}
