import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.ts';

const statements = new WeakMap<Db, Map<string, Statement>>();

/**
 * A prepared statement, prepared once per database: preparing costs more than running, and the
 * crawl runs the same few statements once or twice per item.
 */
export function statement(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let prepared = cache.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    cache.set(sql, prepared);
  }
  return prepared;
}
