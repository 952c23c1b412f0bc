import type { Migration } from './index.ts';

/**
 * A contacted finding may carry a deadline (the day the site was asked to fix the reprint by);
 * a scan after it marks the finding overdue when the reprint still violates the terms.
 */
export const deadlines: Migration = {
  version: 12,
  name: 'finding-deadlines',
  up(db) {
    db.exec(`
      ALTER TABLE findings ADD COLUMN deadline TEXT;
      ALTER TABLE findings ADD COLUMN overdue_since TEXT;
      CREATE INDEX findings_deadline ON findings (deadline) WHERE deadline IS NOT NULL;
    `);
  },
};
