import { SyndicateError } from '../errors.ts';
import type { PostgresSql } from './postgres.ts';

/**
 * The PostgreSQL schema and its migrations. SQLite's migrations (./migrations) describe the same
 * tables; PostgreSQL starts from the schema SQLite had at version 14, in one step, and every later
 * change is a migration for both engines with the same version number.
 */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

export const postgresMigrations: PostgresMigration[] = [];

/** Bring a PostgreSQL store's schema up to date; several processes may race here at once. */
export async function migratePostgres(sql: PostgresSql): Promise<void> {
  const newest = postgresMigrations.at(-1)?.version ?? 0;
  await sql.tx(async () => {
    // One process migrates at a time; the others wait here and then find nothing to do.
    await sql.exec('SELECT pg_advisory_xact_lock(7310155)');
    await sql.exec(
      'CREATE TABLE IF NOT EXISTS syndicate_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)',
    );
    const row = await sql.get<{ version: number }>('SELECT version FROM syndicate_schema WHERE id = 1');
    const current = row?.version ?? 0;
    if (current > newest) {
      throw new SyndicateError(
        'store',
        `store schema version ${current} is newer than this syndicate (${newest})`,
        {
          file: sql.target,
        },
      );
    }
    for (const migration of postgresMigrations) {
      if (migration.version <= current) continue;
      await sql.exec(migration.sql);
    }
    if (newest > current) {
      await sql.run(
        'INSERT INTO syndicate_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version',
        [newest],
      );
    }
  });
}
