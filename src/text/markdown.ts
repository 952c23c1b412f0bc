import { safeHref } from './html.ts';
import { safeLine } from './safe.ts';

/**
 * Text safe in Markdown that will be rendered to HTML (mail clients do), and still plain to read
 * where it is not rendered: one line, with a backslash only before what Markdown would act on
 * inside a line (a backslash or backquote, and * _ [ ] < > & ~) and before a mark that would open
 * a block at its start (`#`, `>`, `-`, `+`, `=`, `1.`), and in a bare web address, which GFM would
 * turn into a link. Dates, hyphens and full stops stay as they are.
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
