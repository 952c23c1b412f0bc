import { join } from 'node:path';
import { load } from 'cheerio';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { finishScan, recordPageResults, startScan } from '../../src/findings/index.ts';
import {
  buildReport,
  loadNotices,
  renderCsv,
  renderHtml,
  renderJson,
  renderMarkdown,
} from '../../src/report/index.ts';
import { openStore } from '../../src/store/db.ts';
import { page, sites } from '../findings/_pages.ts';
import { tempDir } from '../helpers/tmp.ts';
import { parseCsv } from './_csv.ts';

/**
 * Reprints the checker could not judge (`uncertain`, with the rules it suspects and why) are shown
 * apart in every format as "needs review": never as violations, never counted as one, no notice.
 * Until the checker records them itself, the test writes the scan's observation as it will.
 */
const UNSURE = 'https://peaceblog.example/2026/unsure';
const BAD = 'https://peaceblog.example/2026/bad';

function report() {
  const db = openStore(join(tempDir(), 'store.sqlite'));
  const scan = startScan(db, { sites: ['peace-blog'] });
  recordPageResults(db, scan.id, [page(UNSURE, 'violation'), page(BAD, 'violation')], { sites });
  const unsure = db.prepare('SELECT id, evidence FROM findings WHERE page_url = ?').get(UNSURE) as {
    id: number;
    evidence: string;
  };
  const evidence = {
    ...JSON.parse(unsure.evidence),
    suspected: [{ rule: 'source-attribution', message: 'the credit may be in a region loaded by a script' }],
    reason: 'the post’s bounds are ambiguous',
  };
  db.prepare('UPDATE findings SET evidence = ? WHERE id = ?').run(JSON.stringify(evidence), unsure.id);
  db.prepare("UPDATE observations SET verdict = 'uncertain' WHERE finding_id = ? AND scan_id = ?").run(
    unsure.id,
    scan.id,
  );
  finishScan(db, scan.id);
  const built = buildReport(db, { sites, notice: loadNotices('rules') });
  db.close();
  return built;
}

describe('needs review', () => {
  it('the model keeps uncertain reprints apart from violations, without a notice', () => {
    const data = report();
    expect(data.violations.map((finding) => finding.pageUrl)).toEqual([BAD]);
    expect(data.needsReview.map((finding) => finding.pageUrl)).toEqual([UNSURE]);
    expect(data.needsReview[0]).toMatchObject({ notice: '', noticeKind: null });
    expect(data.bySite[0]).toMatchObject({ site: 'peace-blog', violations: 1, needsReview: 1 });
    expect(JSON.parse(renderJson(data)).needsReview[0].evidence.reason).toBe(
      'the post’s bounds are ambiguous',
    );
  });

  it('HTML: its own section with the suspected rules and the reason, and no notice', () => {
    const $ = load(renderHtml(report()));
    expect($('#violations article.finding').length).toBe(1);
    const review = $('#review article.finding');
    expect(review.length).toBe(1);
    expect(review.find('.badge.review').text()).toBe('needs review');
    expect(review.find('.suspected li').text()).toBe(
      'source-attribution: the credit may be in a region loaded by a script',
    );
    expect(review.find('.reason').text()).toBe('the post’s bounds are ambiguous');
    expect(review.find('pre.notice, details').length).toBe(0);
    expect($('tr[data-site="peace-blog"] td').eq(9).text()).toBe('1');
  });

  it('Markdown and CSV: apart, never among the violations', async () => {
    const data = report();
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
