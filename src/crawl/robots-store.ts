import type { Db } from '../store/db.ts';
import { statement } from './statements.ts';

/** robots.txt as last fetched per origin (`crawl_robots`), kept across passes for a day. */

export interface CachedRobots {
  fetchedAt: string;
  status: number;
  body: string;
}

export function cachedRobots(db: Db, origin: string): CachedRobots | undefined {
  return db
    .prepare('SELECT fetched_at AS fetchedAt, status, body FROM crawl_robots WHERE origin = ?')
    .get(origin) as CachedRobots | undefined;
}

export function saveRobots(db: Db, origin: string, robots: CachedRobots): void {
  statement(
    db,
    `INSERT INTO crawl_robots (origin, fetched_at, status, body) VALUES (?, ?, ?, ?)
     ON CONFLICT (origin) DO UPDATE SET fetched_at = excluded.fetched_at, status = excluded.status, body = excluded.body`,
  ).run(origin, robots.fetchedAt, robots.status, robots.body);
}
