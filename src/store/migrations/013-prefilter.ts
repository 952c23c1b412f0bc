import type { Migration } from './index.ts';

/**
 * Discover's prefilter (a Bloom filter over every fingerprint in the index) kept in the store, so
 * a run reads a few megabytes instead of every article's fingerprints. `fingerprint_revision`
 * counts every change to `fingerprinted_articles`, by triggers, so that whatever changes the
 * index (a build, an import, a removal's cascade) makes a stored filter stale; the filter is kept
 * with the revision it was built at.
 */
export const prefilter: Migration = {
  version: 13,
  name: 'discover-prefilter',
  up(db) {
    db.exec(`
      CREATE TABLE fingerprint_revision (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        revision INTEGER NOT NULL
      );
      INSERT INTO fingerprint_revision (id, revision) VALUES (1, 0);
      CREATE TRIGGER fingerprinted_articles_inserted AFTER INSERT ON fingerprinted_articles
        BEGIN UPDATE fingerprint_revision SET revision = revision + 1; END;
      CREATE TRIGGER fingerprinted_articles_updated AFTER UPDATE ON fingerprinted_articles
        BEGIN UPDATE fingerprint_revision SET revision = revision + 1; END;
      CREATE TRIGGER fingerprinted_articles_deleted AFTER DELETE ON fingerprinted_articles
        BEGIN UPDATE fingerprint_revision SET revision = revision + 1; END;
      CREATE TABLE discover_prefilter (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        -- The filter's format and the index revision it was built from.
        built_at TEXT NOT NULL,
        entries  INTEGER NOT NULL,
        bits     BLOB NOT NULL
      );
    `);
  },
};
