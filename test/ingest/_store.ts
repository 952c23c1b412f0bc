import { join } from 'node:path';
import { countArticles, iterateArticles } from '../../src/store/articles.ts';
import { type Db, openStore } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A fresh store in a temporary folder. */
export function freshStore(): { db: Db; file: string; dir: string } {
  const dir = tempDir();
  const file = join(dir, 'store.sqlite');
  return { db: openStore(file), file, dir };
}

/** Everything the store holds, to compare before and after a failed import. */
export function snapshot(db: Db): { count: number; records: string; aliases: unknown[]; terms: unknown[] } {
  return {
    count: countArticles(db),
    records: JSON.stringify([...iterateArticles(db)]),
    aliases: db.prepare('SELECT * FROM article_aliases ORDER BY url').all(),
    terms: db.prepare('SELECT * FROM article_terms ORDER BY article_id, kind, scheme, value').all(),
  };
}
