import { createHash } from 'node:crypto';
import type { PageResult } from '../check/result.ts';
import type { Site } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import type { PageSnapshot } from '../snapshot/index.ts';
import type { Sql } from '../store/sql.ts';
import { codeVersion } from '../version.ts';

/**
 * The last judgement of each page (`scan_judgements`), reused while nothing it depends on has
 * changed: the page's body, the terms, the site registry, the articles and the judging code.
 */

/**
 * The code that judges pages (matching and the rules): after an upgrade that fixes a rule, an
 * unchanged page must not keep a verdict the old rule gave, a false accusation perhaps. Reading
 * pages as text (`text`) and snapshots (`snapshot`) is part of judging.
 */
const JUDGING_CODE = ['check', 'match', 'snapshot', 'text'];

/**
 * What a judgement depends on besides the page: the terms, the site registry, the articles and the
 * judging code. When any of them changes, every page is judged again.
 */
export async function judgementStamp(sql: Sql, terms: Terms, sites: readonly Site[]): Promise<string> {
  const articles = await sql.get<{ n: number; latest: string | null }>(
    'SELECT count(*) AS n, max(stored_at) AS latest FROM articles',
  );
  return createHash('sha256')
    .update(JSON.stringify([terms, sites, articles, codeVersion(JUDGING_CODE)]))
    .digest('hex');
}

export async function cachedJudgement(
  sql: Sql,
  snapshot: PageSnapshot,
  stamp: string,
): Promise<PageResult | undefined> {
  const row = await sql.get<{ body_hash: string; stamp: string; result: string }>(
    'SELECT body_hash, stamp, result FROM scan_judgements WHERE url = ?',
    [snapshot.url],
  );
  if (!row || row.body_hash !== snapshot.bodyHash || row.stamp !== stamp) return undefined;
  return { ...(JSON.parse(row.result) as PageResult), fetchedAt: snapshot.fetchedAt };
}

export async function saveJudgement(
  sql: Sql,
  snapshot: PageSnapshot,
  stamp: string,
  result: PageResult,
  at: Date,
): Promise<void> {
  await sql.run(
    `INSERT INTO scan_judgements (url, body_hash, stamp, result, judged_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (url) DO UPDATE SET body_hash = excluded.body_hash, stamp = excluded.stamp,
       result = excluded.result, judged_at = excluded.judged_at`,
    [snapshot.url, snapshot.bodyHash, stamp, JSON.stringify(result), at.toISOString()],
  );
}
