import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadTerms } from '../../src/check/terms.ts';
import { loadAlerts } from '../../src/config/alerts.ts';
import { loadSites } from '../../src/config/sites.ts';
import { runScan } from '../../src/scan/scan.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { tempDir } from '../helpers/tmp.ts';
import { articles, etagOf, reprint, republisherOfFile, scanSetup } from './_republisher.ts';

/** A page that did not change since the last scan is not judged again. */
const site = republisherOfFile('steady');

withoutScreenshots();

describe('a rescan of unchanged pages', () => {
  it('asks with the ETag, gets 304, reuses the judgement; a changed page alone is judged again', async () => {
    const { store, rules, argv } = await scanSetup([site]);
    site.pages.set('/one/', { body: reprint(articles['nw-481']!, 'home-only') });
    site.pages.set('/two/', { body: reprint(articles['nw-455']!, 'proper') });
    site.pages.set('/three/', { body: reprint(articles['nw-470']!, 'proper') });
    const config = () => ({ sites: loadSites(rules), terms: loadTerms(rules), alerts: loadAlerts(rules) });

    const db = await openSql(store);
    const first = await runScan(db, config());
    expect(first).toMatchObject({ judged: 3, reused: 0, openViolations: 1 });
    expect(first.newViolations.map((finding) => finding.pageUrl)).toEqual([site.url('/one/')]);
    const pageRequests = () =>
      site.requests.filter((request) => request.path !== '/robots.txt' && request.path !== '/sitemap.xml');
    expect(pageRequests().every((request) => request.ifNoneMatch === undefined)).toBe(true);

    site.requests.length = 0;
    const second = await runScan(db, config());
    expect(second).toMatchObject({ judged: 0, reused: 3, openViolations: 1 });
    expect(second.newViolations).toEqual([]);
    expect(second.crawl.notModified).toBe(3);
    // Each page was asked for with the ETag it had, and answered 304 Not Modified.
    expect(
      pageRequests()
        .map((request) => [request.path, request.ifNoneMatch, request.status])
        .sort(),
    ).toEqual(['/one/', '/three/', '/two/'].map((path) => [path, etagOf(site.pages.get(path)!.body), 304]));
    // The reused judgement still counts: the finding was seen again in scan 2.
    const seen = await db.all('SELECT last_scan, status FROM findings');
    expect(seen).toEqual([{ last_scan: second.scan.id, status: 'open' }]);
    expect(second.scan.counts).toMatchObject({ pages: 3, reprints: 3, violations: 1, compliant: 2 });

    // One page changes: it alone is fetched in full and judged again.
    site.pages.set('/two/', { body: reprint(articles['nw-455']!, 'no-copyright') });
    site.requests.length = 0;
    const third = await runScan(db, config());
    expect(third).toMatchObject({ judged: 1, reused: 2, openViolations: 2 });
    expect(third.newViolations.map((finding) => finding.pageUrl)).toEqual([site.url('/two/')]);
    expect(pageRequests().find((request) => request.path === '/two/')?.status).toBe(200);
    await db.close();

    // The command line says the same: nothing judged, everything unchanged.
    const cli = await runCli([...argv, 'scan']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/3 pages checked \(0 judged, 3 unchanged\)/);
  });

  it('judges every page again when the terms change', async () => {
    const { rules, argv } = await scanSetup([site]);
    site.pages.clear();
    site.pages.set('/one/', { body: reprint(articles['nw-481']!, 'proper') });
    expect((await runCli([...argv, 'scan'])).stdout).toMatch(/\(1 judged, 0 unchanged\)/);
    expect((await runCli([...argv, 'scan'])).stdout).toMatch(/\(0 judged, 1 unchanged\)/);
    appendFileSync(`${rules}/terms.yaml`, '\n# a comment changes nothing\n');
    expect((await runCli([...argv, 'scan'])).stdout).toMatch(/\(0 judged, 1 unchanged\)/);
    writeFileSync(
      `${rules}/terms.yaml`,
      readFileSync(`${rules}/terms.yaml`, 'utf8').replace('excerptBelow: 0.3', 'excerptBelow: 0.25'),
    );
    expect((await runCli([...argv, 'scan'])).stdout).toMatch(/\(1 judged, 0 unchanged\)/);
  });
});

describe('a new version of the judging code', () => {
  it('judges unchanged pages again', async () => {
    // A copy of the program whose rule code the test can change, run as separate processes (three
    // cold starts of tsx: slow on a busy machine, hence the long timeout, a guard against a hang).
    const repo = join(import.meta.dirname, '..', '..');
    const copy = tempDir();
    cpSync(join(repo, 'src'), join(copy, 'src'), { recursive: true });
    cpSync(join(repo, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'));
    const { argv } = await scanSetup([site]);
    site.pages.clear();
    site.pages.set('/one/', { body: reprint(articles['nw-481']!, 'proper') });
    // Not execFileSync: the test's site answers from this process's event loop.
    const scan = async () =>
      (
        await promisify(execFile)(process.execPath, [join(copy, 'src', 'cli', 'bin.js'), ...argv, 'scan'], {
          encoding: 'utf8',
          env: { ...process.env, SYNDICATE_LOG_LEVEL: 'silent' },
        }).catch((error: { stdout: string; code: number }) => {
          // Exit code 1 (violations) rejects; the output is what the test reads.
          return { stdout: error.stdout };
        })
      ).stdout;
    expect(await scan()).toMatch(/\(1 judged, 0 unchanged\)/);
    expect(await scan()).toMatch(/\(0 judged, 1 unchanged\)/);
    appendFileSync(join(copy, 'src', 'check', 'rules', 'link-to-original.ts'), '\n// fixed\n');
    expect(await scan()).toMatch(/\(1 judged, 0 unchanged\)/);
  }, 60_000);
});
