/**
 * Text taken from crawled pages is hostile: a page title or a link can hold ESC sequences that
 * clear a terminal, retitle its window or plant an OSC 8 link, a BEL, or a lone CR that makes a
 * line overwrite itself (and, in Markdown, ends a line). Every output that shows such text to a
 * person (the terminal, CSV, Markdown, HTML) passes it through here first.
 *
 * Unsafe: C0 controls (U+0000–U+001F) but the line breaks and tab a caller keeps, DEL, C1
 * controls (U+0080–U+009F, where a terminal reads U+009B as CSI), and the invisible characters
 * that change the order or direction a reader sees without changing the bytes: the bidirectional
 * overrides and isolates, and the marks (LRM, RLM, ALM). One list for every output: the report
 * and the terminal used to differ on the marks, and the longer list is the safer one.
 */

// One character class, no quantifier that can backtrack: linear in the text.
const CONTROLS =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const TAB = /\t/g;
/** Every way a line can end: CRLF, a lone CR, LF, and Unicode's line and paragraph separators. */
const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029]/g;

/**
 * Text for a place that may hold several lines (a notice, a quoted passage): line breaks become
 * `\n` (a lone CR too), a tab stays, every other unsafe character is removed.
 */
export function safeLines(value: unknown): string {
  return String(value ?? '')
    .replace(LINE_BREAKS, '\n')
    .replace(CONTROLS, '');
}

/**
 * Text for one line (a title, a link's text, a table cell): line breaks and tabs become a space,
 * every other unsafe character is removed.
 */
export function safeLine(value: unknown): string {
  return String(value ?? '')
    .replace(LINE_BREAKS, ' ')
    .replace(TAB, ' ')
    .replace(CONTROLS, '');
}

/**
 * Text for a terminal line that must show what was there (a log line, a diagnostic): every unsafe
 * character, line breaks and tabs included (one entry, one line), is written as `\u{…}` instead of
 * being removed, so that nothing can move the cursor or recolour the terminal and nothing is hidden.
 */
export function safeForTerminal(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
}
