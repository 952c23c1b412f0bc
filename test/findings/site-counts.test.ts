import { expect, it } from 'vitest';
import type { ReprintMatch } from '../../src/check/result.ts';
import {
  finishScan,
  getScan,
  recordPageResults,
  type ScannedPage,
  startScan,
  UNREGISTERED_SITE,
} from '../../src/findings/index.ts';
import { describeEngines } from '../helpers/engines.ts';
import { page, sites } from './_pages.ts';

const now = new Date('2026-01-10T03:00:00Z');

function excerpt(url: string, verdict: 'compliant' | 'violation'): ScannedPage {
  const result = page(url, verdict);
  result.matches = result.matches.map((item): ReprintMatch => ({ ...item, kind: 'excerpt', coverage: 0.2 }));
  return result;
}

describeEngines('per-site counts of a scan', (engine) => {
  it('counts every site checked, the compliant ones too, across batches', async () => {
    const db = await engine.open();
    const scan = await startScan(db, { sites: ['peace-blog', 'market-news'], now });
    const first = await recordPageResults(
      db,
      scan.id,
      [
        page('https://peaceblog.example/2026/palmyra', 'violation'),
        page('https://peaceblog.example/2026/other', 'compliant'),
        { url: 'https://peaceblog.example/about', status: 'no-match', matches: [] },
        page('https://marketnews.example/world/palmyra', 'compliant'),
      ],
      { sites, now },
    );
    expect(first.new).toHaveLength(1);
    // A second batch of the same scan adds to the counts; `site` on the result wins over the URL.
    await recordPageResults(
      db,
      scan.id,
      [
        excerpt('https://marketnews.example/brief/palmyra', 'compliant'),
        { url: 'https://marketnews.example/slow', status: 'error', error: 'timed out', matches: [] },
        { ...page('https://mirror.example/palmyra', 'compliant'), site: 'market-news' },
        page('https://elsewhere.example/copy', 'violation'),
      ],
      { sites, now },
    );
    const finished = await finishScan(db, scan.id, { now });
    expect(finished.counts).toMatchObject({
      pages: 8,
      reprints: 6,
      compliant: 4,
      violations: 2,
      errors: 1,
      new: 2,
    });
    expect(finished.counts.bySite).toEqual({
      'peace-blog': {
        pages: 3,
        reprints: 2,
        full: 2,
        excerpts: 0,
        compliant: 1,
        violations: 1,
        uncertain: 0,
        errors: 0,
      },
      'market-news': {
        pages: 4,
        reprints: 3,
        full: 2,
        excerpts: 1,
        compliant: 3,
        violations: 0,
        uncertain: 0,
        errors: 1,
      },
      [UNREGISTERED_SITE]: {
        pages: 1,
        reprints: 1,
        full: 1,
        excerpts: 0,
        compliant: 0,
        violations: 1,
        uncertain: 0,
        errors: 0,
      },
    });
    // The per-site counts add up to the scan's.
    const sum = (key: 'pages' | 'reprints' | 'compliant' | 'violations') =>
      Object.values(finished.counts.bySite!).reduce((total, site) => total + site[key], 0);
    expect([sum('pages'), sum('reprints'), sum('compliant'), sum('violations')]).toEqual([8, 6, 4, 2]);
  });

  it('loads a scan recorded before per-site counts, and counts from there on', async () => {
    const db = await engine.open();
    const scan = await startScan(db, { sites: ['peace-blog'], now });
    const oldCounts = {
      pages: 3,
      reprints: 1,
      compliant: 0,
      violations: 1,
      errors: 0,
      new: 1,
      reopened: 0,
      resolved: 0,
      quiet: 0,
    };
    await db.run('UPDATE scans SET counts = ? WHERE id = ?', [JSON.stringify(oldCounts), scan.id]);
    const old = (await getScan(db, scan.id))!;
    // A counter added since (uncertain) reads as 0 on an old scan.
    expect(old.counts).toEqual({ ...oldCounts, uncertain: 0 });
    expect(old.counts.bySite).toBeUndefined();
    await recordPageResults(
      db,
      scan.id,
      [{ ...page('https://peaceblog.example/x', 'compliant'), matches: [] }],
      {
        sites,
        now,
      },
    );
    await recordPageResults(db, scan.id, [{ ...page('https://peaceblog.example/y', 'compliant') }], {
      sites,
      now,
    });
    expect((await getScan(db, scan.id))!.counts).toMatchObject({
      pages: 5,
      reprints: 2,
      compliant: 1,
      bySite: {
        'peace-blog': {
          pages: 2,
          reprints: 1,
          full: 1,
          excerpts: 0,
          compliant: 1,
          violations: 0,
          uncertain: 0,
          errors: 0,
        },
      },
    });
  });
});
