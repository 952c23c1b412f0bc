import type Database from 'better-sqlite3';

/**
 * The inverted index as postings lists (src/match/postings.ts): one row per hash bucket and part
 * of the articles, its postings packed in a blob, instead of one row per (fingerprint, article).
 * The rows of the old table are packed here, in SQL, as the code packs them: the row id is the
 * doc's part (doc / 2^17) times 2^18 plus the hash's top 18 bits; each posting is the hash's low
 * half, then its high half's next 14 bits above the doc's place in its part, big-endian.
 */
const postingsFromRows = `
  INSERT INTO fingerprint_postings (id, postings)
    SELECT (doc / 131072) * 262144 + ((hash >> 46) & 262143),
      unhex(group_concat(printf('%08X%08X', hash & 4294967295, (((hash >> 32) & 16383) << 17) | (doc & 131071)), ''))
    FROM fingerprints GROUP BY 1;
`;

export const fingerprintPostings = {
  version: 21,
  name: 'fingerprint-postings',
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS fingerprint_postings (
        id       INTEGER PRIMARY KEY,
        postings BLOB NOT NULL
      );
    `);
    // A store whose version was set back by hand (as a test that replays older migrations does)
    // may hold the new table already and no old one: there is nothing to pack then.
    const old = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fingerprints'")
      .get();
    if (old) db.exec(`${postingsFromRows} DROP TABLE fingerprints;`);
  },
};
