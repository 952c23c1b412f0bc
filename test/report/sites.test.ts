import { join } from 'node:path';
import { type Cheerio, type CheerioAPI, load } from 'cheerio';
import type { Element } from 'domhandler';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import type { Site } from '../../src/config/sites.ts';
import { finishScan, recordPageResults, startScan } from '../../src/findings/index.ts';
import {
  buildReport,
  DEFAULT_NOTICE,
  renderHtml,
  renderJson,
  renderMarkdown,
} from '../../src/report/index.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { page, sites as sampleSites } from '../findings/_pages.ts';
import { tempDir } from '../helpers/tmp.ts';

const notice = { file: '(built-in notice)', text: DEFAULT_NOTICE };
const now = new Date('2026-01-04T00:00:00Z');
const day = new Date('2026-01-03T03:00:00Z');

/** peace-blog violates; market-news (licensed) reprints compliant excerpts; quiet-site has no reprint. */
const sites: Site[] = [
  ...sampleSites.map((site) =>
    site.id === 'market-news' ? { ...site, licence: { granted: '2025-06-01', reference: 'L-77' } } : site,
  ),
  {
    id: 'quiet-site',
    url: 'https://quiet.example/',
    kind: 'community',
    discover: { maxDepth: 2, maxPages: 500 },
  },
];

async function store(): Promise<{ db: Sql; scanId: number }> {
  const db = await openSql(join(tempDir(), 'store.sqlite'));
  const scan = await startScan(db, { sites: ['peace-blog', 'market-news', 'quiet-site'], now: day });
  const brief = (url: string) => {
    const result = page(url, 'compliant');
    result.matches = result.matches.map((item) => ({ ...item, kind: 'excerpt' as const, coverage: 0.25 }));
    return result;
  };
  await recordPageResults(
    db,
    scan.id,
    [
      page('https://peaceblog.example/2026/palmyra', 'violation'),
      page('https://marketnews.example/world/palmyra', 'compliant'),
      brief('https://marketnews.example/brief/1'),
      brief('https://marketnews.example/brief/2'),
      { url: 'https://marketnews.example/', status: 'no-match', matches: [] },
      { url: 'https://quiet.example/', status: 'no-match', matches: [] },
    ],
    { sites, now: day },
  );
  await finishScan(db, scan.id, { now: day });
  return { db, scanId: scan.id };
}

function rowsOf($: CheerioAPI, table: Cheerio<Element>): Record<string, string>[] {
  const header = table
    .find('tr')
    .first()
    .find('th')
    .map((_index, cell) => $(cell).text().trim())
    .get();
  return table
    .find('tr')
    .slice(1)
    .map((_index, row) => [
      Object.fromEntries(
        $(row)
          .find('td')
          .map((i, cell) => [[header[i], $(cell).text().trim()]])
          .get(),
      ),
    ])
    .get();
}

describe('report: every site of the scan', () => {
  it('HTML lists the compliant and the empty sites with their counts, after the violating one', async () => {
    const { db } = await store();
    const $ = load(renderHtml(await buildReport(db, { sites, notice, now })));
    const rows = rowsOf($, $('table.by-site'));
    expect(
      $('table.by-site tr[data-site]')
        .map((_index, row) => $(row).attr('data-site'))
        .get(),
    ).toEqual(['peace-blog', 'market-news', 'quiet-site']);
    // The display name first, the id under it.
    expect(rows[0]!.site).toBe('Peace Blogpeace-blog');
    expect(rows[0]).toMatchObject({
      result: 'violations',
      'pages checked': '1',
      reprints: '1',
      violations: '1',
      'open now': '1',
    });
    expect(rows[1]).toEqual({
      site: 'market-news',
      'kind and licence': 'commerciallicensed from 2025-06-01',
      result: 'compliant',
      'pages checked': '4',
      failed: '0',
      reprints: '32 excerpts',
      violations: '0',
      'needs review': '0',
      'open now': '0',
      'contacted now': '0',
      resolved: '0',
    });
    // A site that reprints nothing was still checked: compliant, with its page count.
    expect(rows[2]).toMatchObject({
      site: 'quiet-site',
      'kind and licence': 'communityno licence',
      result: 'compliant',
      'pages checked': '1',
    });
    expect($('tr[data-site="market-news"]').attr('data-result')).toBe('compliant');
    expect($('#scan .coverage').text()).toBe('Checked 6 pages on 3 of 3 sites.');
    await db.close();
  });

  it('Markdown shows the compliant site with its counts', async () => {
    const { db } = await store();
    const $ = load(await marked.parse(renderMarkdown(await buildReport(db, { sites, notice, now }))));
    const table = $('h2')
      .filter((_index, element) => $(element).text() === 'Sites')
      .nextAll('table')
      .first();
    const rows = rowsOf($, table);
    expect(rows.map((row) => row.site)).toEqual(['Peace Blog (peace-blog)', 'market-news', 'quiet-site']);
    expect(rows[1]).toMatchObject({
      kind: 'commercial',
      licence: 'granted 2025-06-01 (L-77)',
      result: 'compliant',
      'pages checked': '4',
      reprints: '3',
      violations: '0',
    });
    await db.close();
  });

  it('JSON carries the per-site summary and the scan counts by site', async () => {
    const { db } = await store();
    const parsed = JSON.parse(renderJson(await buildReport(db, { sites, notice, now })));
    const market = parsed.bySite.find((site: { site: string }) => site.site === 'market-news');
    expect(market).toMatchObject({
      result: 'compliant',
      pages: 4,
      pagesChecked: 4,
      reprints: 3,
      full: 1,
      excerpts: 2,
      errors: 0,
    });
    expect(parsed.scan.counts.bySite['quiet-site']).toMatchObject({ pages: 1, reprints: 0 });
    expect(parsed.coverage).toMatchObject({ sites: 3, sitesChecked: 3, pagesChecked: 6, outage: false });
    await db.close();
  });

  it('a scan recorded before per-site counts still renders: its sites, counts unknown', async () => {
    const { db, scanId } = await store();
    const counts = JSON.parse(
      ((await db.get('SELECT counts FROM scans WHERE id = ?', [scanId])) as { counts: string }).counts,
    );
    delete counts.bySite;
    await db.run('UPDATE scans SET counts = ? WHERE id = ?', [JSON.stringify(counts), scanId]);
    const report = await buildReport(db, { sites, notice, now });
    expect(report.scan!.counts.bySite).toBeUndefined();

    const $ = load(renderHtml(report));
    const rows = rowsOf($, $('table.by-site'));
    expect(rows.map((row) => [row.result, row['pages checked'], row.violations])).toEqual([
      ['violations', '–', '1'],
      ['not counted', '–', '0'],
      ['not counted', '–', '0'],
    ]);
    expect($('#summary').text()).toContain('recorded before pages were counted per site');

    const md = load(await marked.parse(renderMarkdown(report)));
    expect(md('table').first().find('tr').length).toBe(4);
    expect(JSON.parse(renderJson(report)).bySite[1]).toMatchObject({ site: 'market-news', pages: null });
    await db.close();
  });
});
