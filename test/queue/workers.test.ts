import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue, QUEUES, type QueueProgress } from '../../src/queue/queue.ts';
import { openSql } from '../../src/store/db.ts';
import { startServer, type TestServer } from '../helpers/http.ts';
import { freshPostgres } from '../helpers/postgres.ts';
import { shortestGapMs } from './_network.ts';

/**
 * Site jobs on the PostgreSQL queue, worked by three real worker processes (issue 11), against
 * three sites on 127.0.0.1, 127.0.0.2 and 127.0.0.3 whose servers log every request. One worker
 * is killed with SIGKILL while a page it asked for hangs; its job must come back when its lease
 * runs out and be finished by another worker, with every page recorded, no page recorded twice,
 * no page fetched again once recorded, and the host limits (one request in flight to a host, a
 * delay between two) holding across all the workers.
 */

const child = join(import.meta.dirname, '_worker-child.ts');
const running: ChildProcess[] = [];
const servers: TestServer[] = [];
const drops: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const process of running.splice(0)) process.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const drop of drops.splice(0)) await drop();
});

function startWorker(store: string, name: string): { process: ChildProcess; ready: Promise<void> } {
  const process = spawn(globalThis.process.execPath, ['--import', 'tsx', child, store, name], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...globalThis.process.env, SYNDICATE_LOG_LEVEL: 'silent' },
  });
  running.push(process);
  let output = '';
  let errors = '';
  process.stderr!.on('data', (chunk) => {
    errors += chunk;
  });
  const ready = new Promise<void>((resolve, reject) => {
    process.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('ready\n')) resolve();
    });
    process.on('exit', (code, signal) =>
      reject(new Error(`worker ${name} exited ${code ?? signal}: ${errors}`)),
    );
  });
  ready.catch(() => {});
  return { process, ready };
}

const PAGES = 8;

describe('site jobs worked by three worker processes', () => {
  it('finishes every site with nothing missing when a worker is killed mid-job', async () => {
    const database = await freshPostgres();
    drops.push(database.drop);
    const store = database.url;
    const sql = await openSql(store);
    await sql.exec('CREATE TABLE test_fetched (url TEXT PRIMARY KEY, worker TEXT NOT NULL)');
    const queue = await JobQueue.open(store, { siteLeaseSeconds: 15, retryDelaySeconds: 0 });

    let hangingAsked!: (worker: string) => void;
    const hanging = new Promise<string>((resolve) => {
      hangingAsked = resolve;
    });
    let hung = false;
    const sites = await Promise.all(
      ['127.0.0.1', '127.0.0.2', '127.0.0.3'].map(async (host, index) => {
        const server = await startServer(
          async (request, response) => {
            // The first request for site 2's page 3 never gets an answer: its worker dies waiting.
            if (index === 1 && request.url === '/page-3' && !hung) {
              hung = true;
              hangingAsked(String(request.headers['x-worker']));
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, 20));
            response.writeHead(200, { 'content-type': 'text/plain' }).end(`page ${request.url}`);
          },
          { host },
        );
        servers.push(server);
        return server;
      }),
    );

    const workers = new Map(['one', 'two', 'three'].map((name) => [name, startWorker(store, name)]));
    await Promise.all([...workers.values()].map((worker) => worker.ready));

    const siteIds = ['site-a', 'site-b', 'site-c'];
    const ids: string[] = [];
    for (const [index, siteId] of siteIds.entries()) {
      const pages = Array.from({ length: PAGES }, (_, page) => sites[index]!.url(`/page-${page}`));
      ids.push(...(await queue.putSites(randomUUID(), [siteId], { pages })));
    }
    const seen: QueueProgress[] = [];
    const waiting = queue.waitFor(QUEUES.site, ids, {
      onProgress: (progress) => seen.push(progress),
      pollMs: 200,
    });

    const victim = await hanging;
    workers.get(victim)!.process.kill('SIGKILL');
    const statuses = await waiting;

    expect(statuses.map((status) => status.state)).toEqual(['completed', 'completed', 'completed']);
    expect(seen.some((progress) => progress.active > 0)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ total: 3, completed: 3, failed: 0 });

    // Every page recorded once, none by the killed worker after its death (the hung one never was).
    const recorded = await sql.all<{ url: string; worker: string }>('SELECT url, worker FROM test_fetched');
    expect(recorded).toHaveLength(3 * PAGES);
    const hungUrl = sites[1]!.url('/page-3');
    expect(recorded.find((row) => row.url === hungUrl)!.worker).not.toBe(victim);

    // Each page asked for once; the hung page twice: once unanswered, once by the heir. The victim
    // may also have been crawling another site, with one page fetched but not yet recorded when it
    // died: that page is asked again (only recorded pages are never fetched again), at most one.
    let refetched = 0;
    for (const [index, server] of sites.entries()) {
      const counts = new Map<string, number>();
      for (const request of server.requests) counts.set(request.path, (counts.get(request.path) ?? 0) + 1);
      expect(counts.size).toBe(PAGES);
      for (const [path, count] of counts) {
        if (index === 1 && path === '/page-3') expect(count).toBe(2);
        else {
          expect(count).toBeLessThanOrEqual(2);
          if (count === 2) refetched++;
        }
      }
      // One request in flight to a host at a time, 50 ms at least between two, across workers.
      expect(server.maxInFlight()).toBe(1);
      expect(shortestGapMs(server.requests)).toBeGreaterThanOrEqual(50);
    }
    expect(refetched).toBeLessThanOrEqual(1);
    await queue.stop();
    await sql.close();
  }, 120_000);
});
