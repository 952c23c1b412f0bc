import { csvRow } from './escape.ts';
import type { ReportData, ReportFinding } from './model.ts';

/**
 * The report for spreadsheets and records: one row per finding the scan observed. The columns
 * are a contract (documented in the README); new ones are only ever added at the end.
 */
export const CSV_COLUMNS: ReadonlyArray<[string, (finding: ReportFinding, report: ReportData) => unknown]> = [
  ['finding_id', (finding) => finding.id],
  ['scan_id', (_finding, report) => report.scan?.id ?? ''],
  ['change', (finding) => finding.change ?? ''],
  ['status', (finding) => finding.status],
  ['site', (finding) => finding.site ?? ''],
  ['site_kind', (finding) => finding.evidence.site?.kind ?? ''],
  ['licensed', (finding) => (finding.licensed ? 'yes' : 'no')],
  ['page_url', (finding) => finding.pageUrl],
  ['page_title', (finding) => finding.pageTitle ?? ''],
  ['article_id', (finding) => finding.articleId],
  ['article_url', (finding) => finding.articleUrl],
  ['article_title', (finding) => finding.articleTitle],
  ['reprint_kind', (finding) => finding.evidence.kind ?? ''],
  [
    'coverage',
    (finding) => (finding.evidence.coverage === undefined ? '' : finding.evidence.coverage.toFixed(2)),
  ],
  ['verdict', (finding) => finding.verdict],
  ['rules', (finding) => [...new Set(finding.violations.map((violation) => violation.rule))].join(';')],
  ['messages', (finding) => finding.violations.map((violation) => violation.message).join(' | ')],
  ['first_seen', (finding) => finding.firstSeen],
  ['last_seen', (finding) => finding.lastSeen],
  ['resolved_at', (finding) => finding.resolvedAt ?? ''],
  ['resolved_why', (finding) => finding.resolvedWhy ?? ''],
];

export function renderCsv(report: ReportData): string {
  const rows = [
    ...report.violations,
    ...report.resolvedFindings.filter((finding) => !report.violations.includes(finding)),
  ];
  let text = csvRow(CSV_COLUMNS.map(([name]) => name));
  for (const finding of rows) {
    text += csvRow(CSV_COLUMNS.map(([, value]) => value(finding, report)));
  }
  return text;
}
