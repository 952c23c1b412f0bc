import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { loadSites } from '../../src/config/sites.ts';
import { crawl } from '../../src/crawl/crawl.ts';
import { setLogLevel } from '../../src/log.ts';
import { failuresOf } from '../../src/snapshot/index.ts';
import { openSql, openStore } from '../../src/store/db.ts';
import { fastCrawler, html, startSite, type TestSite, writeSites } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';

let site: TestSite;
beforeAll(async () => {
  setLogLevel('silent');
  const routes: Parameters<typeof startSite>[0] = {
    '/sitemap.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          `<urlset>${Array.from({ length: 10 }, (_, i) => `<url><loc>http://stop.example/p${i}</loc></url>`).join('')}<url><loc>http://stop.example/later</loc></url></urlset>`,
        ),
    '/later': (_q, r) => r.writeHead(503, { 'retry-after': '3600' }).end(),
  };
  for (let i = 0; i < 10; i++) routes[`/p${i}`] = html(`<p>${i}</p>`);
  site = await startSite(routes);
});
afterAll(() => site.close());

describe('stopping a crawl', () => {
  it('stops on the signal without finishing the pass, and the next run finishes it', async () => {
    const dir = tempDir();
    writeSites(dir, {
      crawler: { ...fastCrawler, maxRetryAfterMs: 60_000, resolve: { 'stop.example': site.address } },
      sites: [{ id: 'stop', url: 'http://stop.example/', kind: 'community' }],
    });
    const sql = await openSql(`${dir}/store.sqlite`);
    const config = loadSites(dir);
    const controller = new AbortController();
    const stopped = await crawl(sql, config, {
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.pagesFetched >= 3) controller.abort();
      },
    });
    expect(stopped.finished).toBe(false);
    expect(stopped.pagesFetched).toBeGreaterThanOrEqual(3);
    expect(stopped.pagesFetched).toBeLessThan(10);

    const resumed = await crawl(sql, config);
    expect(resumed.passId).toBe(stopped.passId);
    expect(resumed.resumed).toBe(true);
    expect(resumed.finished).toBe(true);
    expect(resumed.pagesFetched).toBe(10);
    // A Retry-After beyond the limit is not waited for: the page fails at once as rate-limited.
    expect(resumed.failed).toEqual({ 'http-status': 1 });
    expect((await failuresOf(sql, resumed.passId))[0]?.message).toContain('Retry-After');
    expect(site.paths().filter((path) => path === '/later')).toHaveLength(1);
    await sql.close();
  });

  it('draws a progress bar on a terminal and prints the summary', async () => {
    const dir = tempDir();
    writeSites(dir, {
      crawler: { ...fastCrawler, maxRetryAfterMs: 0, resolve: { 'stop.example': site.address } },
      sites: [{ id: 'stop', url: 'http://stop.example/', kind: 'community' }],
    });
    let stdout = '';
    let stderr = '';
    openStore(`${dir}/s.sqlite`).close();
    const code = await run(['--store', `${dir}/s.sqlite`, '--rules', dir, 'crawl'], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      interactive: true,
      stopSignal: new AbortController().signal,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/\r\[#+\.*\] \d+\/\d+ {2}pages \d+ {2}failed \d+/);
    expect(stdout).toMatch(/pages fetched: +10/);
    expect(stdout).toMatch(/http-status: 1/);
  });
});
