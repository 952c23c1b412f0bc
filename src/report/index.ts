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
export { escapeHtml, escapeMarkdown, htmlLink, safeHref } from './escape.ts';
export { findingEvidenceHtml, REPORT_CSS, renderHtml } from './html.ts';
export { renderJson } from './json.ts';
export { renderMarkdown } from './markdown.ts';
export { type BuildOptions, buildReport, type ReportData, type ReportFinding } from './model.ts';
export {
  checkNoticeTemplate,
  DEFAULT_NOTICE,
  loadNoticeTemplate,
  NOTICE_FILE,
  NOTICE_PLACEHOLDERS,
  type NoticeTemplate,
  renderNotice,
} from './notice.ts';
export { writeFileAtomic } from './write.ts';
