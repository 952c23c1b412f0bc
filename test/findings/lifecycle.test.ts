import { expect, it } from 'vitest';
import {
  addNote,
  applyDeadlines,
  auditLog,
  finishScan,
  getFinding,
  getScan,
  latestScan,
  listFindings,
  newInScan,
  recordPageResults,
  resolvedInScan,
  SCAN_ACTOR,
  setDeadline,
  setStatus,
  startScan,
} from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import { describeEngines } from '../helpers/engines.ts';
import { linkViolation, page, sites } from './_pages.ts';

const day = (n: number) => new Date(Date.UTC(2026, 0, n, 3, 0, 0));
const A = 'https://peaceblog.example/2026/palmyra';
const B = 'https://peaceblog.example/2026/palmyra-copy';
const C = 'https://marketnews.example/world/palmyra';

describeEngines('findings across scans', (engine) => {
  it('opens, keeps, resolves (compliant and gone), quiets and reopens findings, with an audit log', async () => {
    const target = await engine.target();
    let db = await openSql(target);

    // Scan 1: three violating pages.
    const s1 = await startScan(db, { sites: ['peace-blog', 'market-news'], now: day(1) });
    const first = await recordPageResults(
      db,
      s1.id,
      [
        page(A, 'violation', { hash: 'a1' }),
        page(B, 'violation', { hash: 'b1' }),
        page(C, 'violation', { hash: 'c1', violations: [linkViolation({ rule: 'commercial-use' })] }),
        { url: 'https://peaceblog.example/about', status: 'no-match', matches: [] },
        { url: 'https://peaceblog.example/broken', status: 'error', error: 'timed out', matches: [] },
      ],
      { sites, now: day(1) },
    );
    await finishScan(db, s1.id, { now: day(1) });
    expect(first.new.map((finding) => finding.pageUrl).sort()).toEqual([A, B, C].sort());
    const scan1 = (await getScan(db, s1.id))!;
    expect(scan1.counts).toMatchObject({ pages: 5, reprints: 3, violations: 3, new: 3, errors: 1 });
    expect(scan1.errors).toEqual([{ url: 'https://peaceblog.example/broken', message: 'timed out' }]);
    const findingC = first.new.find((finding) => finding.pageUrl === C)!;
    expect(findingC.site).toBe('market-news');
    expect(findingC.evidence.site).toMatchObject({ kind: 'commercial', licence: { reference: 'L-42' } });
    expect(findingC.evidence.links.map((link) => link.href)).toContain('https://northwind.example/');

    // A person dismisses B and writes to A's site.
    const findingA = first.new.find((finding) => finding.pageUrl === A)!;
    const findingB = first.new.find((finding) => finding.pageUrl === B)!;
    await setStatus(db, findingB.id, 'dismissed', {
      who: 'maria',
      note: 'a quotation, fair use',
      now: day(2),
    });
    await setStatus(db, findingA.id, 'contacted', { who: 'maria', now: day(2) });
    await addNote(db, findingA.id, 'wrote to the editor', { who: 'maria', now: day(2) });
    await db.close();

    // Scan 2 (store reopened, as a new process would): A is compliant, C is gone, B unchanged.
    db = await openSql(target);
    const s2 = await startScan(db, { sites: ['peace-blog', 'market-news'], now: day(3) });
    const second = await recordPageResults(
      db,
      s2.id,
      [page(A, 'compliant', { hash: 'a2' }), page(B, 'violation', { hash: 'b1' })],
      {
        sites,
        now: day(3),
        gone: [C],
      },
    );
    await finishScan(db, s2.id, { now: day(3) });
    expect(second.new).toEqual([]);
    expect(second.quiet.map((finding) => finding.id)).toEqual([findingB.id]);
    expect(
      Object.fromEntries(second.resolved.map((finding) => [finding.pageUrl, finding.resolvedWhy])),
    ).toEqual({
      [A]: 'compliant',
      [C]: 'gone',
    });
    const a2 = (await getFinding(db, findingA.id))!;
    expect(a2).toMatchObject({
      status: 'resolved',
      resolvedWhy: 'compliant',
      resolvedAt: day(3).toISOString(),
    });
    expect(a2.firstSeen).toBe(day(1).toISOString());
    expect(a2.lastSeen).toBe(day(3).toISOString());
    expect(await getFinding(db, findingB.id)).toMatchObject({
      status: 'dismissed',
      lastSeen: day(3).toISOString(),
    });
    expect((await resolvedInScan(db, s2.id)).map((finding) => finding.pageUrl).sort()).toEqual([A, C].sort());
    expect(await newInScan(db, s2.id)).toEqual([]);
    expect(await newInScan(db, s1.id)).toHaveLength(3);

    // Scan 3: B's reprint changed, so the dismissed finding reopens; A violates again and reopens.
    const s3 = await startScan(db, { sites: ['peace-blog'], now: day(5) });
    const third = await recordPageResults(
      db,
      s3.id,
      [page(B, 'violation', { hash: 'b2' }), page(A, 'violation', { hash: 'a3' })],
      {
        sites,
        now: day(5),
      },
    );
    await finishScan(db, s3.id, { now: day(5) });
    expect(third.reopened.map((finding) => finding.pageUrl).sort()).toEqual([A, B].sort());
    expect((await getFinding(db, findingB.id))!.status).toBe('open');
    expect((await latestScan(db))!.id).toBe(s3.id);
    expect((await getScan(db, s3.id))!.counts).toMatchObject({ reopened: 2, new: 0 });
    expect((await newInScan(db, s3.id)).map((finding) => finding.pageUrl).sort()).toEqual([A, B].sort());

    // The audit log says who did what and when, people and scans alike.
    const logB = (await auditLog(db, findingB.id)).map(({ who, at, fromStatus, toStatus, note }) => ({
      who,
      at,
      fromStatus,
      toStatus,
      note,
    }));
    expect(logB).toEqual([
      {
        who: SCAN_ACTOR,
        at: day(1).toISOString(),
        fromStatus: null,
        toStatus: 'open',
        note: `first seen in scan ${s1.id}`,
      },
      {
        who: 'maria',
        at: day(2).toISOString(),
        fromStatus: 'open',
        toStatus: 'dismissed',
        note: 'a quotation, fair use',
      },
      {
        who: SCAN_ACTOR,
        at: day(5).toISOString(),
        fromStatus: 'dismissed',
        toStatus: 'open',
        note: `the reprint changed (scan ${s3.id})`,
      },
    ]);
    const logA = await auditLog(db, findingA.id);
    expect(logA.map((entry) => `${entry.who}:${entry.fromStatus}->${entry.toStatus}`)).toEqual([
      `${SCAN_ACTOR}:null->open`,
      'maria:open->contacted',
      'maria:contacted->contacted',
      `${SCAN_ACTOR}:contacted->resolved`,
      `${SCAN_ACTOR}:resolved->open`,
    ]);
    expect(logA[2]!.note).toBe('wrote to the editor');

    // The audit log cannot be rewritten.
    await expect(db.run('UPDATE audit SET who = ?', ['someone'])).rejects.toThrow(/append-only/);
    await expect(db.run('DELETE FROM audit')).rejects.toThrow(/append-only/);
    // PostgreSQL's TRUNCATE passes row triggers by: a trigger of its own refuses it.
    if (engine.engine === 'postgres') await expect(db.exec('TRUNCATE audit')).rejects.toThrow(/append-only/);
    await db.close();
  });

  it('keeps a licensed finding quiet while the reprint is unchanged, and a failing page changes nothing', async () => {
    const db = await engine.open();
    const s1 = await startScan(db, { sites: ['market-news'], now: day(1) });
    const [finding] = (
      await recordPageResults(db, s1.id, [page(C, 'violation', { hash: 'x' })], {
        sites,
        now: day(1),
      })
    ).new;
    await setStatus(db, finding!.id, 'licensed', { who: 'lee', note: 'licence L-42', now: day(1) });
    for (let n = 2; n < 5; n++) {
      const scan = await startScan(db, { sites: ['market-news'], now: day(n) });
      const outcome = await recordPageResults(
        db,
        scan.id,
        [page(C, 'violation', { hash: 'x' }), { url: A, status: 'error', error: 'reset', matches: [] }],
        { sites, now: day(n) },
      );
      expect(outcome.new).toEqual([]);
      expect(outcome.quiet).toHaveLength(1);
    }
    expect(await getFinding(db, finding!.id)).toMatchObject({
      status: 'licensed',
      lastSeen: day(4).toISOString(),
    });
    expect(await listFindings(db, { status: 'licensed' })).toHaveLength(1);
  });

  it('uses the matched passages as the reprint hash when the caller gives none', async () => {
    const db = await engine.open();
    const s1 = await startScan(db, { sites: [], now: day(1) });
    const [finding] = (await recordPageResults(db, s1.id, [page(A, 'violation')], { sites, now: day(1) }))
      .new;
    await setStatus(db, finding!.id, 'dismissed', { who: 'lee', now: day(1) });
    const s2 = await startScan(db, { sites: [], now: day(2) });
    expect(
      (await recordPageResults(db, s2.id, [page(A, 'violation')], { sites, now: day(2) })).quiet,
    ).toHaveLength(1);
    const changed = page(A, 'violation');
    changed.matches[0]!.passages[0]!.page = 'The ancient city was taken again this week, they say.';
    const s3 = await startScan(db, { sites: [], now: day(3) });
    expect((await recordPageResults(db, s3.id, [changed], { sites, now: day(3) })).reopened).toHaveLength(1);
  });

  it('treats a page that no longer reprints the article as gone, and refuses bad review input', async () => {
    const db = await engine.open();
    const s1 = await startScan(db, { sites: [], now: day(1) });
    const [finding] = (await recordPageResults(db, s1.id, [page(A, 'violation')], { sites, now: day(1) }))
      .new;
    const s2 = await startScan(db, { sites: [], now: day(2) });
    const outcome = await recordPageResults(db, s2.id, [{ url: A, status: 'no-match', matches: [] }], {
      sites,
      now: day(2),
    });
    expect(outcome.resolved.map((resolved) => [resolved.id, resolved.resolvedWhy])).toEqual([
      [finding!.id, 'gone'],
    ]);
    await expect(setStatus(db, finding!.id, 'bogus' as never, { who: 'x' })).rejects.toThrow(
      /unknown status/,
    );
    await expect(setStatus(db, finding!.id, 'open', { who: '  ' })).rejects.toThrow(/who/);
    await expect(setStatus(db, 9999, 'open', { who: 'x' })).rejects.toThrow(/no finding 9999/);
    await expect(addNote(db, finding!.id, '   ', { who: 'x' })).rejects.toThrow(/empty/);
    const reopened = await setStatus(db, finding!.id, 'open', { who: 'x' });
    expect(reopened).toMatchObject({ status: 'open', resolvedAt: null, resolvedWhy: null });
    const manual = await setStatus(db, finding!.id, 'resolved', { who: 'x', now: day(3) });
    expect(manual).toMatchObject({
      status: 'resolved',
      resolvedWhy: 'manual',
      resolvedAt: day(3).toISOString(),
    });
  });
});

describeEngines('deadlines', (engine) => {
  it('a scan after the deadline marks a contacted finding overdue, or resolves it if fixed', async () => {
    const db = await engine.open();
    const scanOn = async (n: number, pages: Parameters<typeof recordPageResults>[2]) => {
      const scan = await startScan(db, { sites: ['peace-blog', 'market-news'], now: day(n) });
      await recordPageResults(db, scan.id, pages, { sites, now: day(n) });
      const outcome = await applyDeadlines(db, scan.id, {
        sites: ['peace-blog', 'market-news'],
        now: day(n),
      });
      await finishScan(db, scan.id, { now: day(n) });
      return outcome;
    };
    await scanOn(1, [
      page(A, 'violation', { hash: 'a1' }),
      page(B, 'violation', { hash: 'b1' }),
      page(C, 'violation'),
    ]);
    const all = await listFindings(db);
    const [a, b, c] = [A, B, C].map((url) => all.find((finding) => finding.pageUrl === url)!);
    for (const finding of [a!, b!, c!])
      await setStatus(db, finding.id, 'contacted', { who: 'maria', now: day(2) });
    await setDeadline(db, a!.id, '2026-01-10', { who: 'maria', now: day(2) });
    await setDeadline(db, b!.id, '2026-01-10', { who: 'maria', now: day(2) });
    await expect(setDeadline(db, c!.id, '10 January', { who: 'maria' })).rejects.toThrow(/must be a day/);

    // Before the deadline: nothing happens.
    expect(
      await scanOn(8, [page(A, 'violation', { hash: 'a1' }), page(B, 'violation', { hash: 'b1' })]),
    ).toEqual({
      overdue: [],
      resolved: [],
    });
    expect(await getFinding(db, a!.id)).toMatchObject({
      status: 'contacted',
      deadline: '2026-01-10',
      overdueSince: null,
    });

    // After it: A is still violating (overdue), B was fixed (resolved), C has no deadline.
    const after = await scanOn(12, [
      page(A, 'violation', { hash: 'a1' }),
      page(B, 'compliant', { hash: 'b2' }),
      page(C, 'violation'),
    ]);
    expect(after.overdue.map((finding) => finding.id)).toEqual([a!.id]);
    expect(after.resolved.map((finding) => finding.id)).toEqual([b!.id]);
    expect(await getFinding(db, a!.id)).toMatchObject({
      status: 'contacted',
      overdueSince: day(12).toISOString(),
    });
    expect(await getFinding(db, b!.id)).toMatchObject({ status: 'resolved', resolvedWhy: 'compliant' });
    expect(await getFinding(db, c!.id)).toMatchObject({ status: 'contacted', overdueSince: null });
    const last = (await auditLog(db, a!.id)).at(-1)!;
    expect(last).toMatchObject({ who: SCAN_ACTOR, fromStatus: 'contacted', toStatus: 'contacted' });
    expect(last.note).toMatch(/overdue: the deadline 2026-01-10 has passed/);

    // Marked once; and a scan that could not see the page (not recorded) leaves it alone.
    expect((await scanOn(13, [page(A, 'violation', { hash: 'a1' })])).overdue).toEqual([]);
    expect((await scanOn(14, [])).overdue).toEqual([]);
    expect((await auditLog(db, a!.id)).filter((entry) => entry.note?.startsWith('overdue')).length).toBe(1);
  });
});
