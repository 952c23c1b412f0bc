import type { Finding } from '../findings/types.ts';
import { parsePage } from '../match/page.ts';
import type { Sql } from '../store/sql.ts';
import type { ReprintView } from './pages.ts';

/** The most text of a stored page the finding page shows; the whole HTML is one link away. */
const MAX_SHOWN_CHARS = 200_000;
/**
 * A bigger stored body is not parsed for the view (the crawler keeps up to 10 MB): a page view
 * stays quick, and the whole source is still one link away as plain text.
 */
const MAX_PARSED_CHARS = 3 * 1024 * 1024;
/** A passage shorter than this is not marked: it would light up every "the" on the page. */
const MIN_MARKED_CHARS = 12;

export interface StoredSnapshot {
  url: string;
  fetchedAt: string;
  contentType: string;
  body: string;
}

/** The newest snapshot the crawler kept of a page, if any. */
export function latestSnapshot(sql: Sql, pageUrl: string): Promise<StoredSnapshot | undefined> {
  return sql.get<StoredSnapshot>(
    `SELECT s.url AS url, s.fetched_at AS "fetchedAt", s.content_type AS "contentType", b.body AS body
     FROM crawl_snapshots s JOIN crawl_bodies b ON b.key = s.body_key
     WHERE s.url = ? ORDER BY s.pass_id DESC LIMIT 1`,
    [pageUrl],
  );
}

/**
 * The page's main text as the checker read it, cut into plain pieces and matched passages
 * (odd indexes). Matching ignores differences in white space and case; an excerpt the checker
 * shortened with "…" is looked for piece by piece. Linear in the text times the passages.
 */
export function reprintView(snapshot: StoredSnapshot, finding: Finding, snapshotHref: string): ReprintView {
  const tooLarge = snapshot.body.length > MAX_PARSED_CHARS;
  const text = tooLarge ? '' : parsePage(snapshot.body, snapshot.url).text;
  const truncated = tooLarge || text.length > MAX_SHOWN_CHARS;
  const shown = truncated ? text.slice(0, MAX_SHOWN_CHARS) : text;
  const { folded, origin } = fold(shown);
  const ranges: Array<[number, number]> = [];
  for (const passage of finding.evidence.passages) {
    for (const part of passage.page.split('…')) {
      const needle = fold(part).folded.trim();
      if (needle.length < MIN_MARKED_CHARS) continue;
      const at = folded.indexOf(needle);
      if (at < 0) continue;
      ranges.push([origin[at]!, origin[at + needle.length - 1]! + 1]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const pieces: string[] = [];
  let position = 0;
  let matched = 0;
  for (const [start, end] of ranges) {
    if (end <= position) continue;
    const from = Math.max(start, position);
    pieces.push(shown.slice(position, from), shown.slice(from, end));
    position = end;
    matched++;
  }
  pieces.push(shown.slice(position));
  return { fetchedAt: snapshot.fetchedAt, pieces, truncated, matched, snapshotHref };
}

/** Lower-cased text with each run of white space as one space, and where each character came from. */
function fold(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  let space = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!;
    if (/\s/.test(character)) {
      if (!space && folded.length > 0) {
        folded += ' ';
        origin.push(index);
      }
      space = true;
      continue;
    }
    space = false;
    // One UTF-16 unit in, one out: lower-casing that changes the length keeps the original.
    const lower = character.toLowerCase();
    folded += lower.length === 1 ? lower : character;
    origin.push(index);
  }
  return { folded, origin };
}
