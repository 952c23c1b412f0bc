import type { Migration } from './index.ts';

/**
 * Each site's result in a scan (compliant, violations, unreachable, partly scanned) with the URLs
 * that failed, as JSON keyed by site id: a report of an old scan says what it could not see.
 * Scans recorded before have none (NULL).
 */
export const siteResults: Migration = {
  version: 11,
  name: 'site-results',
  up(db) {
    db.exec('ALTER TABLE scans ADD COLUMN site_results TEXT');
  },
};
