import type { Site } from '../config/sites.ts';
import { licensedOn } from '../config/sites.ts';
import { listFindings } from '../findings/queries.ts';
import { notesOf } from '../findings/review.ts';
import { getScanOrThrow, latestScan, previousScan } from '../findings/scans.ts';
import {
  type AuditEntry,
  type Change,
  type Finding,
  REVIEW_STATUSES,
  type ReviewStatus,
  type Scan,
  type SiteFacts,
} from '../findings/types.ts';
import type { Db } from '../store/db.ts';
import { type NoticeTemplate, renderNotice } from './notice.ts';

/** One finding as a report shows it: what the scan did to it, the notes, and the notice draft. */
export interface ReportFinding extends Finding {
  change: Change | null;
  notes: AuditEntry[];
  notice: string;
  /** Whether the site held a valid licence on the day of the scan. */
  licensed: boolean;
}

export interface SiteSummary {
  site: string;
  kind: string;
  licence: string;
  violations: number;
  byStatus: Record<ReviewStatus, number>;
}

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
    bySite: summariseSites(violations),
    byRule: summariseRules(violations),
    newFindings,
    resolvedFindings,
    violations,
  };
}

function currentSite(finding: Finding, sites: readonly Site[] | undefined): SiteFacts | undefined {
  const site = sites?.find((candidate) => candidate.id === finding.site);
  if (!site) return undefined;
  return {
    id: site.id,
    name: site.name,
    url: site.url,
    kind: site.kind,
    contact: site.contact,
    licence: site.licence,
  };
}

function summariseSites(violations: readonly ReportFinding[]): SiteSummary[] {
  const bySite = new Map<string, SiteSummary>();
  for (const finding of violations) {
    const id = finding.site ?? '(unregistered)';
    let summary = bySite.get(id);
    if (!summary) {
      const facts = finding.evidence.site;
      summary = {
        site: id,
        kind: facts?.kind ?? 'unknown',
        licence: describeLicence(facts),
        violations: 0,
        byStatus: Object.fromEntries(REVIEW_STATUSES.map((status) => [status, 0])) as Record<
          ReviewStatus,
          number
        >,
      };
      bySite.set(id, summary);
    }
    summary.violations++;
    summary.byStatus[finding.status]++;
  }
  return [...bySite.values()].sort((a, b) => b.violations - a.violations || a.site.localeCompare(b.site));
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
