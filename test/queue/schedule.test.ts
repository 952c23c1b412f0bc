import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSql } from '../../src/store/db.ts';
import { freshPostgres } from '../helpers/postgres.ts';

/**
 * `scan --schedule` on a PostgreSQL store fires from one place only (issue 11): three processes
 * run the same every-minute schedule, and each minute's run happens once, in one of them.
 *
 * A run records the minute it ran in, not its slot: a slot sent in the last second of its minute
 * runs in the next one, beside that minute's own run (this failed CI once). So the processes start
 * early in a minute, and every slot the test sees runs in its own.
 */

const child = join(import.meta.dirname, '_cron-child.ts');
const running: ChildProcess[] = [];
afterEach(() => {
  for (const process of running.splice(0)) process.kill('SIGKILL');
});

function start(store: string, name: string): Promise<void> {
  const process = spawn(globalThis.process.execPath, ['--import', 'tsx', child, store, name], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...globalThis.process.env, SYNDICATE_LOG_LEVEL: 'silent' },
  });
  running.push(process);
  let errors = '';
  process.stderr!.on('data', (chunk) => {
    errors += chunk;
  });
  return new Promise((resolve, reject) => {
    process.stdout!.on('data', (chunk) => {
      if (String(chunk).includes('ready')) resolve();
    });
    process.on('exit', (code, signal) => reject(new Error(`${name} exited ${code ?? signal}: ${errors}`)));
  });
}

/** Wait, if need be, for the first seconds of the next minute (the test takes about ten). */
async function earlyInAMinute(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second < 25) return;
  await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
}

it('runs each slot of a schedule once, however many processes keep it', async () => {
  const database = await freshPostgres();
  try {
    const sql = await openSql(database.url);
    await sql.exec('CREATE TABLE test_runs (worker TEXT NOT NULL, minute TEXT NOT NULL)');
    await earlyInAMinute();
    await Promise.all(['one', 'two', 'three'].map((name) => start(database.url, name)));
    // Every process looks at the schedule each second; the current minute is due at once.
    const deadline = Date.now() + 20_000;
    let runs: { worker: string; minute: string }[] = [];
    while (Date.now() < deadline && runs.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      runs = await sql.all('SELECT worker, minute FROM test_runs');
    }
    // Long enough for every process to have looked a few more times.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    runs = await sql.all('SELECT worker, minute FROM test_runs ORDER BY minute');
    expect(runs.length).toBeGreaterThan(0);
    const minutes = runs.map((run) => run.minute);
    expect(new Set(minutes).size).toBe(minutes.length);
    await sql.close();
  } finally {
    for (const process of running.splice(0)) process.kill('SIGKILL');
    await database.drop();
  }
}, 120_000);
