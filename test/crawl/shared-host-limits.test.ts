import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SharedHostLimits } from '../../src/crawl/shared-host-limits.ts';
import { openSql } from '../../src/store/db.ts';
import { describeEngines } from '../helpers/engines.ts';
import { type SeenRequest, startServer, type TestServer } from '../helpers/http.ts';

/**
 * Per-host limits across processes (issue 11): several real OS processes make requests to the
 * same hosts, each through its own `SharedHostLimits` on one store, and the hosts' own request
 * logs (arrival, end, requests in flight) must show the limits held for all of them together:
 * never more than `perHost` in flight, never less than the delay (or Crawl-delay) between two
 * requests, a Retry-After honoured by the processes that did not receive it, and a host held by a
 * process killed mid-request given back when its lease runs out.
 */

const child = join(import.meta.dirname, '_host-limits-child.ts');
const running: ChildProcess[] = [];
const servers: TestServer[] = [];

afterEach(async () => {
  for (const process of running.splice(0)) process.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Plan {
  store: string;
  perHost: number;
  delayMs: number;
  leaseMs: number;
  hosts: Record<string, string[]>;
  lanes: number;
}

interface Started {
  process: ChildProcess;
  ready: Promise<void>;
  done: Promise<void>;
}

function start(plan: Plan): Started {
  const process = spawn(globalThis.process.execPath, ['--import', 'tsx', child, JSON.stringify(plan)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...globalThis.process.env, SYNDICATE_LOG_LEVEL: 'silent' },
  });
  running.push(process);
  let output = '';
  let errors = '';
  process.stderr!.on('data', (chunk) => {
    errors += chunk;
  });
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      process.stdout!.on('data', (chunk) => {
        output += chunk;
        if (output.includes(`${word}\n`)) resolve();
      });
      process.on('exit', (code, signal) => {
        if (!output.includes(`${word}\n`)) reject(new Error(`child exited ${code ?? signal}: ${errors}`));
      });
    });
  const done = said('done');
  // A child the test kills never says it is done; only a test that waits for it hears why.
  done.catch(() => {});
  return { process, ready: said('ready'), done };
}

/** A host that answers after `holdMs`, or as `answer` says. */
async function host(
  holdMs: number,
  answer?: (seen: SeenRequest, index: number) => number | 'hang',
): Promise<TestServer> {
  let count = 0;
  const server = await startServer(async (_request, response, _socket, seen) => {
    const decided = answer?.(seen, count++) ?? 200;
    if (decided === 'hang') return;
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    if (decided === 503) response.writeHead(503, { 'retry-after': '1' }).end('busy');
    else response.writeHead(decided, { 'content-type': 'text/plain' }).end('ok');
  });
  servers.push(server);
  return server;
}

const pages = (server: TestServer, prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => server.url(`/${prefix}-${index}`));

/** The shortest time between the arrivals of two requests in a row. */
function shortestGapMs(requests: SeenRequest[]): number {
  const arrivals = requests.map((request) => request.startedAt).sort((a, b) => a - b);
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < arrivals.length; i++) shortest = Math.min(shortest, arrivals[i]! - arrivals[i - 1]!);
  return shortest;
}

describeEngines('per-host limits shared by several processes', (engine) => {
  it('keeps requests in flight to a host at perHost across three processes', async () => {
    const store = await engine.target();
    // The schema is made once, before the processes race to it.
    await (await openSql(store)).close();
    const [first, second] = [await host(40), await host(40)];
    const children = [0, 1, 2].map((index) =>
      start({
        store,
        perHost: 2,
        delayMs: 0,
        leaseMs: 10_000,
        lanes: 3,
        hosts: { first: pages(first!, `p${index}`, 8), second: pages(second!, `p${index}`, 8) },
      }),
    );
    await Promise.all(children.map((started) => started.done));
    for (const server of [first!, second!]) {
      expect(server.requests).toHaveLength(24);
      // Never over the limit, and the limit was used: three processes with three lanes each
      // wanted nine at a time.
      expect(server.maxInFlight()).toBe(2);
      expect(new Set(server.requests.map((request) => request.path)).size).toBe(24);
    }
  }, 60_000);

  it('keeps the delay, a Crawl-delay and a Retry-After between requests whichever process makes them', async () => {
    const store = await engine.target();
    const setup = await openSql(store);
    // Another process read this host's robots.txt: Crawl-delay 0.3 s, larger than the 0.1 s delay.
    const reader = new SharedHostLimits(setup, { concurrency: 1, perHost: 1, delayMs: 100, leaseMs: 10_000 });
    const [delayed, crawlDelayed, busy] = [
      await host(5),
      await host(5),
      await host(5, (_s, i) => (i === 0 ? 503 : 200)),
    ];
    reader.setMinimumDelay('crawl-delayed', 300);
    await reader.close();
    await setup.close();
    const children = [0, 1, 2].map((index) =>
      start({
        store,
        perHost: 1,
        delayMs: 100,
        leaseMs: 10_000,
        lanes: 2,
        hosts: {
          delayed: pages(delayed!, `p${index}`, 4),
          'crawl-delayed': pages(crawlDelayed!, `p${index}`, 2),
          busy: pages(busy!, `p${index}`, 3),
        },
      }),
    );
    await Promise.all(children.map((started) => started.done));
    expect(delayed!.requests).toHaveLength(12);
    expect(crawlDelayed!.requests).toHaveLength(6);
    expect(busy!.requests).toHaveLength(9);
    for (const server of [delayed!, crawlDelayed!, busy!]) expect(server.maxInFlight()).toBe(1);
    expect(shortestGapMs(delayed!.requests)).toBeGreaterThanOrEqual(100);
    expect(shortestGapMs(crawlDelayed!.requests)).toBeGreaterThanOrEqual(300);
    // The first answer said Retry-After: 1 to one process; nobody asked again for a second.
    const [answered503, next] = [...busy!.requests].sort((a, b) => a.startedAt - b.startedAt);
    expect(answered503!.status).toBe(503);
    expect(next!.startedAt - answered503!.endedAt!).toBeGreaterThanOrEqual(1000);
  }, 60_000);

  it('gives a host held by a process killed mid-request to another when the lease runs out', async () => {
    const store = await engine.target();
    await (await openSql(store)).close();
    let hung!: () => void;
    const hanging = new Promise<void>((resolve) => {
      hung = resolve;
    });
    const target = await host(5, (seen) => {
      if (seen.path.startsWith('/killed')) {
        hung();
        return 'hang';
      }
      return 200;
    });
    const leaseMs = 1500;
    const plan = { store, perHost: 1, delayMs: 0, leaseMs, lanes: 1 };
    const killed = start({ ...plan, hosts: { target: pages(target, 'killed', 1) } });
    await hanging;
    const heir = start({ ...plan, hosts: { target: pages(target, 'heir', 2) } });
    await heir.ready;
    // Longer than one lease: the living process renews its lease while its request hangs, so the
    // waiting one gets nothing.
    await new Promise((resolve) => setTimeout(resolve, leaseMs * 2));
    expect(target.requests.filter((request) => request.path.startsWith('/heir'))).toHaveLength(0);
    killed.process.kill('SIGKILL');
    const killedAt = Date.now();
    await heir.done;
    const heirs = target.requests.filter((request) => request.path.startsWith('/heir'));
    expect(heirs).toHaveLength(2);
    const first = Math.min(...heirs.map((request) => request.startedAt));
    // Not before the lease (renewed at most a third of it before the kill) ran out.
    expect(first - killedAt).toBeGreaterThanOrEqual((leaseMs * 2) / 3 - 50);
  }, 60_000);
});
