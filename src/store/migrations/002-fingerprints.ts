import type { Migration } from './index.ts';

/**
 * The fingerprint index of the article store. `fingerprinted_articles` gives each indexed article a
 * small integer (`doc`) and keeps its winnowed fingerprints as one blob (high, low, position: three
 * little-endian int32 per fingerprint), so coverage needs no query per fingerprint and re-indexing
 * an article knows exactly which index rows to delete. `fingerprints` is the inverted index, one
 * row per distinct (fingerprint, article), clustered on the fingerprint.
 */
export const fingerprints: Migration = {
  version: 2,
  name: 'fingerprints',
  up(db) {
    db.exec(`
      CREATE TABLE fingerprinted_articles (
        doc          INTEGER PRIMARY KEY,
        article_id   TEXT NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
        article_hash TEXT NOT NULL,
        words        INTEGER NOT NULL,
        fingerprints BLOB NOT NULL
      );
      CREATE TABLE fingerprints (
        hash INTEGER NOT NULL,
        doc  INTEGER NOT NULL,
        PRIMARY KEY (hash, doc)
      ) WITHOUT ROWID;
    `);
  },
};
