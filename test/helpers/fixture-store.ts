import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexArticles } from '../../src/match/fingerprint-index.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { type Db, legacyDb, openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { tempDir } from './tmp.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export function fixtureArticles(): Article[] {
  return readFileSync(join(FIXTURES, 'articles.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => toArticle(JSON.parse(line)));
}

/**
 * A SQLite store on disk holding the fixture articles, indexed (`sql`, and `db` the same connection
 * for code not yet on `Sql`); and a rules folder with the terms and sites.
 */
export async function fixtureStore(
  extra: Article[] = [],
): Promise<{ sql: Sql; db: Db; store: string; rules: string }> {
  const dir = tempDir();
  const store = join(dir, 'store.sqlite');
  const sql = await openSql(store);
  const db = legacyDb(sql);
  const articles = [...fixtureArticles(), ...extra];
  upsertArticles(db, articles);
  await indexArticles(
    sql,
    articles.map((article) => article.id),
  );
  copyFileSync(join(import.meta.dirname, '..', '..', 'rules', 'terms.yaml'), join(dir, 'terms.yaml'));
  copyFileSync(join(FIXTURES, 'sites.yaml'), join(dir, 'sites.yaml'));
  return { sql, db, store, rules: dir };
}
