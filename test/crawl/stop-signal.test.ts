import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../../src/config/sites.ts';
import { crawl } from '../../src/crawl/crawl.ts';
import { setLogLevel } from '../../src/log.ts';
import { openSql, openStore } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { fastCrawler, html, startSite, type TestSite, writeSites } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * SIGTERM and SIGINT sent to a real `syndicate` process while it waits: inside a Crawl-delay of
 * five minutes, and inside a response whose headers never come. It must end (the runner's timeout
 * catches a hang), say it stopped, hold no lock, and leave a pass that the next run finishes.
 */

const repo = join(import.meta.dirname, '..', '..');
let patient: TestSite;
let stalling: TestSite;
let stallAnswers = false;
const arrived = new Map<string, () => void>();
const whenRequested = (path: string) => new Promise<void>((resolve) => arrived.set(path, resolve));
const seen = (path: string) => arrived.get(path)?.();

beforeAll(async () => {
  setLogLevel('silent');
  const urlset = (host: string, paths: string[]) =>
    `<urlset>${paths.map((path) => `<url><loc>http://${host}${path}</loc></url>`).join('')}</urlset>`;
  patient = await startSite({
    '/robots.txt': (_q, r) => {
      seen('patient/robots.txt');
      r.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nCrawl-delay: 300\n');
    },
    '/sitemap.xml': (_q, r) =>
      r.writeHead(200, { 'content-type': 'application/xml' }).end(urlset('patient.example', ['/a', '/b'])),
    '/a': html('<p>a</p>'),
    '/b': html('<p>b</p>'),
  });
  stalling = await startSite({
    '/sitemap.xml': (_q, r) =>
      r
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(urlset('stalling.example', ['/slow', '/c'])),
    '/slow': (_q, r) => {
      seen('stalling/slow');
      // The first time, no headers ever; once the test says so, an answer.
      if (stallAnswers) r.writeHead(200, { 'content-type': 'text/html' }).end(html('<p>at last</p>'));
    },
    '/c': html('<p>c</p>'),
  });
});

afterAll(async () => {
  await Promise.all([patient.close(), stalling.close()]);
});

function rules(dir: string, site: 'patient' | 'stalling', crawler: Record<string, unknown> = {}): string {
  copyFileSync(join(repo, 'rules', 'terms.yaml'), join(dir, 'terms.yaml'));
  return writeSites(dir, {
    crawler: {
      ...fastCrawler,
      headersTimeoutMs: 600_000,
      bodyTimeoutMs: 600_000,
      maxCrawlDelayMs: 600_000,
      resolve: { 'patient.example': patient.address, 'stalling.example': stalling.address },
      ...crawler,
    },
    sites: [{ id: site, url: `http://${site}.example/`, kind: 'community' }],
  });
}

/** `syndicate ARGS…` as its own process, as cron or a terminal would start it. */
function start(args: string[]): {
  child: ChildProcess;
  exit: Promise<{ code: number | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [join(repo, 'src', 'cli', 'bin.js'), ...args], {
    cwd: repo,
    env: { ...process.env, SYNDICATE_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
  return { child, exit };
}

function locksHeld(store: string): number {
  const db = openStore(store);
  try {
    const crawlLocks = db.prepare('SELECT COUNT(*) AS n FROM crawl_locks').get() as { n: number };
    return crawlLocks.n;
  } finally {
    db.close();
  }
}

describe('stopping a crawl or a scan that waits', () => {
  it('stops `crawl` on SIGTERM inside a five-minute Crawl-delay, and the next run finishes the pass', async () => {
    const dir = tempDir();
    const store = join(dir, 'store.sqlite');
    openStore(store).close();
    rules(dir, 'patient');
    const robotsRead = whenRequested('patient/robots.txt');
    const { child, exit } = start(['--store', store, '--rules', dir, 'crawl']);
    await robotsRead;
    child.kill('SIGTERM');
    const ended = await exit;
    expect(ended.code).toBe(2);
    expect(ended.stderr).toMatch(/crawl stopped before the end; run it again to continue/);
    expect(patient.paths()).not.toContain('/a');
    expect(locksHeld(store)).toBe(0);

    // The same pass, resumed in this process with the delay capped, fetches the rest once.
    rules(dir, 'patient', { maxCrawlDelayMs: 0 });
    const sql = await openSql(store);
    const resumed = await crawl(sql, loadSites(dir));
    await sql.close();
    expect(resumed).toMatchObject({ resumed: true, finished: true, pagesFetched: 2 });
    expect(patient.paths().filter((path) => path === '/a')).toHaveLength(1);
  }, 60_000);

  it('stops `scan` on SIGINT inside a response that never comes, and the next scan finishes it', async () => {
    const dir = tempDir();
    const store = join(dir, 'store.sqlite');
    openStore(store).close();
    rules(dir, 'stalling');
    const stalled = whenRequested('stalling/slow');
    const { child, exit } = start(['--store', store, '--rules', dir, 'scan']);
    await stalled;
    child.kill('SIGINT');
    const ended = await exit;
    expect(ended.code).toBe(2);
    expect(locksHeld(store)).toBe(0);

    stallAnswers = true;
    const again = await runCli(['--store', store, '--rules', dir, 'scan']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const db = openStore(store);
    const passes = db.prepare('SELECT finished_at FROM crawl_passes').all() as Array<{ finished_at: string }>;
    db.close();
    expect(passes).toHaveLength(1);
    expect(passes[0]?.finished_at).not.toBeNull();
  }, 60_000);
});
