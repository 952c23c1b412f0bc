import type { Migration } from './index.ts';

/**
 * Web-archive discovery. `discover_files` is one row per archive file (a path or a URL, or a CDX
 * hit's file) with how far a run got: `resume_offset` is the record boundary where an unfinished
 * file continues. `discoveries` is one row per (archive record, article) reprint: where the record
 * sits in its file (offset and length of its gzip member, so that exact record can be fetched
 * again as evidence), the page and its capture date, and what was found. A WARC response is
 * judged in full (`verdict`); a WET text conversion has no markup, so it is `unchecked` until
 * `discover --check` judges the live page.
 */
export const discoveries: Migration = {
  version: 6,
  name: 'discoveries',
  up(db) {
    db.exec(`
      CREATE TABLE discover_files (
        source         TEXT PRIMARY KEY,
        status         TEXT NOT NULL CHECK (status IN ('running', 'done')),
        resume_offset  INTEGER NOT NULL DEFAULT 0,
        records        INTEGER NOT NULL DEFAULT 0,
        pages          INTEGER NOT NULL DEFAULT 0,
        bytes          INTEGER NOT NULL DEFAULT 0,
        damaged        TEXT NOT NULL DEFAULT '[]',   -- JSON array of {offset, length, reason}
        started_at     TEXT NOT NULL,
        finished_at    TEXT
      );

      CREATE TABLE discoveries (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        source         TEXT NOT NULL,
        record_offset  INTEGER NOT NULL,
        record_length  INTEGER NOT NULL,
        record_type    TEXT NOT NULL,                -- response (WARC) | conversion (WET)
        page_url       TEXT NOT NULL,
        host           TEXT NOT NULL,
        captured_at    TEXT,
        page_title     TEXT,
        article_id     TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        coverage       REAL NOT NULL,
        kind           TEXT NOT NULL CHECK (kind IN ('full', 'excerpt')),
        verdict        TEXT NOT NULL CHECK (verdict IN ('compliant', 'violation', 'uncertain', 'unchecked')),
        violations     TEXT NOT NULL DEFAULT '[]',   -- JSON array of {rule, message, evidence}
        checked_at     TEXT,
        found_at       TEXT NOT NULL,
        UNIQUE (source, record_offset, article_id)
      );
      CREATE INDEX discoveries_host ON discoveries (host);
      CREATE INDEX discoveries_page ON discoveries (page_url);
    `);
  },
};
