import { expect, it } from 'vitest';
import type { ScannedPage } from '../../src/findings/index.ts';
import { finishScan, getFinding, getScan, recordPageResults, startScan } from '../../src/findings/index.ts';
import { describeEngines } from '../helpers/engines.ts';
import { linkViolation, page, sites } from './_pages.ts';

const day = (n: number) => new Date(Date.UTC(2026, 0, n, 3, 0, 0));
const A = 'https://peaceblog.example/2026/palmyra';
const B = 'https://peaceblog.example/2026/palmyra-copy';

function uncertain(url: string): ScannedPage {
  const base = page(url, 'compliant', { hash: 'u1' });
  const [match] = base.matches;
  const suspected = {
    ...linkViolation({ rule: 'source-attribution' }),
    reason: 'the post’s bounds are unclear',
  };
  return {
    ...base,
    matches: [
      {
        ...match!,
        verdict: 'uncertain',
        violations: [],
        suspected: [suspected],
        reason: 'the post’s bounds are unclear',
      },
    ],
  };
}

describeEngines('uncertain reprints', (engine) => {
  it('are recorded for review as uncertain findings, never as violations or alerts', async () => {
    const db = await engine.open();
    const s1 = await startScan(db, { sites: ['peace-blog'], now: day(1) });
    const first = await recordPageResults(db, s1.id, [uncertain(A), page(B, 'violation', { hash: 'b1' })], {
      sites,
      now: day(1),
    });
    await finishScan(db, s1.id, { now: day(1) });
    expect(first.new.map((finding) => finding.pageUrl)).toEqual([B]);
    expect(first.uncertain.map((finding) => finding.pageUrl)).toEqual([A]);
    const finding = (await getFinding(db, first.uncertain[0]!.id))!;
    expect(finding.verdict).toBe('uncertain');
    expect(finding.violations).toEqual([]);
    expect(finding.evidence.suspected?.map((entry) => entry.rule)).toEqual(['source-attribution']);
    expect(finding.evidence.reason).toMatch(/bounds/);
    expect((await getScan(db, s1.id))!.counts).toMatchObject({ reprints: 2, violations: 1, uncertain: 1 });

    // The violation of B turns uncertain: the finding is kept open, not resolved, not reopened.
    const s2 = await startScan(db, { sites: ['peace-blog'], now: day(2) });
    const second = await recordPageResults(db, s2.id, [uncertain(A), uncertain(B)], { sites, now: day(2) });
    await finishScan(db, s2.id, { now: day(2) });
    expect(second.new).toEqual([]);
    expect(second.reopened).toEqual([]);
    expect(second.resolved).toEqual([]);
    const b = (await getFinding(db, first.new[0]!.id))!;
    expect(b.status).toBe('open');
    expect(b.verdict).toBe('uncertain');
    expect((await getScan(db, s2.id))!.counts).toMatchObject({ violations: 0, uncertain: 2 });
  });
});
