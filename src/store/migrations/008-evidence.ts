import type { Migration } from './index.ts';

/**
 * Evidence of violations. `crawl_raw` keeps each page's HTTP exchange as fetched (the request
 * headers, the response status and headers, the body bytes gzip-compressed) so that a WARC can be
 * written later, when the page turns out to violate the terms; a scan prunes it to the newest
 * response of each URL. `evidence` is one capture for a finding and a version of its reprint;
 * `evidence_files` are its files (WARC, screenshot, manifest), kept by content under the store's
 * `evidence/` folder and named here by their SHA-256.
 */
export const evidence: Migration = {
  version: 8,
  name: 'evidence',
  up(db) {
    db.exec(`
      CREATE TABLE crawl_raw (
        url               TEXT NOT NULL,
        body_hash         TEXT NOT NULL,   -- sha256 of the body bytes, as crawl_snapshots.body_hash
        final_url         TEXT NOT NULL,
        fetched_at        TEXT NOT NULL,
        status            INTEGER NOT NULL,
        request_headers   TEXT NOT NULL,   -- JSON object, names lower-cased
        response_headers  TEXT NOT NULL,   -- JSON object, names lower-cased
        body              BLOB NOT NULL,   -- gzip of the body bytes
        PRIMARY KEY (url, body_hash)
      ) WITHOUT ROWID;

      CREATE TABLE evidence (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        finding_id    INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
        scan_id       INTEGER REFERENCES scans (id),
        captured_at   TEXT NOT NULL,
        page_url      TEXT NOT NULL,
        reprint_hash  TEXT NOT NULL,
        -- what could not be captured and why (no Chromium, a page that would not render), JSON array
        missing       TEXT NOT NULL DEFAULT '[]',
        UNIQUE (finding_id, reprint_hash)
      );

      CREATE TABLE evidence_files (
        evidence_id  INTEGER NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
        role         TEXT NOT NULL CHECK (role IN ('warc', 'screenshot', 'manifest')),
        name         TEXT NOT NULL,        -- the file's name in an export
        media_type   TEXT NOT NULL,
        sha256       TEXT NOT NULL,
        bytes        INTEGER NOT NULL,
        PRIMARY KEY (evidence_id, role)
      );
      CREATE INDEX evidence_files_sha ON evidence_files (sha256);
    `);
  },
};
