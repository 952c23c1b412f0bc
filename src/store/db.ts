import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SyndicateError } from '../errors.ts';
import { migrations } from './migrations/index.ts';
import { PostgresSql, redactUrl } from './postgres.ts';
import { migratePostgres } from './postgres-schema.ts';
import type { Sql } from './sql.ts';
import { SqliteSql } from './sqlite.ts';

export type Db = Database.Database;

export const DEFAULT_STORE = 'data/syndicate.sqlite';

export interface OpenOptions {
  readonly?: boolean;
  mustExist?: boolean;
}

/** Whether `--store` names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * Open the store `--store` names: a SQLite file (see `openStore`) or a `postgres://` URL, whose
 * schema is brought up to date unless `readonly` is set. A server that cannot be reached is a
 * `store` error naming the URL without its password.
 */
export async function openSql(target: string = DEFAULT_STORE, options: OpenOptions = {}): Promise<Sql> {
  if (!isPostgresUrl(target)) return new SqliteSql(openStore(target, options), target);
  const sql = new PostgresSql(target);
  try {
    // Straight to the pool, not through the engine's retries: a wrong URL fails at once.
    const { rows } = await sql.pool.query<{ made: string | null }>(
      "SELECT to_regclass('syndicate_schema')::text AS made",
    );
    // As with a SQLite file: only `import` (and `migrate-store`) make a store where there is none.
    if ((options.mustExist || options.readonly) && !rows[0]?.made) {
      throw new SyndicateError(
        'store',
        'no store in this database; create one with `syndicate import` or `syndicate migrate-store`, or give the right --store',
        { file: sql.target },
      );
    }
    if (!options.readonly) await migratePostgres(sql);
  } catch (error) {
    await sql.close().catch(() => {});
    if (error instanceof SyndicateError) throw error;
    throw new SyndicateError(
      'store',
      `cannot open the store: ${(error as Error).message}`,
      { file: redactUrl(target) },
      { cause: error },
    );
  }
  return sql;
}

/**
 * Open the SQLite store, in WAL mode so that readers (serve, report) never block the writer
 * (scan), and bring its schema up to date. It is created when missing unless `mustExist` is set:
 * the commands that read a store set it, so a typo in `--store` is an error and not an empty store
 * from which `build` would publish empty feeds.
 */
export function openStore(file: string = DEFAULT_STORE, options: OpenOptions = {}): Db {
  const memory = file === ':memory:' || file === '';
  if (!memory && (options.mustExist || options.readonly) && !existsSync(file)) {
    throw new SyndicateError(
      'store',
      'no store here; create one with `syndicate import`, or give the right --store',
      { file },
    );
  }
  if (!memory && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  let db: Db | undefined;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: (options.readonly || options.mustExist) ?? false,
    });
    // better-sqlite3 opens lazily: a file that is not a database fails on the first statement.
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    if (!options.readonly) migrate(db, file);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof SyndicateError) throw error;
    throw new SyndicateError(
      'store',
      `cannot open the store: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
}

/** Apply every migration newer than the store's `user_version`, each in its own transaction. */
export function migrate(db: Db, file = ':memory:'): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new SyndicateError(
      'store',
      `store schema version ${current} is newer than this syndicate (${newest})`,
      {
        file,
      },
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

/**
 * The better-sqlite3 connection beneath a SQLite store's `Sql`, for what needs SQLite itself
 * (pragmas, a checkpoint, a test's look at the raw rows). A PostgreSQL store has none: refused by name.
 */
export function legacyDb(sql: Sql): Db {
  if (sql instanceof SqliteSql) return sql.db;
  throw new SyndicateError('store', 'this needs a SQLite store, not PostgreSQL', {
    file: sql.target,
  });
}
