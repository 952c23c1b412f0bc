import type { ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSites } from '../../src/config/sites.ts';
import { JobQueue } from '../../src/queue/queue.ts';
import { crawlSitesOnQueue } from '../../src/queue/site-jobs.ts';
import { openSql } from '../../src/store/db.ts';
import { startServer, type TestServer, writeSites } from '../helpers/http.ts';
import { freshPostgres } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';
import { repo, type Syndicate, shortestGapMs, syndicate } from './_network.ts';

/**
 * A crawl spread over three real `syndicate worker` processes (issue 11): three sites on
 * 127.0.0.1, 127.0.0.2 and 127.0.0.3, whose servers log every request, crawled as site jobs on a
 * PostgreSQL store. One worker is killed with SIGKILL while a page it asked for hangs. The logs
 * must show one request in flight to a host at a time and the delay between two, across workers;
 * no page fetched twice but the hung one; nothing robots.txt disallows; and every site finished
 * with every page in the store.
 */

const PAGES = 10;
const DELAY_MS = 80;

const running: ChildProcess[] = [];
const servers: TestServer[] = [];
const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const process of running.splice(0)) process.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const drop of drops.splice(0)) await drop();
});

/** A site: robots.txt that disallows /private/, a sitemap of its pages, pages linking to a private one. */
async function startSite(host: string, onPage: (path: string) => 'hang' | 'answer'): Promise<TestServer> {
  const server: TestServer = await startServer(
    async (request, response) => {
      const path = request.url ?? '/';
      const base = `http://${host}:${server.port}`;
      if (path === '/robots.txt') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /private/\n');
      } else if (path === '/sitemap.xml') {
        const urls = Array.from({ length: PAGES }, (_, i) => `<url><loc>${base}/page/${i}</loc></url>`).join(
          '',
        );
        response
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(
            `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`,
          );
      } else if (path === '/' || path.startsWith('/page/')) {
        if (onPage(path) === 'hang') return;
        await new Promise((resolve) => setTimeout(resolve, 20));
        response
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            `<!doctype html><html><head><title>${path}</title></head><body><p>Text of ${path}.</p><a href="/private/secret">private</a> <a href="/page/0">first</a></body></html>`,
          );
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    },
    { host },
  );
  servers.push(server);
  return server;
}

describe('a crawl spread over three worker processes', () => {
  it('keeps per-host limits across workers and finishes every site when one worker is killed', async () => {
    const database = await freshPostgres();
    drops.push(database.drop);
    const store = database.url;
    await (await openSql(store)).close();

    let hangOnce = true;
    let hangingAsked!: () => void;
    const hanging = new Promise<void>((resolve) => {
      hangingAsked = resolve;
    });
    const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    const sites = await Promise.all(
      hosts.map((host, index) =>
        startSite(host, (path) => {
          if (index === 1 && path === '/page/4' && hangOnce) {
            hangOnce = false;
            hangingAsked();
            return 'hang';
          }
          return 'answer';
        }),
      ),
    );
    const rules = tempDir();
    copyFileSync(join(repo, 'rules', 'terms.yaml'), join(rules, 'terms.yaml'));
    writeSites(rules, {
      crawler: {
        delayMs: DELAY_MS,
        perHost: 1,
        retryDelayMs: 10,
        headersTimeoutMs: 20_000,
        // The killed worker's hung request holds its host this long (6 s, not 30).
        hostLeaseMs: 6_000,
        allowPrivateNetworks: true,
      },
      sites: sites.map((server, index) => ({
        id: `site-${index}`,
        url: `http://${hosts[index]}:${server.port}/`,
        kind: 'community',
        discover: { sitemaps: [`http://${hosts[index]}:${server.port}/sitemap.xml`], maxDepth: 1 },
      })),
    });

    // The test's own queue handle, made first, makes the queue: its supervisor looks each second,
    // so a dead worker's job is seen past its lease at once, and a job past it is tried again at
    // once (the workers' own supervisors look every 30 s; the retry delay is 5 s by default).
    const queue = await JobQueue.open(store, { maintenanceIntervalSeconds: 1, retryDelaySeconds: 0 });
    drops.unshift(() => queue.stop());
    const workers = [0, 1, 2].map(() =>
      syndicate(['worker', '--store', store, '--rules', rules, '--concurrency', '1'], running),
    );
    await Promise.all(workers.map((worker) => worker.said('worker waiting for jobs')));
    // A lease of 15 s: ten times what a site takes here, and what the killed worker's site waits.
    const crawling = crawlSitesOnQueue(queue, ['site-0', 'site-1', 'site-2'], {}, { leaseSeconds: 15 });
    await hanging;
    // Its log line may come through its pipe a little after its request reached the site.
    let victim: Syndicate | undefined;
    for (let tries = 0; tries < 100 && !victim; tries++) {
      victim = workers.find((worker) => worker.crawling.has('site-1'));
      if (!victim) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(victim).toBeDefined();
    victim!.process.kill('SIGKILL');
    const crawled = await crawling;

    expect([...crawled.failed]).toEqual([]);
    expect([...crawled.bySite.keys()].sort()).toEqual(['site-0', 'site-1', 'site-2']);
    for (const summary of crawled.bySite.values()) expect(summary.finished).toBe(true);

    for (const [index, server] of sites.entries()) {
      const paths = server.requests.map((request) => request.path);
      // Nothing robots.txt disallows was asked for.
      expect(paths.filter((path) => path.startsWith('/private/'))).toEqual([]);
      // Every page once; the hung page a second time, by the worker that took the site over.
      const counts = new Map<string, number>();
      for (const path of paths) counts.set(path, (counts.get(path) ?? 0) + 1);
      for (let page = 0; page < PAGES; page++) {
        expect(counts.get(`/page/${page}`)).toBe(index === 1 && page === 4 ? 2 : 1);
      }
      expect(server.maxInFlight()).toBe(1);
      expect(shortestGapMs(server.requests)).toBeGreaterThanOrEqual(DELAY_MS);
    }

    // Every page is in the store, each once.
    const sql = await openSql(store);
    const snapshots = await sql.all<{ url: string }>(
      "SELECT url FROM crawl_frontier WHERE kind = 'page' AND state = 'done'",
    );
    await sql.close();
    const urls = snapshots.map((row) => row.url);
    expect(new Set(urls).size).toBe(urls.length);
    for (const [index, server] of sites.entries()) {
      for (let page = 0; page < PAGES; page++) {
        expect(urls).toContain(`http://${hosts[index]}:${server.port}/page/${page}`);
      }
    }
    // Sites' configuration is read back as the workers read it: a check that the test wrote it right.
    expect(loadSites(rules).sites).toHaveLength(3);
  }, 180_000);
});
