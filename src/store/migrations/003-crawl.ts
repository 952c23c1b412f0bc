import type { Migration } from './index.ts';

/**
 * The crawler's state. A pass is one crawl of a set of sites; its frontier holds every URL it
 * has decided to visit, with the outcome once known, so a crawl killed at any moment resumes from
 * what is committed. Snapshots are unique per pass and URL; bodies are stored once by content.
 * robots.txt answers are cached across passes (at most 24 hours, enforced by the reader).
 */
export const crawl: Migration = {
  version: 3,
  name: 'crawl frontier and snapshots',
  up(db) {
    db.exec(`
      CREATE TABLE crawl_passes (
        id          INTEGER PRIMARY KEY,
        sites       TEXT NOT NULL,        -- JSON array of the site ids, sorted
        started_at  TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE TABLE crawl_frontier (
        id        INTEGER PRIMARY KEY,
        pass_id   INTEGER NOT NULL REFERENCES crawl_passes (id) ON DELETE CASCADE,
        site_id   TEXT NOT NULL,
        url       TEXT NOT NULL,
        kind      TEXT NOT NULL,          -- seed | sitemap | feed | page
        source    TEXT NOT NULL,          -- config | robots | default | sitemap | feed | start | link
        depth     INTEGER NOT NULL DEFAULT 0,
        follow    INTEGER NOT NULL DEFAULT 0,   -- follow the page's links
        optional  INTEGER NOT NULL DEFAULT 0,   -- a guessed URL: not found is no failure
        state     TEXT NOT NULL DEFAULT 'queued', -- queued | done | skipped | failed
        reason    TEXT,                   -- the failure kind or why it was skipped
        message   TEXT,
        status    INTEGER,
        attempts  INTEGER NOT NULL DEFAULT 0,
        UNIQUE (pass_id, kind, url)
      );
      -- No index on state: it is read once when a crawl starts, and every outcome would move an
      -- entry of such an index, one more page written per committed item.
      CREATE TABLE crawl_bodies (
        key   TEXT PRIMARY KEY,           -- sha256 of the decoded text
        body  TEXT NOT NULL
      );
      CREATE TABLE crawl_snapshots (
        id             INTEGER PRIMARY KEY,
        pass_id        INTEGER NOT NULL REFERENCES crawl_passes (id) ON DELETE CASCADE,
        site_id        TEXT NOT NULL,
        url            TEXT NOT NULL,
        final_url      TEXT NOT NULL,
        http_status    INTEGER NOT NULL,  -- what this fetch answered: 304 when not modified
        status         INTEGER NOT NULL,  -- the status of the content kept
        headers        TEXT NOT NULL,
        fetched_at     TEXT NOT NULL,
        content_type   TEXT NOT NULL,
        body_hash      TEXT NOT NULL,     -- sha256 of the raw body bytes
        body_key       TEXT NOT NULL REFERENCES crawl_bodies (key),
        changed        INTEGER NOT NULL
      );
      -- One snapshot a page a pass; also how the previous pass's snapshot of a URL is found.
      CREATE UNIQUE INDEX crawl_snapshots_url ON crawl_snapshots (url, pass_id);
      CREATE INDEX crawl_snapshots_pass ON crawl_snapshots (pass_id, id);
      CREATE TABLE crawl_locks (
        pass_id     INTEGER PRIMARY KEY REFERENCES crawl_passes (id) ON DELETE CASCADE,
        holder      TEXT NOT NULL,        -- host:pid:token of the process working on the pass
        acquired_at TEXT NOT NULL
      );
      CREATE TABLE crawl_robots (
        origin      TEXT PRIMARY KEY,
        fetched_at  TEXT NOT NULL,
        status      INTEGER NOT NULL,
        body        TEXT NOT NULL
      );
    `);
  },
};
