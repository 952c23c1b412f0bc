import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { articles, findingsOf, reprint, republisherOfFile, scanSetup } from './_republisher.ts';

/**
 * Pages with open findings that the crawl no longer reaches are asked for directly, at the crawl's
 * pace: a site that drops many pages from its sitemap does not get their revisits back to back.
 */
const site = republisherOfFile('reorganised');

withoutScreenshots();

describe('revisiting pages the crawl no longer reaches', () => {
  it('keeps the delay between revisits to one host, and judges what it finds', async () => {
    const { store, argv } = await scanSetup([site]);
    const paths = ['/one/', '/two/', '/three/'];
    const reprinted = [articles['nw-481']!, articles['nw-455']!, articles['nw-470']!];
    for (const [i, path] of paths.entries())
      site.pages.set(path, { body: reprint(reprinted[i]!, 'home-only') });
    expect((await runCli([...argv, 'scan', '--delay', '0'])).code).toBe(1);

    // The site drops every page from its sitemap; one is fixed, one taken down, one left as it was.
    site.pages.set('/one/', { body: reprint(reprinted[0]!, 'proper'), listed: false });
    site.pages.set('/two/', { body: '', status: 404, listed: false });
    site.pages.set('/three/', { body: reprint(reprinted[2]!, 'home-only'), listed: false });
    site.requests.length = 0;
    const delay = 150;
    const second = await runCli([...argv, 'scan', '--delay', String(delay)]);
    expect(second.code, second.stderr).toBe(1);
    expect(second.stdout).toMatch(/revisited:\s+3 pages/);

    const times = site.requests.map((request) => request.startedAt);
    expect(
      site.requests
        .map((request) => request.path)
        .slice(-3)
        .sort(),
    ).toEqual([...paths].sort());
    for (let i = 1; i < times.length; i++) {
      // Timer granularity can fire a millisecond early; the point is no back-to-back requests.
      expect(times[i]! - times[i - 1]!, site.requests[i]!.path).toBeGreaterThanOrEqual(delay - 5);
    }
    const findings = await findingsOf(store);
    expect(findings.get(site.url('/one/'))).toMatchObject({ status: 'resolved', resolved_why: 'compliant' });
    expect(findings.get(site.url('/two/'))).toMatchObject({ status: 'resolved', resolved_why: 'gone' });
    expect(findings.get(site.url('/three/'))).toMatchObject({ status: 'open', last_scan: 2 });
    // Two whole scans in one test: on a busy machine (load 16) they took more than the default 30 s.
  }, 90_000);
});
