import type Database from 'better-sqlite3';

/**
 * The budgets (pages, sitemaps) that stopped a site in a crawl pass: a crawl stopped and resumed
 * still reports the site as partly crawled, though the URLs the budget turned away were met before
 * the resume. Typed by the list in index.ts that takes it, not by importing its type back, which
 * would make an import cycle.
 */
export const crawlBudgetStops = {
  version: 14,
  name: 'crawl-budget-stops',
  up(db: Database.Database): void {
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
