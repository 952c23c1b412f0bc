import type { Licence, Site } from '../config/sites.ts';
import { licensedOn } from '../config/sites.ts';
import { type AuditRow, toAudit } from '../findings/_rows.ts';
import { listFindings } from '../findings/queries.ts';
import { siteFactsOf } from '../findings/record.ts';
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
  type SiteFailure,
  type SiteResult,
  UNREGISTERED_SITE,
} from '../findings/types.ts';
import { placeholders, type Sql } from '../store/sql.ts';
import { type DiscoveriesSection, discoveriesOf } from './discoveries.ts';
import { composeNotice, type NoticeKind, type NoticeSet, type NoticeTemplate } from './notice.ts';

/** One finding as a report shows it: what the scan did to it, the notes, and the letter to send. */
export interface ReportFinding extends Finding {
  change: Change | null;
  notes: AuditEntry[];
  /** The letter (subject line and body), empty for a finding that needs review. */
  notice: string;
  noticeSubject: string;
  noticeLanguage: string;
  noticeKind: NoticeKind | null;
  /** Whether the site held a valid licence on the day of the scan. */
  licensed: boolean;
}

/**
 * One site of the scan. The counts are `null` for a scan recorded before per-site counts were
 * kept; `violations` counts the violating findings the scan saw; `byStatus` counts the site's
 * findings as they stand now, whichever scan last saw them (an unreachable site keeps its open ones).
 */
export interface SiteSummary {
  site: string;
  /** The site's display name from the registry, when it has one. */
  name: string | null;
  kind: string;
  /** The licence in words (`granted 2025-01-01 until 2027-12-31 (NR-14)`), and as registered. */
  licence: string;
  licenceTerms: Licence | null;
  result: SiteResult | 'not counted';
  /** Whether every page the scan knew of was dealt with, and if not, why in words. */
  complete: boolean;
  incomplete: string[];
  pagesChecked: number | null;
  /** URLs that failed (robots.txt, sitemaps, feeds and pages), with the first of them. */
  failed: number | null;
  failures: SiteFailure[];
  pages: number | null;
  reprints: number | null;
  full: number | null;
  excerpts: number | null;
  compliant: number | null;
  errors: number | null;
  violations: number;
  /** `uncertain` matches the scan saw on the site: shown for review, never violations. */
  needsReview: number;
  byStatus: Record<ReviewStatus, number>;
}

/** What the scan actually checked: a report never says "no violations" without it. */
export interface ReportCoverage {
  sites: number;
  /** Sites at least one page of which was checked. */
  sitesChecked: number;
  pagesChecked: number;
  /** URLs that could not be fetched. */
  failed: number;
  unreachable: string[];
  partlyScanned: string[];
  /** No page of any site could be fetched: nothing was checked. */
  outage: boolean;
}

export interface ReportData {
  generated: string;
  publisher?: string;
  scan: Scan | null;
  previous: Scan | null;
  coverage: ReportCoverage;
  bySite: SiteSummary[];
  byRule: Array<{ rule: string; violations: number }>;
  /** Violations the scan found that the scan before it had not reported. */
  newFindings: ReportFinding[];
  /** Findings the scan resolved: the page is compliant now, or gone. */
  resolvedFindings: ReportFinding[];
  /** Every violation the scan saw, whatever its review status. */
  violations: ReportFinding[];
  /** Reprints the checker could not judge (`uncertain`): a person decides. Never violations. */
  needsReview: ReportFinding[];
  /** Pages found reprinting articles in web archives (`discover`), whatever the scan. */
  discoveries?: DiscoveriesSection;
}

export interface BuildOptions {
  scanId?: number;
  sites?: readonly Site[];
  /** The letters (`loadNotices`), or one template for every letter. */
  notice: NoticeSet | NoticeTemplate;
  publisher?: string;
  publisherHome?: string;
  now?: Date;
}

const NO_COVERAGE: ReportCoverage = {
  sites: 0,
  sitesChecked: 0,
  pagesChecked: 0,
  failed: 0,
  unreachable: [],
  partlyScanned: [],
  outage: false,
};

/** Gather what a report shows. Pure data: each format renders it with its own function. */
export async function buildReport(sql: Sql, options: BuildOptions): Promise<ReportData> {
  const report = await buildScanReport(sql, options);
  const discoveries = await discoveriesOf(sql, options.sites, options.now);
  return discoveries.discoveries.length > 0 ? { ...report, discoveries } : report;
}

async function buildScanReport(sql: Sql, options: BuildOptions): Promise<ReportData> {
  const generated = (options.now ?? new Date()).toISOString();
  const scan =
    options.scanId !== undefined
      ? await getScanOrThrow(sql, options.scanId)
      : ((await latestScan(sql)) ?? null);
  const base = { generated, publisher: options.publisher, scan, previous: null };
  if (!scan)
    return {
      ...base,
      coverage: { ...NO_COVERAGE },
      bySite: [],
      byRule: [],
      newFindings: [],
      resolvedFindings: [],
      violations: [],
      needsReview: [],
    };

  const changes = new Map(
    (
      await sql.all<{ finding_id: number; change: Change; verdict: string }>(
        'SELECT finding_id, change, verdict FROM observations WHERE scan_id = ?',
        [scan.id],
      )
    ).map((row) => [row.finding_id, row]),
  );
  const observedRows = await listFindings(sql, { scan: scan.id });
  const languages = await articleLanguages(
    sql,
    observedRows.map((finding) => finding.articleId),
  );
  const notes = await notesOfAll(
    sql,
    observedRows.map((finding) => finding.id),
  );
  const enrich = (finding: Finding): ReportFinding => {
    const site = currentSite(finding, options.sites);
    const withSite = site ? { ...finding, evidence: { ...finding.evidence, site } } : finding;
    const licence = options.sites?.find((candidate) => candidate.id === finding.site);
    const unsure = changes.get(finding.id)?.verdict === 'uncertain' || finding.verdict === 'uncertain';
    const notice = unsure
      ? undefined
      : composeNotice(options.notice, withSite, {
          publisher: options.publisher,
          publisherHome: options.publisherHome,
          language: languages.get(finding.articleId),
          today: generated,
        });
    return {
      ...withSite,
      change: changes.get(finding.id)?.change ?? null,
      notes: notes.get(finding.id) ?? [],
      notice: notice?.text ?? '',
      noticeSubject: notice?.subject ?? '',
      noticeLanguage: notice?.language ?? '',
      noticeKind: notice?.kind ?? null,
      licensed: licence ? licensedOn(licence, scan.started) : false,
    };
  };
  const observed = observedRows.map(enrich);
  observed.sort((a, b) => (a.site ?? '').localeCompare(b.site ?? '') || a.pageUrl.localeCompare(b.pageUrl));
  const violations = observed.filter((finding) => changes.get(finding.id)?.verdict === 'violation');
  const needsReview = observed.filter((finding) => changes.get(finding.id)?.verdict === 'uncertain');
  const newFindings = violations.filter(
    (finding) => finding.change === 'new' || finding.change === 'reopened',
  );
  const resolvedFindings = observed.filter((finding) => finding.change === 'resolved');
  const bySite = summariseSites(scan, violations, needsReview, options.sites, await statusesNow(sql));

  return {
    ...base,
    previous: (await previousScan(sql, scan.id)) ?? null,
    coverage: coverageOf(scan, bySite),
    bySite,
    byRule: summariseRules(violations),
    newFindings,
    resolvedFindings,
    violations,
    needsReview,
  };
}

/** The language of each article (the publisher's, for a letter when the page says none). */
async function articleLanguages(sql: Sql, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await sql.all<{ id: string; language: string }>(
    `SELECT id, language FROM articles WHERE language IS NOT NULL AND id IN ${sql.dialect.jsonValues('?')}`,
    [JSON.stringify([...new Set(ids)])],
  );
  return new Map(rows.map((row) => [row.id, row.language]));
}

/** Ids per statement when notes are read for many findings at once. */
const NOTES_CHUNK = 500;

/** The notes people wrote on each of these findings, oldest first (as `notesOf`, in few statements). */
async function notesOfAll(sql: Sql, findingIds: readonly number[]): Promise<Map<number, AuditEntry[]>> {
  const notes = new Map<number, AuditEntry[]>();
  const ids = [...new Set(findingIds)];
  for (let start = 0; start < ids.length; start += NOTES_CHUNK) {
    const chunk = ids.slice(start, start + NOTES_CHUNK);
    const rows = await sql.all<AuditRow>(
      `SELECT * FROM audit WHERE finding_id IN ${placeholders(chunk.length)}
         AND note IS NOT NULL AND note <> '' ORDER BY id`,
      chunk,
    );
    for (const row of rows) {
      const list = notes.get(row.finding_id) ?? [];
      list.push(toAudit(row));
      notes.set(row.finding_id, list);
    }
  }
  return notes;
}

function coverageOf(scan: Scan, bySite: readonly SiteSummary[]): ReportCoverage {
  const scanned = bySite.filter((site) => site.site !== UNREGISTERED_SITE || (site.pagesChecked ?? 0) > 0);
  const pagesChecked = scanned.reduce((sum, site) => sum + (site.pagesChecked ?? 0), 0);
  const failed = scanned.reduce((sum, site) => sum + (site.failed ?? 0), 0);
  return {
    sites: scanned.length,
    sitesChecked: scanned.filter((site) => (site.pagesChecked ?? 0) > 0).length,
    pagesChecked: scan.siteResults ? pagesChecked : scan.counts.pages,
    failed,
    unreachable: scanned.filter((site) => site.result === 'unreachable').map((site) => site.site),
    partlyScanned: scanned
      .filter((site) => !site.complete && site.result !== 'unreachable')
      .map((site) => site.site),
    outage: scanned.length > 0 && pagesChecked === 0 && failed > 0,
  };
}

/** A site's result in words for a table: `violations (partly scanned)` when both hold. */
export function describeResult(summary: { result: string; complete: boolean }): string {
  return summary.result === 'violations' && !summary.complete
    ? 'violations (partly scanned)'
    : summary.result;
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
  needsReview: readonly ReportFinding[],
  sites: readonly Site[] | undefined,
  now: ReadonlyMap<string, Partial<Record<ReviewStatus, number>>>,
): SiteSummary[] {
  const counted = scan.counts.bySite;
  const results = scan.siteResults ?? undefined;
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
    const outcome = results?.[id];
    bySite.set(id, {
      site: id,
      name: facts?.name ?? null,
      kind: facts?.kind ?? 'unknown',
      licence: describeLicence(facts),
      licenceTerms: facts?.licence ?? null,
      result: outcome?.result ?? 'not counted',
      complete: outcome?.complete ?? (counts ? counts.errors === 0 : true),
      incomplete: outcome?.incomplete ?? [],
      pagesChecked: outcome?.pagesChecked ?? (counts ? counts.pages - counts.errors : null),
      failed: outcome?.failed ?? counts?.errors ?? null,
      failures: outcome?.failures ?? [],
      pages: counts?.pages ?? null,
      reprints: counts?.reprints ?? null,
      full: counts?.full ?? null,
      excerpts: counts?.excerpts ?? null,
      compliant: counts?.compliant ?? null,
      errors: counts?.errors ?? null,
      violations: 0,
      needsReview: 0,
      byStatus: {
        ...(Object.fromEntries(REVIEW_STATUSES.map((status) => [status, 0])) as Record<ReviewStatus, number>),
        ...now.get(id),
      },
    });
  }
  for (const finding of violations) bySite.get(finding.site ?? UNREGISTERED_SITE)!.violations++;
  for (const finding of needsReview) {
    const summary = bySite.get(finding.site ?? UNREGISTERED_SITE);
    if (summary) summary.needsReview++;
  }
  for (const summary of bySite.values()) {
    if (summary.result === 'not counted') summary.result = legacyResultOf(summary);
  }
  return [...bySite.values()].sort(
    (a, b) =>
      b.violations - a.violations ||
      RESULT_ORDER.indexOf(a.result) - RESULT_ORDER.indexOf(b.result) ||
      a.site.localeCompare(b.site),
  );
}

/** Each site's findings by their status now (not `uncertain` ones: those are not violations). */
async function statusesNow(sql: Sql): Promise<Map<string, Partial<Record<ReviewStatus, number>>>> {
  const rows = await sql.all<{ site: string; status: ReviewStatus; n: number }>(
    `SELECT coalesce(site, ?) AS site, status, count(*) AS n FROM findings
     WHERE verdict != 'uncertain' GROUP BY 1, 2`,
    [UNREGISTERED_SITE],
  );
  const bySite = new Map<string, Partial<Record<ReviewStatus, number>>>();
  for (const row of rows) {
    const counts = bySite.get(row.site) ?? {};
    counts[row.status] = row.n;
    bySite.set(row.site, counts);
  }
  return bySite;
}

const RESULT_ORDER: ReadonlyArray<SiteSummary['result']> = [
  'violations',
  'unreachable',
  'partly scanned',
  'compliant',
  'not counted',
];

/** For a scan recorded before site results were kept: what its page counts allow to say. */
function legacyResultOf(summary: SiteSummary): SiteSummary['result'] {
  if (summary.violations > 0) return 'violations';
  if (summary.pages === null) return 'not counted';
  if (summary.pages > 0 && summary.errors === summary.pages) return 'unreachable';
  if ((summary.errors ?? 0) > 0) return 'partly scanned';
  return 'compliant';
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
