import type { Sql } from '../store/sql.ts';

/** robots.txt as last fetched per origin (`crawl_robots`), kept across passes for a day. */

export interface CachedRobots {
  fetchedAt: string;
  status: number;
  body: string;
}

export async function cachedRobots(sql: Sql, origin: string): Promise<CachedRobots | undefined> {
  return sql.get<CachedRobots>(
    'SELECT fetched_at AS "fetchedAt", status, body FROM crawl_robots WHERE origin = ?',
    [origin],
  );
}

export async function saveRobots(sql: Sql, origin: string, robots: CachedRobots): Promise<void> {
  await sql.run(
    `INSERT INTO crawl_robots (origin, fetched_at, status, body) VALUES (?, ?, ?, ?)
     ON CONFLICT (origin) DO UPDATE SET fetched_at = excluded.fetched_at, status = excluded.status, body = excluded.body`,
    [origin, robots.fetchedAt, robots.status, robots.body],
  );
}
