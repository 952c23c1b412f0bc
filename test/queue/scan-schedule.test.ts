import type { ChildProcess } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { queueSchemaOf } from '../../src/queue/queue.ts';
import { openSql } from '../../src/store/db.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { freshPostgres } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';
import { importedStore } from '../scan/_republisher.ts';
import { startNetwork, syndicate, writeNetworkRules } from './_network.ts';

/**
 * `syndicate scan --schedule` on a PostgreSQL store fires from one place only (issue 11): two
 * processes keep the same every-minute schedule on one store, and each minute gives one scan,
 * run by one of them, never one in each.
 */

const running: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

withoutScreenshots();

it('runs one scan per slot however many processes run scan --schedule', async () => {
  const sites = await startNetwork();
  cleanups.push(async () => {
    await Promise.all(sites.map((site) => site.server.close()));
  });
  const rules = writeNetworkRules(tempDir(), sites, { delayMs: 0 });
  const database = await freshPostgres();
  cleanups.push(database.drop);
  const store = await importedStore(tempDir(), database.url);

  const schedulers = [0, 1].map(() =>
    syndicate(['--store', store, '--rules', rules, 'scan', '--schedule', '* * * * *'], running),
  );
  await Promise.all(schedulers.map((scheduler) => scheduler.said('waiting for the next scheduled scan')));
  // The first slot is due as soon as a process looks at the schedule (every 10 s, one of them).
  await Promise.race(schedulers.map((scheduler) => scheduler.said('scheduled scan done')));
  // Long enough for each process to have looked at the schedule again: a second run of the
  // same slot would have started by now.
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  const stopped = Date.now();
  for (const scheduler of schedulers) scheduler.process.kill('SIGTERM');
  expect(await Promise.all(schedulers.map((scheduler) => scheduler.exited))).toEqual([0, 0]);

  const sql = await openSql(store);
  const scans = await sql.all<{ id: number; finished: string | null }>(
    'SELECT id, finished FROM scans ORDER BY id',
  );
  // pg-boss turns each due slot into one send-it job (unique per minute), which queues one scan.
  // A slot's scan may start in the next minute (the job waits for a worker's poll, or for the
  // previous scan), so the scans' start times do not say which slot they served; the slots do.
  const schema = queueSchemaOf(database.url);
  const slots = await sql.all<{ slot: string }>(
    `SELECT DISTINCT singleton_on::text AS slot FROM (
       SELECT singleton_on FROM ${schema}.job WHERE name = '__pgboss__send-it'
       UNION ALL SELECT singleton_on FROM ${schema}.archive WHERE name = '__pgboss__send-it'
     ) AS sent`,
  );
  await sql.close();
  expect(scans.length).toBeGreaterThan(0);
  // One scan a slot at most: two processes keeping their own schedules would give two.
  expect(scans.length).toBeLessThanOrEqual(slots.length);
  // Every run was one process's, and none failed (a second run of a slot would have met the
  // first's scan lock and failed).
  const runs = schedulers.flatMap((scheduler) =>
    scheduler.log.filter(
      (entry) => entry.msg === 'scheduled scan done' || entry.msg === 'scheduled scan failed',
    ),
  );
  expect(runs.map((entry) => entry.msg)).toEqual(scans.map(() => 'scheduled scan done'));
  // Each found the network's violations (exit 1); on a slow machine the next slot's scan may be
  // under way when the test stops the processes, and that one ends as stopped (exit 2).
  expect(
    runs.every((entry) => entry.exitCode === 1 || (entry.exitCode === 2 && Number(entry.time) >= stopped)),
  ).toBe(true);
  expect(scans.every((scan) => scan.finished !== null)).toBe(true);
}, 120_000);
