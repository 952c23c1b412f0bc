import type { PageSnapshot } from '../snapshot/index.ts';

/** How far into a page `<html lang>` is looked for: it sits at the top of any real page. */
const HEAD_CHARS = 64 * 1024;
// One pass over a bounded prefix; `[^>]*` cannot run past the tag's end, so the search is linear.
const HTML_LANG = /<html\b[^>]*?\slang\s*=\s*["']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)/i;
const TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;

/**
 * The language a page is written in, as a lower-case tag (`fr`, `pt-br`): its `<html lang>`, else
 * the first tag of its `Content-Language` header; undefined when it says neither. Notices to the
 * site are written in it.
 */
export function pageLanguage(snapshot: Pick<PageSnapshot, 'body' | 'headers'>): string | undefined {
  const declared = HTML_LANG.exec(withoutComments(snapshot.body.slice(0, HEAD_CHARS)))?.[1];
  if (declared) return declared.toLowerCase();
  const header = snapshot.headers['content-language']?.split(',')[0]?.trim();
  return header && TAG.test(header) ? header.toLowerCase() : undefined;
}

/**
 * The text without its comments, in one pass: old pages declare an `<html lang>` per Internet
 * Explorer version inside conditional comments, which a browser (and the page's real element)
 * ignores. An unclosed comment runs to the end, as in HTML.
 */
function withoutComments(text: string): string {
  let kept = '';
  let from = 0;
  for (let open = text.indexOf('<!--'); open !== -1; open = text.indexOf('<!--', from)) {
    kept += text.slice(from, open);
    const close = text.indexOf('-->', open + 4);
    if (close === -1) return kept;
    from = close + 3;
  }
  return kept + text.slice(from);
}
