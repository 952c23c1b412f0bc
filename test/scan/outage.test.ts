import { load } from 'cheerio';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { setStatus } from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { parseCsv } from '../report/_csv.ts';
import { articles, findingsOf, reprint, republisherOfFile, scanSetup } from './_republisher.ts';

/**
 * The two-scan story with an outage, through the command line against real sites on 127.0.0.1:
 * when every site is down nothing was checked, and the scan says so (exit 2, every site
 * unreachable, the failures listed, the findings left as they were); when one site is down, that
 * site is unreachable and the others are judged.
 */
const civic = republisherOfFile('civic');
const ledger = republisherOfFile('ledger');

interface JsonSite {
  site: string;
  result: string;
  complete: boolean;
  pagesChecked: number;
  failed: number;
  failures: Array<{ url: string; kind: string; message: string }>;
  byStatus: Record<string, number>;
}

withoutScreenshots();

describe('a scan during an outage', () => {
  it('exits 2 when every site is down, and judges the others when one is', async () => {
    const { store, argv } = await scanSetup([civic, ledger]);
    civic.pages.set('/a/', { body: reprint(articles['nw-481']!, 'home-only') });
    civic.pages.set('/b/', { body: reprint(articles['nw-455']!, 'home-only') });
    ledger.pages.set('/c/', { body: reprint(articles['nw-470']!, 'no-copyright') });
    const first = await runCli([...argv, 'scan']);
    expect(first.code, first.stderr).toBe(1);
    const before = await findingsOf(store);
    expect(before.size).toBe(3);
    const contacted = before.get(civic.url('/a/'))!;
    const db = await openSql(store);
    await setStatus(db, contacted.id, 'contacted', { who: 'maria', note: 'wrote to the editor' });
    await db.close();
    before.set(contacted.page_url, (await findingsOf(store)).get(contacted.page_url)!);

    // Every site down: nothing was checked.
    civic.down = true;
    ledger.down = true;
    const down = await runCli([...argv, 'scan']);
    expect(down.code, down.stdout).toBe(2);
    expect(down.stderr).toMatch(/no page of any site could be fetched/);
    expect(down.stdout).toMatch(/^\s+civic\s+unreachable\s+0\s+1\s+0\s+0$/m);
    expect(down.stdout).toMatch(/^\s+ledger\s+unreachable\s+0\s+1\s+0\s+0$/m);
    // Each failure is listed under its site (robots.txt is still cached from the first scan, so
    // the first thing to fail is the sitemap).
    expect(down.stdout).toMatch(
      /civic\s+unreachable.*\n\s+http:\/\/civic\.example\/sitemap\.xml\s+connection: /,
    );
    // Findings on pages that could not be fetched stay as they were.
    expect(await findingsOf(store)).toEqual(before);
    for (const row of (await findingsOf(store)).values()) expect(row.last_scan, row.page_url).toBe(1);
    // The pages with open findings were not asked for again from sites that are down.
    expect(
      new Set([...civic.requests, ...ledger.requests].filter((r) => r.status === 0).map((r) => r.path)),
    ).toEqual(new Set(['/sitemap.xml']));

    const json = JSON.parse((await runCli([...argv, 'report', '--format', 'json'])).stdout) as {
      coverage: Record<string, unknown>;
      bySite: JsonSite[];
      violations: unknown[];
    };
    expect(json.coverage).toMatchObject({ sites: 2, sitesChecked: 0, pagesChecked: 0, outage: true });
    expect(json.violations).toEqual([]);
    for (const site of json.bySite) {
      expect(site, site.site).toMatchObject({ result: 'unreachable', pagesChecked: 0, failed: 1 });
      expect(site.failures[0]).toMatchObject({
        url: `http://${site.site}.example/sitemap.xml`,
        kind: 'connection',
      });
      expect(site.failures[0]!.message).toMatch(/other side closed/);
    }
    // The counts are the findings as they stand, not "none seen in this scan".
    const civicNow = json.bySite.find((site) => site.site === 'civic')!;
    expect(civicNow.byStatus).toMatchObject({ open: 1, contacted: 1 });

    const html = load((await runCli([...argv, 'report', '--format', 'html'])).stdout);
    expect(html('#outage').text()).toMatch(/Nothing was checked/);
    expect(html('#violations').text()).toMatch(/nothing was checked, so this scan cannot say/);
    expect(html('#violations').text()).not.toMatch(/No violations in this scan/);
    expect(html('#failures .site-failures').length).toBe(2);
    expect(html('tr[data-site="civic"] td.result').text()).toBe('unreachable');

    const markdown = (await runCli([...argv, 'report', '--format', 'md'])).stdout;
    expect(markdown).toContain('Nothing was checked: no page of any site could be fetched.');
    const md = load(await marked.parse(markdown));
    const failures = md('h2')
      .filter((_index, element) => md(element).text() === 'What the scan could not see')
      .nextAll('ul')
      .first();
    expect(failures.find('li').first().text()).toMatch(/^http:\/\/civic\.example\/sitemap\.xml connection: /);

    const [header, ...rows] = parseCsv((await runCli([...argv, 'report', '--format', 'csv'])).stdout);
    const column = (name: string) => header!.indexOf(name);
    const failed = rows.filter((row) => row[column('record')] === 'failure');
    expect(
      failed.map((row) => [row[column('site')], row[column('failure_kind')], row[column('site_result')]]),
    ).toEqual([
      ['civic', 'connection', 'unreachable'],
      ['ledger', 'connection', 'unreachable'],
    ]);

    // One site down, the other back with one page failing: the other is judged (partly), the
    // down one is unreachable and its finding is left alone.
    civic.down = false;
    civic.pages.set('/broken/', { body: '', status: 500 });
    const partial = await runCli([...argv, 'scan']);
    expect(partial.code, partial.stderr).toBe(1);
    expect(partial.stderr).toBe('');
    expect(partial.stdout).toMatch(/^\s+civic\s+violations \(partly scanned\)\s+2\s+1\s+2\s+2$/m);
    expect(partial.stdout).toMatch(/^\s+ledger\s+unreachable\s+0\s+1\s+0\s+0$/m);
    expect(partial.stdout).toMatch(/http:\/\/civic\.example\/broken\/\s+http-status: HTTP 500/);
    const after = await findingsOf(store);
    expect(after.get(civic.url('/a/'))).toMatchObject({ status: 'contacted', last_scan: 3 });
    expect(after.get(civic.url('/b/'))).toMatchObject({ status: 'open', last_scan: 3 });
    expect(after.get(ledger.url('/c/'))).toMatchObject({ status: 'open', last_scan: 1 });

    const third = JSON.parse((await runCli([...argv, 'report', '--format', 'json'])).stdout) as {
      coverage: Record<string, unknown>;
      bySite: JsonSite[];
    };
    expect(third.coverage).toMatchObject({
      sites: 2,
      sitesChecked: 1,
      pagesChecked: 2,
      unreachable: ['ledger'],
      partlyScanned: ['civic'],
      outage: false,
    });
    const civicSite = third.bySite.find((site) => site.site === 'civic')!;
    expect(civicSite).toMatchObject({ result: 'violations', complete: false, failed: 1 });
    expect(civicSite.failures).toEqual([
      { url: 'http://civic.example/broken/', kind: 'http-status', message: 'HTTP 500 after 1 tries' },
    ]);
  }, 120_000); // several scans, each capturing evidence in Chromium: slow on a busy machine
});
