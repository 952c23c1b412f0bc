import type Database from 'better-sqlite3';

/**
 * What feed items are made from, kept per article (feed, issue 13): the article's record with its
 * HTML cleaned by a real HTML parser and its summary made (`src/feed/source/`), as JSON. Cleaning
 * costs as much as rendering, so it is done once per article version (at import, or by the first
 * build that needs it) rather than by every build. A row is a cache: it counts only while
 * `article_hash` is the article's hash and `code` the version of the code that made it, and the
 * row goes with its article. `IF NOT EXISTS`: a store put back to an older version number by hand
 * (as the evidence migration's test does) keeps the table, which is only a cache.
 */
export const feedItemSources = {
  version: 19,
  name: 'feed-item-sources',
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS feed_item_sources (
        article_id   TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        article_hash TEXT NOT NULL,
        code         TEXT NOT NULL,
        source       TEXT NOT NULL
      );
    `);
  },
};
