import { safeLines } from './safe.ts';

/**
 * The one way text reaches HTML, for every page and document the project writes (reports, review
 * pages, evidence summaries, feed item HTML and the feeds' browser view). Unsafe characters go
 * first (`safe.ts`), then the five characters HTML gives a meaning in text or a quoted attribute,
 * and the backquote, which old browsers took as an attribute quote.
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

/** Plain text as HTML paragraphs, one for each run of text between blank lines. */
export function textToHtml(text: string): string {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
    .join('\n');
}
