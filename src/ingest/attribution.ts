/**
 * Our own attribution block, as `build` appends it to every item's HTML (`joinHtml` in
 * `src/feed/model.ts`): importing one of our feeds back must not keep it as part of the article, or the
 * next build would append a second one.
 */
export const ATTRIBUTION_START = '<div class="syndicate-attribution">';

/** The HTML without a trailing attribution block of ours (anything else is left as it is). */
export function withoutOwnAttribution(html: string): string {
  const start = html.lastIndexOf(ATTRIBUTION_START);
  if (start === -1 || !html.trimEnd().endsWith('</div>')) return html;
  return html.slice(0, start).trimEnd();
}
