/**
 * An uncertain reprint is recorded so a person can review it, but it never counts as a violation,
 * never alerts (it is not among the new violations) and never reopens or resolves a finding.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScannedPage } from '../../src/findings/index.ts';
import { finishScan, getFinding, getScan, recordPageResults, startScan } from '../../src/findings/index.ts';
import { openStore } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';
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

describe('uncertain reprints', () => {
  it('are recorded for review as uncertain findings, never as violations or alerts', () => {
    const db = openStore(join(tempDir(), 'store.sqlite'));
    const s1 = startScan(db, { sites: ['peace-blog'], now: day(1) });
    const first = recordPageResults(db, s1.id, [uncertain(A), page(B, 'violation', { hash: 'b1' })], {
      sites,
      now: day(1),
    });
    finishScan(db, s1.id, { now: day(1) });
    expect(first.new.map((finding) => finding.pageUrl)).toEqual([B]);
    expect(first.uncertain.map((finding) => finding.pageUrl)).toEqual([A]);
    const finding = getFinding(db, first.uncertain[0]!.id)!;
    expect(finding.verdict).toBe('uncertain');
    expect(finding.violations).toEqual([]);
    expect(finding.evidence.suspected?.map((entry) => entry.rule)).toEqual(['source-attribution']);
    expect(finding.evidence.reason).toMatch(/bounds/);
    expect(getScan(db, s1.id)!.counts).toMatchObject({ reprints: 2, violations: 1, uncertain: 1 });

    // The violation of B turns uncertain: the finding is kept open, not resolved, not reopened.
    const s2 = startScan(db, { sites: ['peace-blog'], now: day(2) });
    const second = recordPageResults(db, s2.id, [uncertain(A), uncertain(B)], { sites, now: day(2) });
    finishScan(db, s2.id, { now: day(2) });
    expect(second.new).toEqual([]);
    expect(second.reopened).toEqual([]);
    expect(second.resolved).toEqual([]);
    const b = getFinding(db, first.new[0]!.id)!;
    expect(b.status).toBe('open');
    expect(b.verdict).toBe('uncertain');
    expect(getScan(db, s2.id)!.counts).toMatchObject({ violations: 0, uncertain: 2 });
    db.close();
  });
});
