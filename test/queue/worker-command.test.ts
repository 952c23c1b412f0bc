import { join } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgres } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';

/** `syndicate worker` as a user runs it: the store it needs, and a clean stop. */

const rules = join(import.meta.dirname, '..', '..', 'rules');

it('refuses a SQLite store: workers share a PostgreSQL one', async () => {
  const result = await runCli(['--store', join(tempDir(), 'store.sqlite'), '--rules', rules, 'worker']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('worker needs a PostgreSQL store');
});

it('refuses a database that holds no store, as the other commands do', async () => {
  const database = await freshPostgres();
  try {
    const result = await runCli(['--store', database.url, '--rules', rules, 'worker']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no store in this database');
  } finally {
    await database.drop();
  }
});

it('waits for site jobs on the store’s queue until stopped, then ends cleanly', async () => {
  const database = await freshPostgres();
  try {
    await (await openSql(database.url)).close();
    const stop = new AbortController();
    const running = runCli(['--store', database.url, '--rules', rules, 'worker', '--concurrency', '3'], {
      signal: stop.signal,
    });
    // The queue exists once the worker is taking jobs from it.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    let queues: string[] = [];
    for (let tries = 0; tries < 100 && !queues.includes('syndicate-site'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const found = await client
        .query<{ name: string }>('SELECT name FROM pgboss.queue')
        .catch(() => ({ rows: [] as { name: string }[] }));
      queues = found.rows.map((row) => row.name);
    }
    await client.end();
    expect(queues).toContain('syndicate-site');
    stop.abort();
    const result = await running;
    expect(result.code).toBe(0);
  } finally {
    await database.drop();
  }
}, 60_000);
