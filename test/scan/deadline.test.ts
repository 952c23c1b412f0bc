import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { auditLog, getFinding, SCAN_ACTOR, setDeadline, setStatus } from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { articles, findingsOf, reprint, republisherOfFile, scanSetup } from './_republisher.ts';

/**
 * A contacted finding with a deadline, through real scans of a site on 127.0.0.1: the scan after
 * the deadline finds the reprint still violating and marks it overdue (the summary and the report
 * say so); once the site fixes it, the next scan resolves it.
 */
const site = republisherOfFile('civic');

withoutScreenshots();

describe('a deadline for a contacted site', () => {
  it('is overdue after the day if the reprint still violates, and resolved once fixed', async () => {
    const { store, argv } = await scanSetup([site]);
    const article = articles['nw-481']!;
    site.pages.set('/a/', { body: reprint(article, 'home-only') });
    expect((await runCli([...argv, 'scan'])).code).toBe(1);
    const id = (await findingsOf(store)).get(site.url('/a/'))!.id;
    const db = await openSql(store);
    await setStatus(db, id, 'contacted', { who: 'maria', note: 'wrote to the editor' });
    // A day already past: the next scan is after the deadline.
    await setDeadline(db, id, '2026-01-10', { who: 'maria' });
    await db.close();

    const late = await runCli([...argv, 'scan']);
    expect(late.code, late.stderr).toBe(1);
    expect(late.stdout).toMatch(/overdue:\s+1 contacted past their deadline/);
    const check = await openSql(store);
    expect(await getFinding(check, id)).toMatchObject({ status: 'contacted', deadline: '2026-01-10' });
    expect((await getFinding(check, id))!.overdueSince).not.toBeNull();
    expect((await auditLog(check, id)).at(-1)).toMatchObject({ who: SCAN_ACTOR, toStatus: 'contacted' });
    await check.close();
    const html = load((await runCli([...argv, 'report', '--format', 'html'])).stdout);
    expect(html(`#finding-${id} .badge.overdue`).text()).toBe('overdue since 2026-01-10');

    site.pages.set('/a/', { body: reprint(article, 'proper') });
    const fixed = await runCli([...argv, 'scan']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/fixed after a deadline: 1/);
    expect((await findingsOf(store)).get(site.url('/a/'))).toMatchObject({
      status: 'resolved',
      resolved_why: 'compliant',
    });
  }, 120_000); // several scans, each capturing evidence in Chromium: slow on a busy machine
});
