import type Database from 'better-sqlite3';

/**
 * Per-host politeness shared by every process that crawls from one store (issue 11): for each
 * host, the earliest time the next request may start and the Crawl-delay its robots.txt asked
 * for, and a lease for each request in flight. A lease runs out unless its process renews it, so
 * a process killed mid-request cannot hold a host for ever. Times are milliseconds since the
 * epoch, by the store's clock where the engine has one of its own (PostgreSQL).
 */
export const hostLimits = {
  version: 17,
  name: 'host-limits',
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE crawl_hosts (
        host           TEXT PRIMARY KEY,
        next_at        INTEGER NOT NULL DEFAULT 0,
        crawl_delay_ms INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE crawl_host_leases (
        id         INTEGER PRIMARY KEY,
        host       TEXT NOT NULL,
        holder     TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX crawl_host_leases_host ON crawl_host_leases (host, expires_at);
      CREATE INDEX crawl_host_leases_holder ON crawl_host_leases (holder);
    `);
  },
};
