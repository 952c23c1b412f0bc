import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** One statement on the run's server, as its administrator. */
async function asAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database on the run's PostgreSQL server (see test/postgres-setup.ts), for one
 * test or one file: its URL, and `drop` to remove it.
 */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = inject('postgresUrl');
  const name = `syndicate_test_${randomBytes(6).toString('hex')}`;
  await asAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * A fresh, empty schema in the run's shared test database, for a test that needs only the store's
 * tables: a hundred times cheaper than a database (3 ms against 300 ms). The URL sets the schema
 * as the connection's search path, so everything the store makes goes into it.
 */
export async function freshSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = inject('postgresUrl');
  const name = `syndicate_test_${randomBytes(6).toString('hex')}`;
  await asAdmin(`CREATE SCHEMA ${name}`);
  const url = new URL(admin);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    url: url.toString(),
    // The job queue of a store in this schema keeps its tables beside it (src/queue/queue.ts).
    drop: () => asAdmin(`DROP SCHEMA IF EXISTS ${name}, ${name}_pgboss CASCADE`),
  };
}
