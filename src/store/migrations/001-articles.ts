import type { Migration } from './index.ts';

/**
 * Articles keep their validated record as JSON (the one source of truth for every field) plus the
 * columns that are searched or ordered on. `aliases` maps every other URL of an article to it.
 */
export const articles: Migration = {
  version: 1,
  name: 'articles',
  up(db) {
    db.exec(`
      CREATE TABLE articles (
        id         TEXT PRIMARY KEY,
        url        TEXT NOT NULL UNIQUE,
        title      TEXT NOT NULL,
        published  TEXT NOT NULL,
        updated    TEXT,
        language   TEXT,
        record     TEXT NOT NULL,
        hash       TEXT NOT NULL,
        stored_at  TEXT NOT NULL
      );
      CREATE INDEX articles_published ON articles (published DESC, id);
      CREATE TABLE article_aliases (
        url        TEXT PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE
      );
      CREATE INDEX article_aliases_article ON article_aliases (article_id);
      CREATE TABLE article_terms (
        article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,   -- 'author' | 'category' | 'tag'
        scheme     TEXT NOT NULL DEFAULT '',
        value      TEXT NOT NULL,
        PRIMARY KEY (article_id, kind, scheme, value)
      );
      CREATE INDEX article_terms_lookup ON article_terms (kind, scheme, value);
    `);
  },
};
