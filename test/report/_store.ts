import { join } from 'node:path';
import { afterEach } from 'vitest';
import { finishScan, recordPageResults, setStatus, startScan } from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { linkViolation, page, sites } from '../findings/_pages.ts';

export const HOSTILE_TITLE = `Palmyra <script>window.__pwned=1;alert(1)</script><img src=x onerror="window.__pwned=2"> "quoted" =cmd|' /C calc'!A0`;
export const HOSTILE_URL = 'https://peaceblog.example/2026/x?q=<script>alert(1)</script>&a="onerror=alert(2)';

export const urls = {
  plain: 'https://peaceblog.example/2026/palmyra',
  hostile: HOSTILE_URL,
  fixed: 'https://peaceblog.example/2026/fixed',
  commercial: 'https://marketnews.example/world/palmyra',
};

const day = (n: number) => new Date(Date.UTC(2026, 0, n, 3, 0, 0));

const opened: Sql[] = [];
afterEach(async () => {
  for (const sql of opened.splice(0)) await sql.close();
});

/**
 * A store with two scans: the second finds a new hostile page, resolves one and keeps two. A
 * SQLite file in `dir` unless `target` names a store (`engine.target()`); closed after the test
 * (closing it sooner, before a command opens it, is fine).
 */
export async function seededStore(
  dir: string,
  target = join(dir, 'store.sqlite'),
): Promise<{ db: Sql; file: string; scans: number[] }> {
  const file = target;
  const db = await openSql(file);
  const close = db.close.bind(db);
  let closed = false;
  db.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  opened.push(db);
  return { db, file, scans: await seed(db) };
}

/** The two scans of `seededStore`, recorded into a store the caller keeps (and closes). */
export async function seed(db: Sql): Promise<number[]> {
  const s1 = await startScan(db, { sites: ['peace-blog', 'market-news'], now: day(1) });
  const first = await recordPageResults(
    db,
    s1.id,
    [
      page(urls.plain, 'violation'),
      page(urls.fixed, 'violation'),
      page(urls.commercial, 'violation', {
        title: '=HYPERLINK("http://evil.example","click")',
        violations: [
          linkViolation({
            rule: 'commercial-use',
            messageId: 'unlicensed',
            message: 'a commercial site reprints without a licence',
            evidence: 'site kind: commercial; licence expired 2025-12-31',
          }),
        ],
      }),
    ],
    { sites, now: day(1) },
  );
  await finishScan(db, s1.id, { now: day(1) });
  const plain = first.new.find((finding) => finding.pageUrl === urls.plain)!;
  await setStatus(db, plain.id, 'contacted', { who: 'maria', note: 'wrote to <b>them</b>', now: day(2) });
  const s2 = await startScan(db, { sites: ['peace-blog', 'market-news'], now: day(3) });
  await recordPageResults(
    db,
    s2.id,
    [
      page(urls.plain, 'violation'),
      page(urls.fixed, 'compliant'),
      page(urls.commercial, 'violation', {
        title: '=HYPERLINK("http://evil.example","click")',
        violations: [
          linkViolation({ rule: 'commercial-use', message: 'a commercial site reprints without a licence' }),
        ],
      }),
      page(urls.hostile, 'violation', {
        title: HOSTILE_TITLE,
        violations: [
          linkViolation({
            evidence: '<a href="javascript:alert(3)" onclick="alert(4)">home</a>',
            message: 'no link to the original <em>article</em>',
          }),
        ],
      }),
    ],
    { sites, now: day(3) },
  );
  await finishScan(db, s2.id, { now: day(3) });
  return [s1.id, s2.id];
}
