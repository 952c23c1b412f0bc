/**
 * Everything shown to people comes from crawled pages, which are hostile: these helpers are the
 * only way text reaches HTML, Markdown or CSV.
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
  return stripControls(String(value ?? '')).replace(/[&<>"'`]/g, (character) => HTML_ESCAPES[character]!);
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
 * Text safe in Markdown that will be rendered to HTML (mail clients do): HTML special characters
 * become entities and Markdown punctuation is backslash-escaped, so nothing turns into a tag, a
 * link or emphasis.
 */
export function escapeMarkdown(value: unknown): string {
  return stripControls(String(value ?? ''))
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+\-.!|~"'=])/g, '\\$1');
}

/** A Markdown link for an http(s) URL, otherwise the escaped text. */
export function markdownLink(url: unknown, text?: unknown): string {
  const href = safeHref(url);
  const label = escapeMarkdown(text ?? url);
  if (!href) return label;
  // Angle brackets keep parentheses and spaces in the URL from ending it early.
  return `[${label}](<${href.replace(/[<>\s]/g, encodeURIComponent)}>)`;
}

/**
 * One CSV field (RFC 4180): quoted when needed, quotes doubled. A cell a spreadsheet would read as
 * a formula (starting with = + - @, tab or carriage return) gets a leading apostrophe.
 */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

function stripControls(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}
