import { describe, expect, it } from 'vitest';
import { currentScanLock } from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { articles, reprint, republisherOfFile, scanSetup } from './_republisher.ts';

/** `scan --schedule CRON` scans on the schedule until the stop signal, then ends cleanly. */
const site = republisherOfFile('cron');

async function finishedScans(store: string): Promise<number> {
  const db = await openSql(store);
  try {
    return ((await db.get('SELECT count(*) AS n FROM scans WHERE finished IS NOT NULL')) as { n: number }).n;
  } finally {
    await db.close();
  }
}

/** Poll until `condition` holds; the test's own timeout bounds the wait. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
}

withoutScreenshots();

describe('scan --schedule', () => {
  it('runs a scan on each tick until stopped, then exits 0', async () => {
    site.pages.clear();
    site.pages.set('/a/', { body: reprint(articles['nw-481']!, 'home-only') });
    const { store, argv } = await scanSetup([site]);
    const stop = new AbortController();
    const running = runCli([...argv, 'scan', '--schedule', '* * * * * *'], { signal: stop.signal });
    await until(async () => (await finishedScans(store)) >= 2);
    stop.abort();
    const result = await running;
    // A violation is open, but a schedule that was stopped on purpose has done its job.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.match(/^scan \d+ /gm)?.length).toBeGreaterThanOrEqual(2);
    const db = await openSql(store);
    expect(await currentScanLock(db)).toBeUndefined();
    expect(await db.get('SELECT count(*) AS n FROM scans WHERE finished IS NULL')).toEqual({ n: 0 });
    await db.close();
  }, 15_000);

  it('stopped in the middle of a scan, waits for that scan to wind down before returning', async () => {
    site.pages.clear();
    site.pages.set('/a/', { body: reprint(articles['nw-481']!, 'home-only') });
    site.pages.set('/slow/', { body: reprint(articles['nw-455']!, 'proper'), delayMs: 600 });
    const { store, argv } = await scanSetup([site]);
    const stop = new AbortController();
    const busy = new Promise<void>((resolve) => {
      site.onRequest = (path) => {
        if (path === '/slow/') resolve();
      };
    });
    const running = runCli([...argv, 'scan', '--schedule', '* * * * * *'], { signal: stop.signal });
    await busy;
    site.onRequest = undefined;
    stop.abort();
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    // When the command returns, the stopped scan has let go of the store: lock released, scan closed.
    const db = await openSql(store);
    expect(await currentScanLock(db)).toBeUndefined();
    const scans = (await db.all('SELECT finished, errors FROM scans')) as Array<{
      finished: string | null;
      errors: string;
    }>;
    expect(scans).toHaveLength(1);
    expect(scans[0]!.finished).not.toBeNull();
    expect(scans[0]!.errors).toContain('the crawl stopped before the end');
    await db.close();
  }, 15_000);

  it('refuses a cron pattern it cannot read, with exit code 2', async () => {
    const { argv } = await scanSetup([site]);
    for (const pattern of ['every night', '61 * * * *', '* * * * * * * *']) {
      const result = await runCli([...argv, 'scan', '--schedule', pattern]);
      expect(result.code, pattern).toBe(2);
      expect(result.stderr, pattern).toContain(`--schedule ${JSON.stringify(pattern)}`);
    }
  });
});
