import type { Db } from './db.ts';
import type { Sql } from './sql.ts';
import { SqliteSql } from './sqlite.ts';

const wrapped = new WeakMap<Db, SqliteSql>();

/**
 * While the repositories move to `Sql` (issue 11): the `Sql` over a better-sqlite3 connection that
 * code not yet converted holds, so it can call the converted functions (the matcher, discovery).
 * One `Sql` per connection, so its statement cache and its transaction lock are shared by every
 * caller. It is the reverse of `legacyDb`, and goes when its last caller takes `Sql`.
 */
export function sqlOfLegacyDb(db: Db, target = db.name): Sql {
  let sql = wrapped.get(db);
  if (!sql) {
    sql = new SqliteSql(db, target);
    wrapped.set(db, sql);
  }
  return sql;
}
