import type Database from 'better-sqlite3';

/**
 * Claims and leases, so that processes on several machines can share one store's crawl (issue 11).
 * A frontier item is claimed by the process working it (`claimed_by`, a lock holder token) until
 * `claimed_until` (epoch milliseconds), renewed while it works; a claim whose lease ran out is
 * free again, so the items of a process killed mid-crawl come back. A pass lock likewise expires
 * at `expires_at` unless renewed: a holder on another machine cannot be asked whether it is alive.
 * At most one unfinished pass of a set of sites, so two processes starting the same crawl at once
 * work on one pass. PostgreSQL's schema has the same change under the same version (postgres-schema.ts).
 */
export const crawlClaims = {
  version: 15,
  name: 'crawl-claims',
  up(db: Database.Database): void {
    db.exec(`
      ALTER TABLE crawl_frontier ADD COLUMN claimed_by TEXT;
      ALTER TABLE crawl_frontier ADD COLUMN claimed_until INTEGER;
      ALTER TABLE crawl_locks ADD COLUMN expires_at INTEGER;
      -- One open pass a set of sites, so two processes starting the same crawl share it. A store
      -- never had two (opening a pass was one write transaction), so the index builds on any.
      CREATE UNIQUE INDEX crawl_passes_open ON crawl_passes (sites) WHERE finished_at IS NULL;
    `);
  },
};
