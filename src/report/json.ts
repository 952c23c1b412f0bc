import type { ReportData } from './model.ts';

/** The report for tools: the whole report model, as JSON. */
export function renderJson(report: ReportData): string {
  return `${JSON.stringify({ format: 'syndicate-report', version: 1, ...report }, null, 2)}\n`;
}
