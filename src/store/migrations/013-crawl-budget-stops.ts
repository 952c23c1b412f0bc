import type { Migration } from './index.ts';

/**
 * The budgets (pages, sitemaps) that stopped a site in a crawl pass: a crawl stopped and resumed
 * still reports the site as partly crawled, though the URLs the budget turned away were met before
 * the resume.
 */
export const crawlBudgetStops: Migration = {
  version: 13,
  name: 'crawl-budget-stops',
  up(db) {
    db.exec(`
      CREATE TABLE crawl_budget_stops (
        pass_id INTEGER NOT NULL REFERENCES crawl_passes (id) ON DELETE CASCADE,
        site_id TEXT NOT NULL,
        budget  TEXT NOT NULL,              -- pages | sitemaps
        PRIMARY KEY (pass_id, site_id)
      );
    `);
  },
};
