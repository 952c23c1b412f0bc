import { safeLine, safeLines } from '../safe-text.ts';

/**
 * Everything shown to people comes from crawled pages, which are hostile: these helpers are the
 * only way text reaches HTML, Markdown or CSV. Control characters go first (`safe-text.ts`).
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text safe inside an HTML element or a quoted attribute. */
export function escapeHtml(value: unknown): string {
  return safeLines(value).replace(/[&<>"'`]/g, (character) => HTML_ESCAPES[character]!);
}

/** The URL when it is absolute http(s) (so it may become an href), else undefined. */
export function safeHref(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}

/** A link when the URL is http(s), otherwise the URL as plain text. */
export function htmlLink(url: unknown, text?: unknown, attributes = ''): string {
  const href = safeHref(url);
  const label = escapeHtml(text ?? url);
  if (!href) return `<span class="url">${label}</span>`;
  return `<a href="${escapeHtml(href)}" rel="noopener noreferrer nofollow"${attributes}>${label}</a>`;
}

/**
 * Text safe in Markdown that will be rendered to HTML (mail clients do), and still plain to read
 * where it is not rendered: one line, with a backslash only before what Markdown would act on
 * inside a line (a backslash or backquote, and * _ [ ] < > & ~) and before a mark that would open a block at its start
 * (`#`, `>`, `-`, `+`, `=`, `1.`), and in a bare web address, which GFM would turn into a link.
 * Dates, hyphens and full stops stay as they are.
 */
export function escapeMarkdown(value: unknown): string {
  const text = safeLine(value)
    .trimStart()
    .replace(/[\\`*_[\]<>&~]/g, '\\$&')
    // A bare address in a page's text must not become a link (GFM links http://, https://, www.).
    .replace(/\b(https?|ftp):\/\//gi, '$1\\://')
    .replace(/\bwww\./gi, (found) => `${found.slice(0, 3)}\\.`);
  return text.replace(/^(?:[#>+\-=]|(\d{1,9})([.)]))/, (mark, digits?: string, stop?: string) =>
    digits ? `${digits}\\${stop}` : `\\${mark}`,
  );
}

/** Text for a cell of a Markdown table: escaped, and a `|` cannot end the cell. */
export function markdownCell(value: unknown): string {
  return escapeMarkdown(value).replace(/\|/g, '\\|');
}

/**
 * A link for an http(s) URL, otherwise the escaped text. Without a label it is an autolink,
 * `<https://…>`, which reads as the bare address in a plain-text mail.
 */
export function markdownLink(url: unknown, text?: unknown): string {
  const href = safeHref(url);
  if (!href) return escapeMarkdown(text ?? url);
  // Angle brackets keep parentheses in the URL from ending it; what could end them is encoded.
  const target = href.replace(/[<>\s\\]/g, encodeURIComponent);
  if (text === undefined || text === url) return `<${target}>`;
  return `[${escapeMarkdown(text)}](<${target}>)`;
}

/**
 * One CSV field (RFC 4180): quoted when needed, quotes doubled. A cell a spreadsheet would read as
 * a formula (starting with = + - @) gets a leading apostrophe. Control characters and line breaks
 * go first: one record is one line, whatever a page title holds.
 */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : safeLine(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
