import { allPostings } from '../../src/match/postings.ts';
import type { Article } from '../../src/store/article.ts';
import { articleHash } from '../../src/store/articles.ts';
import type { Sql } from '../../src/store/sql.ts';

/**
 * Articles written into a store of either engine with the rows `upsertArticles` writes for them
 * (the record as JSON and its content hash), for the matcher's contract tests while
 * `upsertArticles` still takes SQLite's connection. An article already there is replaced.
 */
export async function storeArticles(sql: Sql, articles: readonly Article[]): Promise<void> {
  await sql.batch(
    `INSERT INTO articles (id, url, title, published, updated, language, record, hash, stored_at, revision)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
     ON CONFLICT (id) DO UPDATE SET url = excluded.url, title = excluded.title, published = excluded.published,
       updated = excluded.updated, language = excluded.language, record = excluded.record, hash = excluded.hash`,
    articles.map((article) => [
      article.id,
      article.url,
      article.title,
      article.published,
      article.updated ?? null,
      article.language ?? null,
      JSON.stringify(article),
      articleHash(article),
      '2026-01-01T00:00:00.000Z',
    ]),
  );
}

/** Postings whose article is not indexed (none, whatever removed it). */
export async function orphanPostings(sql: Sql): Promise<number> {
  const live = new Set(
    (await sql.all<{ doc: number }>('SELECT doc FROM fingerprinted_articles')).map((row) => Number(row.doc)),
  );
  return (await allPostings(sql)).filter((posting) => !live.has(posting.doc)).length;
}
