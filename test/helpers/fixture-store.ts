import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexArticles } from '../../src/match/fingerprint-index.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { type Db, openStore } from '../../src/store/db.ts';
import { tempDir } from './tmp.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export function fixtureArticles(): Article[] {
  return readFileSync(join(FIXTURES, 'articles.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => toArticle(JSON.parse(line)));
}

/** A store on disk holding the fixture articles, indexed; and a rules folder with the terms and sites. */
export function fixtureStore(extra: Article[] = []): { db: Db; store: string; rules: string } {
  const dir = tempDir();
  const store = join(dir, 'store.sqlite');
  const db = openStore(store);
  const articles = [...fixtureArticles(), ...extra];
  upsertArticles(db, articles);
  indexArticles(
    db,
    articles.map((article) => article.id),
  );
  copyFileSync(join(import.meta.dirname, '..', '..', 'rules', 'terms.yaml'), join(dir, 'terms.yaml'));
  copyFileSync(join(FIXTURES, 'sites.yaml'), join(dir, 'sites.yaml'));
  return { db, store, rules: dir };
}
