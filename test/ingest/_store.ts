import { join } from 'node:path';
import type { Article } from '../../src/store/article.ts';
import { countArticles, iterateArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A fresh store in a temporary folder. */
export async function freshStore(): Promise<{ db: Sql; file: string; dir: string }> {
  const dir = tempDir();
  const file = join(dir, 'store.sqlite');
  return { db: await openSql(file), file, dir };
}

/** Every article of the store, newest first. */
export async function allArticles(sql: Sql): Promise<Article[]> {
  const articles: Article[] = [];
  for await (const article of iterateArticles(sql)) articles.push(article);
  return articles;
}

/** Everything the store holds, to compare before and after a failed import. */
export async function snapshot(
  db: Sql,
): Promise<{ count: number; records: string; aliases: unknown[]; terms: unknown[] }> {
  return {
    count: await countArticles(db),
    records: JSON.stringify(await allArticles(db)),
    aliases: await db.all('SELECT * FROM article_aliases ORDER BY url'),
    terms: await db.all('SELECT * FROM article_terms ORDER BY article_id, kind, scheme, value'),
  };
}
