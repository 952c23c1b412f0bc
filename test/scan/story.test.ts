import { describe, expect, it } from 'vitest';
import { auditLog, SCAN_ACTOR, setStatus } from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { articles, findingsOf, reprint, republisherOfFile, rulesOf, scanSetup } from './_republisher.ts';

/**
 * The life of findings across real scans of a site on 127.0.0.1, driven through the command line:
 * a violation is found, the site fixes its credit and the finding is resolved; pages that
 * disappear are resolved as gone; what a person dismissed stays dismissed until the reprint changes.
 */
const site = republisherOfFile('civic');

const a = articles['nw-481']!;
const b = articles['nw-455']!;
const c = articles['nw-470']!;
const d = articles['nw-390']!;
const e = articles['ledger-77']!;

withoutScreenshots();

describe('two scans of a republisher', () => {
  it('opens, resolves (compliant and gone), keeps dismissed findings quiet and reopens them on change', async () => {
    const { store, argv } = await scanSetup([site]);
    // Every page but /ok/ links to the publisher's home page instead of the original article.
    site.pages.set('/fixed/', { body: reprint(a, 'home-only') });
    site.pages.set('/taken-down/', { body: reprint(b, 'home-only') });
    site.pages.set('/unlisted/', { body: reprint(c, 'home-only') });
    site.pages.set('/dismissed/', { body: reprint(d, 'home-only') });
    site.pages.set('/kept/', { body: reprint(e, 'no-copyright') });
    site.pages.set('/about/', {
      body: '<html><body><p>We are a small community site about our town.</p></body></html>',
    });

    const scan1 = await runCli([...argv, 'scan']);
    expect(scan1.code, scan1.stderr).toBe(1);
    expect(scan1.stdout).toMatch(/new violations:\s+5/);
    const after1 = await findingsOf(store);
    expect([...after1.keys()].sort()).toEqual(
      ['/dismissed/', '/fixed/', '/kept/', '/taken-down/', '/unlisted/'].map(site.url).sort(),
    );
    for (const row of after1.values()) {
      expect(row).toMatchObject({ status: 'open', verdict: 'violation', first_scan: 1, last_scan: 1 });
      expect(row.first_seen).toBe(row.last_seen);
    }
    expect(rulesOf(after1.get(site.url('/fixed/')))).toEqual(['link-to-original']);
    expect(rulesOf(after1.get(site.url('/kept/')))).toEqual(['copyright-notice']);

    // A rights manager dismisses one; the site fixes one credit, takes one page down (still in the
    // sitemap, now 404), removes another from the sitemap and takes it down, and unlists a fourth
    // that it keeps serving unchanged.
    const dismissed = after1.get(site.url('/dismissed/'))!;
    const db = await openSql(store);
    await setStatus(db, dismissed.id, 'dismissed', {
      who: 'maria',
      note: 'the editor asked us to let it be',
    });
    await db.close();
    site.pages.set('/fixed/', { body: reprint(a, 'proper') });
    site.pages.set('/taken-down/', { body: '', status: 404 });
    site.pages.set('/unlisted/', { body: '', status: 404, listed: false });
    site.pages.set('/kept/', { body: reprint(e, 'no-copyright'), listed: false });

    const scan2 = await runCli([...argv, 'scan']);
    expect(scan2.code, scan2.stderr).toBe(1);
    expect(scan2.stdout).toMatch(/new violations:\s+0/);
    expect(scan2.stdout).toMatch(/resolved:\s+3/);
    expect(scan2.stdout).toMatch(/revisited:\s+2 pages with open findings/);
    const after2 = await findingsOf(store);

    const fixed = after2.get(site.url('/fixed/'))!;
    expect(fixed).toMatchObject({ status: 'resolved', resolved_why: 'compliant', verdict: 'compliant' });
    expect(fixed).toMatchObject({
      first_scan: 1,
      last_scan: 2,
      first_seen: after1.get(fixed.page_url)!.first_seen,
    });
    expect(fixed.last_seen > fixed.first_seen).toBe(true);

    for (const path of ['/taken-down/', '/unlisted/']) {
      const gone = after2.get(site.url(path))!;
      expect(gone, path).toMatchObject({ status: 'resolved', resolved_why: 'gone', last_scan: 2 });
      // Gone pages were not seen in scan 2: last seen stays at scan 1.
      expect(gone.last_seen).toBe(gone.first_seen);
    }
    // Unlisted but still there: fetched directly, still violating, still open.
    expect(after2.get(site.url('/kept/'))).toMatchObject({ status: 'open', last_scan: 2 });
    // The page a person dismissed is unchanged: it stays dismissed.
    expect(after2.get(site.url('/dismissed/'))).toMatchObject({ status: 'dismissed', last_scan: 2 });
    // The unlisted page was asked for although no sitemap names it.
    expect(site.requests.filter((request) => request.path === '/unlisted/').map((r) => r.status)).toEqual([
      200, 404,
    ]);

    // The dismissed reprint changes (still without a link to the original): it reopens. The kept
    // page gets its copyright line.
    site.pages.set('/dismissed/', {
      body: reprint(d, 'home-only', '<p>Update: the strike ended on Monday, our correspondent writes.</p>'),
    });
    site.pages.set('/kept/', { body: reprint(e, 'proper'), listed: false });
    const scan3 = await runCli([...argv, 'scan']);
    expect(scan3.code, scan3.stderr).toBe(1);
    const after3 = await findingsOf(store);
    expect(after3.get(site.url('/dismissed/'))).toMatchObject({ status: 'open', last_scan: 3 });
    expect(after3.get(site.url('/kept/'))).toMatchObject({ status: 'resolved', resolved_why: 'compliant' });

    // Last, the reopened page is fixed too: no violation is open, the scan exits 0.
    site.pages.set('/dismissed/', { body: reprint(d, 'proper') });
    const scan4 = await runCli([...argv, 'scan']);
    expect(scan4.code, scan4.stderr).toBe(0);
    expect(scan4.stdout).toMatch(/open violations:\s+0/);
    const after4 = await findingsOf(store);
    for (const row of after4.values()) expect(row.status, row.page_url).toBe('resolved');

    const check = await openSql(store);
    const trail = async (path: string) =>
      (await auditLog(check, after4.get(site.url(path))!.id)).map((entry) => [
        entry.who,
        entry.fromStatus,
        entry.toStatus,
      ]);
    expect(await trail('/fixed/')).toEqual([
      [SCAN_ACTOR, null, 'open'],
      [SCAN_ACTOR, 'open', 'resolved'],
    ]);
    expect(await trail('/unlisted/')).toEqual([
      [SCAN_ACTOR, null, 'open'],
      [SCAN_ACTOR, 'open', 'resolved'],
    ]);
    expect(await trail('/dismissed/')).toEqual([
      [SCAN_ACTOR, null, 'open'],
      ['maria', 'open', 'dismissed'],
      [SCAN_ACTOR, 'dismissed', 'open'],
      [SCAN_ACTOR, 'open', 'resolved'],
    ]);
    const notes = (await auditLog(check, after4.get(site.url('/unlisted/'))!.id)).map((entry) => entry.note);
    expect(notes[1]).toMatch(/gone/);
    const reopened = (await auditLog(check, dismissed.id))[2]!;
    expect(reopened.note).toMatch(/changed/);
    const scans = (await check.all('SELECT id, finished FROM scans ORDER BY id')) as Array<{
      id: number;
      finished: string | null;
    }>;
    expect(scans.map((scan) => scan.id)).toEqual([1, 2, 3, 4]);
    expect(scans.every((scan) => scan.finished !== null)).toBe(true);
    await check.close();
    // Each scan that finds a new or changed violation photographs it in Chromium.
  }, 120_000);
});
