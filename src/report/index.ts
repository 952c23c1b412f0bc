/** Reports of findings: one pure renderer per format over one report model. */
import { renderCsv } from './csv.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderMarkdown } from './markdown.ts';
import type { ReportData } from './model.ts';

export const REPORT_FORMATS = ['html', 'json', 'csv', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const renderers: Record<ReportFormat, (report: ReportData) => string> = {
  html: renderHtml,
  json: renderJson,
  csv: renderCsv,
  md: renderMarkdown,
};

export { CSV_COLUMNS, renderCsv } from './csv.ts';
export { findingEvidenceHtml, REPORT_CSS, renderHtml, time as htmlTime } from './html.ts';
export { renderJson } from './json.ts';
export { renderMarkdown } from './markdown.ts';
export {
  type BuildOptions,
  buildReport,
  describeResult,
  type ReportCoverage,
  type ReportData,
  type ReportFinding,
  type SiteSummary,
} from './model.ts';
export {
  builtInNotices,
  checkNoticeTemplate,
  composeNotice,
  DEFAULT_NOTICE,
  loadNotices,
  loadNoticeTemplate,
  NOTICE_FILE,
  NOTICE_KINDS,
  NOTICE_PLACEHOLDERS,
  NOTICES_DIR,
  type Notice,
  type NoticeContext,
  type NoticeKind,
  type NoticeSet,
  type NoticeTemplate,
  noticeKindOf,
  renderNotice,
} from './notice.ts';
