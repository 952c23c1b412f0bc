import { join } from 'node:path';
import { load } from 'cheerio';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import type { ReprintMatch } from '../../src/check/result.ts';
import {
  finishScan,
  getScan,
  listFindings,
  recordPageResults,
  type ScannedPage,
  startScan,
} from '../../src/findings/index.ts';
import {
  buildReport,
  loadNotices,
  renderCsv,
  renderHtml,
  renderJson,
  renderMarkdown,
} from '../../src/report/index.ts';
import { openSql } from '../../src/store/db.ts';
import { page, sites } from '../findings/_pages.ts';
import { tempDir } from '../helpers/tmp.ts';
import { parseCsv } from './_csv.ts';

/**
 * Reprints the checker could not judge (`uncertain`, with the rules it suspects and why) are shown
 * apart in every format as "needs review": never as violations, never counted as one, no notice.
 * Here a page with an open finding is judged `uncertain` by the next scan: the finding keeps its
 * status, and the scan's report shows the page for review.
 */
const UNSURE = 'https://peaceblog.example/2026/unsure';
const BAD = 'https://peaceblog.example/2026/bad';

function uncertain(url: string): ScannedPage {
  const result = page(url, 'compliant');
  const [first] = result.matches;
  result.matches = [
    {
      ...first!,
      verdict: 'uncertain' as ReprintMatch['verdict'],
      suspected: [
        {
          rule: 'source-attribution',
          messageId: 'hidden',
          message: 'the credit may be in a region loaded by a script',
          evidence: '',
          reason: 'a script fills the credit box',
        },
      ],
      reason: 'the post’s bounds are ambiguous',
    } as ReprintMatch,
  ];
  return result;
}

async function report() {
  const db = await openSql(join(tempDir(), 'store.sqlite'));
  const first = await startScan(db, { sites: ['peace-blog'] });
  await recordPageResults(db, first.id, [page(UNSURE, 'violation'), page(BAD, 'violation')], { sites });
  await finishScan(db, first.id);
  const second = await startScan(db, { sites: ['peace-blog'] });
  const outcome = await recordPageResults(db, second.id, [uncertain(UNSURE), page(BAD, 'violation')], {
    sites,
  });
  expect(outcome.uncertain.map((finding) => finding.pageUrl)).toEqual([UNSURE]);
  expect(outcome.resolved).toEqual([]);
  await finishScan(db, second.id);
  const unsure = (await listFindings(db)).find((finding) => finding.pageUrl === UNSURE)!;
  // Not a fix and not a violation: the finding stays open, as the person left it.
  expect(unsure).toMatchObject({ status: 'open', lastScan: second.id });
  expect((await getScan(db, second.id))!.counts).toMatchObject({ uncertain: 1, violations: 1 });
  const built = await buildReport(db, { sites, notice: loadNotices('rules') });
  await db.close();
  return built;
}

describe('needs review', () => {
  it('the model keeps uncertain reprints apart from violations, without a notice', async () => {
    const data = await report();
    expect(data.violations.map((finding) => finding.pageUrl)).toEqual([BAD]);
    expect(data.needsReview.map((finding) => finding.pageUrl)).toEqual([UNSURE]);
    expect(data.needsReview[0]).toMatchObject({ notice: '', noticeKind: null });
    expect(data.bySite[0]).toMatchObject({ site: 'peace-blog', violations: 1, needsReview: 1 });
    expect(JSON.parse(renderJson(data)).needsReview[0].evidence.reason).toBe(
      'the post’s bounds are ambiguous',
    );
  });

  it('HTML: its own section with the suspected rules and the reason, and no notice', async () => {
    const $ = load(renderHtml(await report()));
    expect($('#violations article.finding').length).toBe(1);
    const review = $('#review article.finding');
    expect(review.length).toBe(1);
    expect(review.find('.badge.review').text()).toBe('needs review');
    expect(review.find('.suspected li').text()).toBe(
      'source-attribution: the credit may be in a region loaded by a script (a script fills the credit box)',
    );
    expect(review.find('p.reason').text()).toBe('the post’s bounds are ambiguous');
    expect(review.find('pre.notice, details').length).toBe(0);
    expect($('tr[data-site="peace-blog"] td').eq(7).text()).toBe('1');
  });

  it('Markdown and CSV: apart, never among the violations', async () => {
    const data = await report();
    const $ = load(await marked.parse(renderMarkdown(data)));
    const section = (name: string) =>
      $('h2')
        .filter((_index, element) => $(element).text() === name)
        .nextUntil('h2');
    expect(section('Violations').filter('h3').length).toBe(1);
    expect(section('Needs review').filter('h3').length).toBe(1);
    expect(section('Needs review').text()).toContain(UNSURE);
    expect(section('Needs review').text()).toContain('Suspected: source-attribution');
    expect(section('Needs review').text()).not.toContain('Notice draft');

    const [header, ...rows] = parseCsv(renderCsv(data));
    const at = (row: string[], name: string) => row[header!.indexOf(name)];
    const unsure = rows.find((row) => at(row, 'page_url') === UNSURE)!;
    expect([
      at(unsure, 'record'),
      at(unsure, 'verdict'),
      at(unsure, 'rules'),
      at(unsure, 'suspected'),
    ]).toEqual(['review', 'uncertain', '', 'source-attribution']);
  });
});
