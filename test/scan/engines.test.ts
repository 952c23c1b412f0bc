import { expect, it } from 'vitest';
import { queueSchemaOf } from '../../src/queue/queue.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { describeEngines } from '../helpers/engines.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { articles, findingsOf, reprint, republisherOfFile, rulesOf, scanSetup } from './_republisher.ts';

/**
 * `syndicate scan` end to end on either engine, as a user runs it (`--store` a SQLite file or a
 * postgres:// URL): the same findings, the same review and the same report.
 */

const site = republisherOfFile('engines');

withoutScreenshots();

describeEngines('syndicate scan on a store', (engine) => {
  it('records the same findings, takes a review and reports them', { timeout: 120_000 }, async () => {
    const { store, argv } = await scanSetup([site], {}, await engine.target());
    site.pages.clear();
    site.pages.set('/home-only/', { body: reprint(articles['nw-481']!, 'home-only') });
    site.pages.set('/no-copyright/', { body: reprint(articles['ledger-77']!, 'no-copyright') });
    site.pages.set('/proper/', { body: reprint(articles['nw-455']!, 'proper') });

    const scan = await runCli([...argv, 'scan']);
    expect(scan.code, scan.stderr).toBe(1);
    expect(scan.stdout).toMatch(/new violations:\s+2/);
    if (engine.engine === 'postgres') {
      // On PostgreSQL the site was crawled as a job of the store's queue (this process took it:
      // no worker runs here), beside the store in its own schema.
      const sql = await openSql(store);
      const jobs = await sql.all<{ site: string; state: string }>(
        `SELECT data->>'siteId' AS site, state::text AS state FROM ${queueSchemaOf(store)}.job WHERE name = 'syndicate-site'`,
      );
      await sql.close();
      expect(jobs).toEqual([{ site: site.id, state: 'completed' }]);
    }
    const found = await findingsOf(store);
    expect([...found.keys()].sort()).toEqual([site.url('/home-only/'), site.url('/no-copyright/')].sort());
    expect(rulesOf(found.get(site.url('/home-only/')))).toEqual(['link-to-original']);
    expect(rulesOf(found.get(site.url('/no-copyright/')))).toEqual(['copyright-notice']);

    const id = String(found.get(site.url('/home-only/'))!.id);
    const set = await runCli([...argv, 'findings', 'set', id, '--status', 'contacted', '--who', 'maria']);
    expect(set.code, set.stderr).toBe(0);
    // A second scan sees the same pages: nothing new, the review kept.
    const again = await runCli([...argv, 'scan']);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stdout).toMatch(/new violations:\s+0/);
    expect((await findingsOf(store)).get(site.url('/home-only/'))!.status).toBe('contacted');

    const report = await runCli([...argv, 'report', '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const parsed = JSON.parse(report.stdout) as { violations: Array<{ pageUrl: string; status: string }> };
    expect(parsed.violations.map((finding) => [finding.pageUrl, finding.status]).sort()).toEqual(
      [
        [site.url('/home-only/'), 'contacted'],
        [site.url('/no-copyright/'), 'open'],
      ].sort(),
    );
  });
});
