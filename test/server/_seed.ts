import type { PageResult, ReprintMatch } from '../../src/check/result.ts';
import type { Site } from '../../src/config/sites.ts';
import { openPass } from '../../src/crawl/passes.ts';
import { complete, queuedItems } from '../../src/crawl/queue.ts';
import {
  finishScan,
  recordPageResults,
  type ScannedPage,
  setStatus,
  startScan,
} from '../../src/findings/index.ts';
import type { Sql } from '../../src/store/sql.ts';
import { sites as baseSites, linkViolation } from '../findings/_pages.ts';

/** Four sites: the two of the shared fixtures, a French one and one the last scan could not reach. */
export const manySites: Site[] = [
  ...baseSites,
  {
    id: 'river-daily',
    name: 'River Daily',
    url: 'https://riverdaily.example/',
    kind: 'community',
    contact: 'desk@riverdaily.example',
    discover: { maxDepth: 2, maxPages: 500 },
  },
  {
    id: 'gone-gazette',
    url: 'https://gonegazette.example/',
    kind: 'community',
    discover: { maxDepth: 2, maxPages: 500 },
  },
];

const ARTICLES = [
  { id: 'palmyra', url: 'https://northwind.example/palmyra-again/123', title: 'Palmyra, again' },
  { id: 'harbour', url: 'https://northwind.example/harbour-strike/124', title: 'The harbour strike' },
  { id: 'drought', url: 'https://northwind.example/drought-season/125', title: 'A drought season' },
  { id: 'archive', url: 'https://northwind.example/the-archive/126', title: 'Inside the archive' },
];
const WORDS = ['river', 'ledger', 'orchard', 'beacon', 'granite', 'meadow', 'cipher', 'lantern'];
const SITE_HOSTS: Record<string, string> = {
  'peace-blog': 'peaceblog.example',
  'market-news': 'marketnews.example',
  'river-daily': 'riverdaily.example',
};

export const PASSAGE = 'The ancient city was taken again this week, and the museum closed its doors.';

/** The page of finding number `index`: deterministic, so a test can name what it expects. */
export function manyPage(index: number, verdict: 'violation' | 'compliant' = 'violation'): ScannedPage {
  const site = (['peace-blog', 'market-news', 'river-daily'] as const)[index % 3]!;
  const article = ARTICLES[index % ARTICLES.length]!;
  const word = WORDS[index % WORDS.length]!;
  const rule = index % 5 === 0 ? 'copyright-notice' : 'link-to-original';
  const match: ReprintMatch = {
    article,
    coverage: 0.9,
    kind: 'full',
    verdict,
    violations:
      verdict === 'violation'
        ? [
            linkViolation({
              rule,
              message:
                rule === 'copyright-notice' ? 'no copyright notice' : 'no link to the original article',
            }),
          ]
        : [],
    rules: [],
    passages: [{ page: PASSAGE, article: PASSAGE }],
  };
  const result: PageResult = {
    url: `https://${SITE_HOSTS[site]}/${index}/${word}`,
    status: 'reprint',
    title: `Story ${String(index).padStart(4, '0')} about the ${word}`,
    fetchedAt: '2026-02-01T10:00:00.000Z',
    matches: [match],
  };
  return Object.assign(result, { site });
}

const day = (n: number) => new Date(Date.UTC(2026, 1, n, 3, 0, 0));

/**
 * `count` findings over three scans: scan 1 finds the first two thirds, scan 2 adds the rest and
 * resolves every tenth, scan 3 sees them again, cannot reach `gone-gazette` and misses one page of
 * `river-daily`. Every seventh is
 * contacted and every eleventh dismissed.
 */
export async function seedMany(db: Sql, count: number): Promise<{ scans: number[] }> {
  const first = Math.ceil((count * 2) / 3);
  const scans: number[] = [];
  const siteIds = manySites.map((site) => site.id);
  const s1 = await startScan(db, { sites: siteIds, now: day(1) });
  await recordPageResults(
    db,
    s1.id,
    range(0, first).map((index) => manyPage(index)),
    { sites: manySites, now: day(1) },
  );
  await finishScan(db, s1.id, { now: day(1) });
  scans.push(s1.id);
  const s2 = await startScan(db, { sites: siteIds, now: day(2) });
  await recordPageResults(
    db,
    s2.id,
    range(0, count).map((index) => manyPage(index, index % 10 === 9 ? 'compliant' : 'violation')),
    { sites: manySites, now: day(2) },
  );
  await finishScan(db, s2.id, { now: day(2) });
  scans.push(s2.id);
  for (let index = 0; index < count; index++) {
    if (index % 10 === 9) continue;
    const { id } = (await db.get<{ id: number }>('SELECT id FROM findings WHERE page_url = ?', [
      manyPage(index).url,
    ]))!;
    if (index % 7 === 3) await setStatus(db, id, 'contacted', { who: 'maria', now: day(2) });
    else if (index % 11 === 5) await setStatus(db, id, 'dismissed', { who: 'maria', now: day(2) });
  }
  const s3 = await startScan(db, { sites: siteIds, now: day(3) });
  await recordPageResults(
    db,
    s3.id,
    [
      ...range(0, count).map((index) => manyPage(index, index % 10 === 9 ? 'compliant' : 'violation')),
      // Every page tried on gone-gazette failed; one of river-daily's did.
      {
        url: 'https://gonegazette.example/',
        status: 'error',
        error: 'connection refused',
        site: 'gone-gazette',
      },
      { url: 'https://riverdaily.example/slow', status: 'error', error: 'timeout', site: 'river-daily' },
    ] as ScannedPage[],
    { sites: manySites, now: day(3) },
  );
  await finishScan(db, s3.id, { now: day(3) });
  scans.push(s3.id);
  return { scans };
}

/** Keep `html` as the crawler would have stored the page at `url`. */
export async function storeSnapshot(sql: Sql, siteId: string, url: string, html: string): Promise<void> {
  const { pass } = await openPass(sql, [siteId], day(3), () => [
    { siteId, url, kind: 'page', source: 'start' },
  ]);
  const item = (await queuedItems(sql, pass.id)).find((queued) => queued.url === url)!;
  await complete(
    sql,
    item,
    {
      state: 'done',
      snapshot: {
        snapshot: {
          url,
          finalUrl: url,
          status: 200,
          headers: { 'content-type': 'text/html' },
          fetchedAt: day(3).toISOString(),
          contentType: 'text/html',
          body: html,
          bodyHash: 'test',
        },
        httpStatus: 200,
        changed: true,
      },
    },
    [],
  );
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, index) => from + index);
}
