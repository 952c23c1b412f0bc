import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { indexArticles } from '../../src/match/fingerprint-index.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { tempDir } from './tmp.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export function fixtureArticles(): Article[] {
  return readFileSync(join(FIXTURES, 'articles.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => toArticle(JSON.parse(line)));
}

/** Store files already built in this test file, by the articles they hold. */
const templates = new Map<string, Promise<string>>();
let templateFolder: string | undefined;

/** A folder for the templates that outlives each test (`tempDir`'s go after it), removed after the file. */
function templateDir(): string {
  if (!templateFolder) {
    const folder = mkdtempSync(join(tmpdir(), 'syndicate-fixtures-'));
    templateFolder = folder;
    afterAll(() => rmSync(folder, { recursive: true, force: true }));
  }
  return templateFolder;
}

/** A store file holding `articles`, indexed: built once per set of articles in a test file. */
function template(articles: readonly Article[]): Promise<string> {
  const key = JSON.stringify(articles.map((article) => article.id));
  let made = templates.get(key);
  if (!made) {
    const file = join(templateDir(), `${templates.size}.sqlite`);
    made = (async () => {
      const sql = await openSql(file);
      try {
        await upsertArticles(sql, articles);
        await indexArticles(
          sql,
          articles.map((article) => article.id),
        );
      } finally {
        // Closing the last connection folds the WAL into the file, so the file alone can be copied.
        await sql.close();
      }
      return file;
    })();
    templates.set(key, made);
  }
  return made;
}

/** A SQLite store on disk holding the fixture articles, indexed; and a rules folder with the terms and sites. */
export async function fixtureStore(
  extra: Article[] = [],
): Promise<{ sql: Sql; store: string; rules: string }> {
  const dir = tempDir();
  const store = join(dir, 'store.sqlite');
  copyFileSync(await template([...fixtureArticles(), ...extra]), store);
  const sql = await openSql(store);
  copyFileSync(join(import.meta.dirname, '..', '..', 'rules', 'terms.yaml'), join(dir, 'terms.yaml'));
  copyFileSync(join(FIXTURES, 'sites.yaml'), join(dir, 'sites.yaml'));
  return { sql, store, rules: dir };
}
