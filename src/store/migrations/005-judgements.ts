import type { Migration } from './index.ts';

/**
 * The last check result of each page, with what it was judged against: a rescan that finds the
 * page unchanged (same body, same terms, same articles) reuses it instead of judging it again.
 */
export const judgements: Migration = {
  version: 5,
  name: 'judgements',
  up(db) {
    db.exec(`
      CREATE TABLE scan_judgements (
        url        TEXT PRIMARY KEY,
        body_hash  TEXT NOT NULL,
        stamp      TEXT NOT NULL,
        result     TEXT NOT NULL,
        judged_at  TEXT NOT NULL
      );
    `);
  },
};
