import type { Migration } from './index.ts';

/**
 * What a feed build needs to do no more work than a change calls for.
 *
 * `article_state` holds one counter, the store revision, which every write to the articles bumps,
 * and a random store id (a build's manifest from another store is worth nothing here). Each
 * article row carries the revision that last wrote it, so "what changed since revision R" is one
 * index range. `article_departures` keeps what an article was before a write took it out of some
 * feeds (its terms and language before they changed, or the whole article removed), because the
 * row itself no longer says so; `removed_at` is set when the article left the store.
 *
 * The selection indexes answer each feed's filter newest first without reading an article row:
 * `article_terms` carries its article's `published` date, so one range of `article_terms_newest`
 * is a term's articles in feed order, and `articles_newest` covers the unfiltered feed (and the
 * hash and language every selection needs), so the large rows are read only to render.
 */
export const articleRevisions: Migration = {
  version: 7,
  name: 'article revisions and selection indexes',
  up(db) {
    db.exec(`
      CREATE TABLE article_state (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        revision  INTEGER NOT NULL,
        store_id  TEXT NOT NULL
      );
      INSERT INTO article_state (id, revision, store_id) VALUES (1, 1, lower(hex(randomblob(16))));
      ALTER TABLE articles ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
      CREATE INDEX articles_revision ON articles (revision);
      CREATE INDEX articles_newest ON articles (published DESC, id, hash, language);
      CREATE TABLE article_departures (
        revision    INTEGER NOT NULL,
        article_id  TEXT NOT NULL,
        url         TEXT NOT NULL,
        language    TEXT,
        terms       TEXT NOT NULL,      -- JSON [[kind, scheme, value], …] before the write
        removed_at  TEXT                -- set when the article left the store
      );
      CREATE INDEX article_departures_revision ON article_departures (revision);
      CREATE INDEX article_departures_article ON article_departures (article_id, revision);
      ALTER TABLE article_terms ADD COLUMN published TEXT NOT NULL DEFAULT '';
      UPDATE article_terms SET published = (SELECT a.published FROM articles a WHERE a.id = article_id);
      DROP INDEX article_terms_lookup;
      CREATE INDEX article_terms_newest ON article_terms (kind, scheme, value, published DESC, article_id);
    `);
  },
};
