import { csvRow } from '../text/csv.ts';
import type { ReportData, ReportFinding, SiteSummary } from './model.ts';

/**
 * The report for spreadsheets and records. The columns are a contract (documented in the README);
 * new ones are only ever added at the end. One row per finding the scan observed (`record`
 * `finding`, or `review` for a reprint that needs review), then one row per site (`site`: its
 * result and the pages checked, so a file with no findings still says what was looked at) and one
 * per URL the scan could not fetch (`failure`). Times are ISO 8601 in UTC.
 */
type Row =
  | { record: 'finding' | 'review'; finding: ReportFinding }
  | { record: 'site'; site: SiteSummary }
  | { record: 'failure'; site: SiteSummary; url: string; kind: string; message: string };

const ofFinding =
  (value: (finding: ReportFinding, report: ReportData) => unknown) =>
  (row: Row, report: ReportData): unknown =>
    'finding' in row ? value(row.finding, report) : '';

export const CSV_COLUMNS: ReadonlyArray<[string, (row: Row, report: ReportData) => unknown]> = [
  ['finding_id', ofFinding((finding) => finding.id)],
  ['scan_id', (_row, report) => report.scan?.id ?? ''],
  ['change', ofFinding((finding) => finding.change ?? '')],
  ['status', ofFinding((finding) => finding.status)],
  ['site', (row) => ('finding' in row ? (row.finding.site ?? '') : row.site.site)],
  ['site_kind', (row) => ('finding' in row ? (row.finding.evidence.site?.kind ?? '') : row.site.kind)],
  ['licensed', ofFinding((finding) => (finding.licensed ? 'yes' : 'no'))],
  ['page_url', (row) => ('finding' in row ? row.finding.pageUrl : row.record === 'failure' ? row.url : '')],
  ['page_title', ofFinding((finding) => finding.pageTitle ?? '')],
  ['article_id', ofFinding((finding) => finding.articleId)],
  ['article_url', ofFinding((finding) => finding.articleUrl)],
  ['article_title', ofFinding((finding) => finding.articleTitle)],
  ['reprint_kind', ofFinding((finding) => finding.evidence.kind ?? '')],
  [
    'coverage',
    ofFinding((finding) =>
      finding.evidence.coverage === undefined ? '' : finding.evidence.coverage.toFixed(2),
    ),
  ],
  ['verdict', (row) => (row.record === 'review' ? 'uncertain' : 'finding' in row ? row.finding.verdict : '')],
  [
    'rules',
    (row) =>
      row.record === 'finding'
        ? [...new Set(row.finding.violations.map((violation) => violation.rule))].join(';')
        : '',
  ],
  [
    'messages',
    (row) =>
      row.record === 'finding'
        ? row.finding.violations.map((violation) => violation.message).join(' | ')
        : '',
  ],
  ['first_seen', ofFinding((finding) => finding.firstSeen)],
  ['last_seen', ofFinding((finding) => finding.lastSeen)],
  ['resolved_at', ofFinding((finding) => finding.resolvedAt ?? '')],
  ['resolved_why', ofFinding((finding) => finding.resolvedWhy ?? '')],
  ['record', (row) => row.record],
  ['site_result', (row, report) => siteOf(row, report)?.result ?? ''],
  ['site_complete', (row, report) => yesNo(siteOf(row, report)?.complete)],
  ['pages_checked', (row) => (row.record === 'site' ? (row.site.pagesChecked ?? '') : '')],
  ['urls_failed', (row) => (row.record === 'site' ? (row.site.failed ?? '') : '')],
  ['failure_kind', (row) => (row.record === 'failure' ? row.kind : '')],
  ['failure_message', (row) => (row.record === 'failure' ? row.message : '')],
  [
    'suspected',
    (row) =>
      row.record === 'review'
        ? (row.finding.evidence.suspected ?? []).map((item) => item.rule).join(';')
        : '',
  ],
  ['review_reason', (row) => (row.record === 'review' ? (row.finding.evidence.reason ?? '') : '')],
  ['deadline', ofFinding((finding) => finding.deadline ?? '')],
  ['overdue_since', ofFinding((finding) => finding.overdueSince ?? '')],
  ['notice_language', ofFinding((finding) => finding.noticeLanguage)],
];

function siteOf(row: Row, report: ReportData): (SiteSummary & { result: string }) | undefined {
  if (!('finding' in row)) return row.site;
  return report.bySite.find((site) => site.site === row.finding.site);
}

function yesNo(value: boolean | undefined): string {
  return value === undefined ? '' : value ? 'yes' : 'no';
}

export function renderCsv(report: ReportData): string {
  const rows: Row[] = [
    ...report.violations.map((finding) => ({ record: 'finding' as const, finding })),
    ...report.resolvedFindings
      .filter((finding) => !report.violations.includes(finding))
      .map((finding) => ({ record: 'finding' as const, finding })),
    ...report.needsReview.map((finding) => ({ record: 'review' as const, finding })),
    ...report.bySite.map((site) => ({ record: 'site' as const, site })),
    ...report.bySite.flatMap((site) =>
      site.failures.map((failure) => ({ record: 'failure' as const, site, ...failure })),
    ),
  ];
  let text = csvRow(CSV_COLUMNS.map(([name]) => name));
  for (const row of rows) text += csvRow(CSV_COLUMNS.map(([, value]) => value(row, report)));
  return text;
}
