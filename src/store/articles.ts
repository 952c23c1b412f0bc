import { createHash } from 'node:crypto';
import type { Article } from './article.ts';
import type { Db } from './db.ts';

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

export interface UpsertResult {
  inserted: string[];
  updated: string[];
  unchanged: string[];
}

/** A stable hash of an article's content: the feeds and the matcher rebuild only what changed. */
export function articleHash(article: Article): string {
  return createHash('sha256').update(JSON.stringify(article)).digest('hex');
}

/**
 * Upsert articles by id, else by URL (or alias). Runs in one transaction: the caller's batch
 * (one input file) goes in whole or not at all.
 */
export function upsertArticles(db: Db, articles: readonly Article[], now = new Date()): UpsertResult {
  const result: UpsertResult = { inserted: [], updated: [], unchanged: [] };
  const byId = db.prepare<[string], { id: string; hash: string }>(
    'SELECT id, hash FROM articles WHERE id = ?',
  );
  const byUrl = db.prepare<[string, string], { id: string; hash: string }>(
    `SELECT id, hash FROM articles WHERE url = ?
     UNION ALL SELECT a.id, a.hash FROM article_aliases l JOIN articles a ON a.id = l.article_id WHERE l.url = ?
     LIMIT 1`,
  );
  const insert = db.prepare(
    `INSERT INTO articles (id, url, title, published, updated, language, record, hash, stored_at)
     VALUES (@id, @url, @title, @published, @updated, @language, @record, @hash, @storedAt)`,
  );
  const update = db.prepare(
    `UPDATE articles SET url = @url, title = @title, published = @published, updated = @updated,
       language = @language, record = @record, hash = @hash, stored_at = @storedAt WHERE id = @id`,
  );
  const clearAliases = db.prepare('DELETE FROM article_aliases WHERE article_id = ?');
  const insertAlias = db.prepare('INSERT OR REPLACE INTO article_aliases (url, article_id) VALUES (?, ?)');
  const clearTerms = db.prepare('DELETE FROM article_terms WHERE article_id = ?');
  const insertTerm = db.prepare(
    'INSERT OR IGNORE INTO article_terms (article_id, kind, scheme, value) VALUES (?, ?, ?, ?)',
  );

  db.transaction(() => {
    for (const incoming of articles) {
      const existing =
        byId.get(incoming.id) ??
        (incoming.id === incoming.url ? byUrl.get(incoming.url, incoming.url) : undefined);
      const article: Article = existing ? { ...incoming, id: existing.id } : incoming;
      const hash = articleHash(article);
      if (existing?.hash === hash) {
        result.unchanged.push(article.id);
        continue;
      }
      const row = {
        id: article.id,
        url: article.url,
        title: article.title,
        published: article.published,
        updated: article.updated ?? null,
        language: article.language ?? null,
        record: JSON.stringify(article),
        hash,
        storedAt: now.toISOString(),
      };
      if (existing) {
        update.run(row);
        result.updated.push(article.id);
      } else {
        insert.run(row);
        result.inserted.push(article.id);
      }
      clearAliases.run(article.id);
      for (const alias of article.aliases) insertAlias.run(alias, article.id);
      clearTerms.run(article.id);
      for (const author of article.authors) insertTerm.run(article.id, 'author', '', author.name);
      for (const category of article.categories)
        insertTerm.run(article.id, 'category', category.scheme ?? '', category.term);
      for (const tag of article.tags) insertTerm.run(article.id, 'tag', '', tag);
    }
  })();
  return result;
}

export function getArticle(db: Db, id: string): Article | undefined {
  const row = db.prepare<[string], { record: string }>('SELECT record FROM articles WHERE id = ?').get(id);
  return row ? (JSON.parse(row.record) as Article) : undefined;
}

/** The article whose URL or alias is `url` (exact match; callers normalise first). */
export function findArticleByUrl(db: Db, url: string): Article | undefined {
  const row = db
    .prepare<[string, string], { record: string }>(
      `SELECT record FROM articles WHERE url = ?
       UNION ALL SELECT a.record FROM article_aliases l JOIN articles a ON a.id = l.article_id WHERE l.url = ?
       LIMIT 1`,
    )
    .get(url, url);
  return row ? (JSON.parse(row.record) as Article) : undefined;
}

export function countArticles(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n;
}

/** Every article, newest first, streamed so that a large store never sits in memory at once. */
export function* iterateArticles(db: Db): Generator<Article> {
  const rows = db
    .prepare<[], { record: string }>('SELECT record FROM articles ORDER BY published DESC, id')
    .iterate();
  for (const row of rows) yield JSON.parse(row.record) as Article;
}
