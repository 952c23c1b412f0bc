import { safeLine } from './safe.ts';

/**
 * One CSV field (RFC 4180): quoted when needed, quotes doubled. A cell a spreadsheet would read as
 * a formula (starting with = + - @) gets a leading apostrophe. Control characters and line breaks
 * go first (a leading tab or CR, which OWASP also lists, is a space by then): one record is one
 * line, whatever a page title holds.
 */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : safeLine(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 writes it. */
export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
