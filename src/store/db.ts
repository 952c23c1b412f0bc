import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SyndicateError } from '../errors.ts';
import { migrations } from './migrations/index.ts';

export type Db = Database.Database;

export const DEFAULT_STORE = 'data/syndicate.sqlite';

/**
 * Open (creating if needed) the SQLite store, in WAL mode so that readers (serve, report) never
 * block the writer (scan), and bring its schema up to date.
 */
export function openStore(file: string = DEFAULT_STORE, options: { readonly?: boolean } = {}): Db {
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
  } catch (error) {
    throw new SyndicateError(
      'store',
      `cannot open store: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
  if (!options.readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  if (!options.readonly) migrate(db, file);
  return db;
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
