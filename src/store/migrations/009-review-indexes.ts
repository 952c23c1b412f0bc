import type { Migration } from './index.ts';

/**
 * Indexes for the review pages, which page through thousands of findings sorted by when they were
 * seen, by site or by title: each sort the pages offer walks an index instead of sorting the table.
 */
export const reviewIndexes: Migration = {
  version: 9,
  name: 'review-indexes',
  up(db) {
    db.exec(`
      CREATE INDEX findings_last_seen ON findings (last_seen, id);
      CREATE INDEX findings_first_seen ON findings (first_seen, id);
      CREATE INDEX findings_site_seen ON findings (site, last_seen, id);
      CREATE INDEX findings_title ON findings (COALESCE(NULLIF(page_title, ''), page_url) COLLATE NOCASE, id);
      CREATE INDEX findings_verdict ON findings (verdict, status);
      CREATE INDEX observations_change ON observations (change, scan_id);
    `);
  },
};
