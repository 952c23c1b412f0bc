import { escapeHtml } from '../text/html.ts';

/** Small HTML helpers of item text: paragraphs, templates, lists of names. */

/** Plain text as an HTML paragraph. */
export function paragraph(text: string): string {
  return `<p>${escapeHtml(text)}</p>`;
}

/** Fill `{name}` placeholders with HTML-escaped values (unknown names are left as they are). */
export function fillTemplate(template: string, values: Record<string, string>, asHtml = true): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    return asHtml ? escapeHtml(value) : value;
  });
}

/** "A", "A and B", "A, B and C". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
