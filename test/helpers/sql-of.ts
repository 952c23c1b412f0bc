import type { Db } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { SqliteSql } from '../../src/store/sqlite.ts';

const wrapped = new WeakMap<Db, Sql>();

/**
 * The `Sql` of a better-sqlite3 connection a test already holds, for calling repositories that
 * have moved to `Sql` from tests of code that has not (issue 11); one per connection, so that its
 * transactions keep out the calls made beside them.
 */
export function sqlOf(db: Db): Sql {
  let sql = wrapped.get(db);
  if (!sql) {
    sql = new SqliteSql(db, db.name);
    wrapped.set(db, sql);
  }
  return sql;
}
