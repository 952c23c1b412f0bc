import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireScanLock, currentScanLock } from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { articles, reprint, republisherOfFile, scanSetup } from './_republisher.ts';

/** Two scans never record into one store at once; a lock left by a dead process is taken over. */
const site = republisherOfFile('slow');
site.pages.set('/slow/', { body: reprint(articles['nw-481']!, 'home-only'), delayMs: 800 });
const REPO = join(import.meta.dirname, '..', '..');

/** Resolves when the site receives a request for `path`. */
function requested(path: string): Promise<void> {
  return new Promise((resolve) => {
    site.onRequest = (seen) => {
      if (seen === path) {
        site.onRequest = undefined;
        resolve();
      }
    };
  });
}

withoutScreenshots();

describe('the scan lock', () => {
  it('refuses a second scan in the same process while the first runs, naming the holder', async () => {
    const { store, argv } = await scanSetup([site]);
    const busy = requested('/slow/');
    const first = runCli([...argv, 'scan']);
    await busy;
    const second = await runCli([...argv, 'scan']);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`another scan holds the store: pid ${process.pid} on ${hostname()}`);
    // The refused scan neither took the lock nor recorded a scan.
    expect((await first).code).toBe(1);
    const db = await openSql(store);
    expect(await db.all('SELECT id, finished IS NOT NULL AS finished FROM scans')).toEqual([
      { id: 1, finished: 1 },
    ]);
    expect(await currentScanLock(db)).toBeUndefined();
    await db.close();
  });

  it('refuses a scan while another process scans the store', async () => {
    const { store, argv } = await scanSetup([site]);
    const busy = requested('/slow/');
    const child = spawn(process.execPath, [join(REPO, 'src/cli/bin.js'), ...argv, 'scan'], {
      cwd: REPO,
      env: { ...process.env, SYNDICATE_LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await busy;
    const refused = await runCli([...argv, 'scan']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`another scan holds the store: pid ${child.pid} on ${hostname()}`);
    expect(await exited).toBe(1);
    const db = await openSql(store);
    expect(await currentScanLock(db)).toBeUndefined();
    await db.close();
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const { store, argv } = await scanSetup([site]);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const db = await openSql(store);
    await acquireScanLock(db, { pid: dead });
    expect(await currentScanLock(db)).toMatchObject({ pid: dead, host: hostname() });
    const result = await runCli([...argv, 'scan']);
    expect(result.code, result.stderr).toBe(1);
    expect(await currentScanLock(db)).toBeUndefined();
    expect(await db.get('SELECT count(*) AS n FROM scans WHERE finished IS NOT NULL')).toEqual({ n: 1 });
    await db.close();
  });

  it('takes over a lock naming its own pid when this process holds none (a restarted container)', async () => {
    const { store, argv } = await scanSetup([site]);
    const db = await openSql(store);
    await db.run('INSERT INTO scan_lock (id, pid, host, started) VALUES (1, ?, ?, ?)', [
      process.pid,
      hostname(),
      '2026-01-01T03:00:00.000Z',
    ]);
    const result = await runCli([...argv, 'scan']);
    expect(result.code, result.stderr).toBe(1);
    expect(await currentScanLock(db)).toBeUndefined();
    await db.close();
  });

  it('refused by a crawl of the same sites under way, the scan is closed with the reason', async () => {
    const { store, argv } = await scanSetup([site]);
    const busy = requested('/slow/');
    const crawling = runCli([...argv, 'crawl']);
    await busy;
    const refused = await runCli([...argv, 'scan']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/crawl pass \d+ is being worked on/);
    expect((await crawling).code).toBe(0);
    const db = await openSql(store);
    const scans = (await db.all('SELECT finished, errors FROM scans')) as Array<{
      finished: string | null;
      errors: string;
    }>;
    expect(scans).toHaveLength(1);
    expect(scans[0]!.finished).not.toBeNull();
    expect(scans[0]!.errors).toMatch(/the scan failed: crawl pass \d+ is being worked on/);
    expect(await currentScanLock(db)).toBeUndefined();
    await db.close();
  });
});
