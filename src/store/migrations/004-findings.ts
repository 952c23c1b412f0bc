import type { Migration } from './index.ts';

/**
 * Scans, the findings they record and what people decide about them.
 *
 * A finding is one (page, article) reprint that violated the terms at least once; it lives across
 * scans. `observations` says what each scan saw of each finding (and whether that made it new,
 * resolved or left it quiet), so a report for an old scan reads the same as it did then.
 * `audit` is append-only: who changed a finding's status or wrote a note, and when.
 * `scan_lock` has at most one row: the process running a scan.
 */
export const findings: Migration = {
  version: 4,
  name: 'scans-findings-audit',
  up(db) {
    db.exec(`
      CREATE TABLE scans (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        started   TEXT NOT NULL,
        finished  TEXT,
        sites     TEXT NOT NULL DEFAULT '[]',   -- JSON array of site ids
        counts    TEXT NOT NULL DEFAULT '{}',   -- JSON object of counters
        errors    TEXT NOT NULL DEFAULT '[]'    -- JSON array of {url?, message}
      );

      CREATE TABLE findings (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        page_url      TEXT NOT NULL,
        article_id    TEXT NOT NULL,
        article_url   TEXT NOT NULL,
        article_title TEXT NOT NULL DEFAULT '',
        page_title    TEXT,
        site          TEXT,
        first_seen    TEXT NOT NULL,
        first_scan    INTEGER REFERENCES scans (id),
        last_seen     TEXT NOT NULL,
        last_scan     INTEGER REFERENCES scans (id),
        resolved_at   TEXT,
        resolved_why  TEXT CHECK (resolved_why IN ('compliant', 'gone', 'manual')),
        status        TEXT NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'contacted', 'resolved', 'dismissed', 'licensed')),
        verdict       TEXT NOT NULL CHECK (verdict IN ('compliant', 'violation')),
        violations    TEXT NOT NULL DEFAULT '[]',  -- JSON: Violation[] of the last violating check
        evidence      TEXT NOT NULL DEFAULT '{}',  -- JSON: coverage, kind, passages, rule outcomes
        reprint_hash  TEXT NOT NULL DEFAULT '',
        UNIQUE (page_url, article_id)
      );
      CREATE INDEX findings_site ON findings (site, status);
      CREATE INDEX findings_status ON findings (status, last_seen DESC);

      CREATE TABLE observations (
        scan_id     INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        finding_id  INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
        verdict     TEXT NOT NULL,
        -- new | reopened | seen | quiet | resolved
        change      TEXT NOT NULL,
        violations  TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (scan_id, finding_id)
      );
      CREATE INDEX observations_finding ON observations (finding_id, scan_id);

      CREATE TABLE audit (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        finding_id  INTEGER NOT NULL REFERENCES findings (id),
        who         TEXT NOT NULL,
        at          TEXT NOT NULL,
        from_status TEXT,
        to_status   TEXT NOT NULL,
        note        TEXT
      );
      CREATE INDEX audit_finding ON audit (finding_id, id);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

      CREATE TABLE scan_lock (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        pid      INTEGER NOT NULL,
        host     TEXT NOT NULL,
        started  TEXT NOT NULL
      );
    `);
  },
};
