import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { latestPass } from '../../src/crawl/passes.ts';
import { snapshotsOf } from '../../src/snapshot/index.ts';
import { openSql } from '../../src/store/db.ts';
import { describeEngines } from '../helpers/engines.ts';
import { fastCrawler, html, startSite, type TestSite, writeSites } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';
import { collect } from './_collect.ts';

/**
 * The crawl runs as `node src/cli/bin.js crawl` in a child process, is killed with SIGKILL
 * halfway, and is started again: the pass ends with every page kept exactly once, and no page
 * finished before the kill is asked for again.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const PAGES = 25;
const names = ['north.example', 'south.example', 'east.example'];
const servers: Record<string, TestSite> = {};

beforeAll(async () => {
  for (const name of names) {
    const routes: Parameters<typeof startSite>[0] = {
      '/sitemap.xml': (_q, r) =>
        r
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(
            `<urlset>${Array.from({ length: PAGES }, (_, i) => `<url><loc>http://${name}/page/${i}</loc></url>`).join('')}</urlset>`,
          ),
    };
    for (let i = 0; i < PAGES; i++) {
      routes[`/page/${i}`] = (_q, r) => {
        setTimeout(
          () => r.writeHead(200, { 'content-type': 'text/html' }).end(html(`<p>${name} ${i}</p>`)),
          15,
        );
      };
    }
    servers[name] = await startSite(routes);
  }
});

afterAll(async () => {
  await Promise.all(Object.values(servers).map((server) => server.close()));
});

function startCrawl(dir: string, store: string): ChildProcess {
  return spawn(
    process.execPath,
    [`${root}src/cli/bin.js`, '--store', store, '--rules', dir, 'crawl', '--delay', '0'],
    { cwd: root, env: { ...process.env, SYNDICATE_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

const pageRequests = () =>
  Object.entries(servers).flatMap(([name, server]) =>
    server.requests
      .filter((request) => request.path.startsWith('/page/'))
      .map((request) => ({ url: `http://${name}${request.path}`, request })),
  );

describeEngines('a crawl killed with SIGKILL', (engine) => {
  it('resumes with nothing lost, nothing fetched again and nothing twice', async () => {
    const dir = tempDir();
    writeSites(dir, {
      crawler: {
        ...fastCrawler,
        resolve: Object.fromEntries(names.map((name) => [name, servers[name]!.address])),
      },
      sites: names.map((name) => ({ id: name.split('.')[0], url: `http://${name}/`, kind: 'community' })),
    });

    // Only `import` creates a store; the crawl commands refuse a missing one.
    const store = await engine.target();
    await (await openSql(store)).close();
    // The sites' logs hold the requests of the suite on the other engine too.
    const earlier = pageRequests().length;
    const first = startCrawl(dir, store);
    const exited = once(first, 'exit');
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (pageRequests().length - earlier >= (PAGES * names.length) / 2) {
          clearInterval(timer);
          first.kill('SIGKILL');
          resolve();
        }
      }, 5);
      first.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`the crawl ended (${code}) before it could be killed`));
      });
    });
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');

    let sql = await openSql(store);
    const pass = (await latestPass(sql))!;
    const keptBefore = new Set((await collect(snapshotsOf(sql, pass.id))).map((snapshot) => snapshot.url));
    await sql.close();
    expect(pass.finishedAt).toBeNull();
    expect(keptBefore.size).toBeGreaterThan(0);
    expect(keptBefore.size).toBeLessThan(PAGES * names.length);

    const requestsBefore = new Set(pageRequests().map((seen) => seen.request));
    const second = startCrawl(dir, store);
    let stdout = '';
    second.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const [code] = await once(second, 'exit');
    expect(code).toBe(0);
    expect(stdout).toContain('resumed');

    const askedAgain = pageRequests()
      .filter((seen) => !requestsBefore.has(seen.request))
      .map((seen) => seen.url);
    expect(askedAgain.length).toBeGreaterThan(0);
    expect(askedAgain.filter((url) => keptBefore.has(url))).toEqual([]);

    sql = await openSql(store);
    const after = (await latestPass(sql))!;
    const snapshots = await collect(snapshotsOf(sql, after.id));
    await sql.close();
    expect(after.id).toBe(pass.id);
    expect(after.finishedAt).not.toBeNull();
    const expected = names.flatMap((name) =>
      Array.from({ length: PAGES }, (_, i) => `http://${name}/page/${i}`),
    );
    expect(snapshots.map((snapshot) => snapshot.url).sort()).toEqual(expected.sort());
    expect(new Set(snapshots.map((snapshot) => snapshot.url)).size).toBe(snapshots.length);
  }, 60_000);
});
