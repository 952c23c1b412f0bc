/** Builds a fixture store for `fixture-store.ts` while the thread that asked waits (see there). */
import { writeFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { indexArticles } from '../../src/match/fingerprint-index.ts';
import type { Article } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { legacyDb, openSql } from '../../src/store/db.ts';

const { file, articles, state } = workerData as { file: string; articles: Article[]; state: Int32Array };

async function build(): Promise<void> {
  const sql = await openSql(file);
  try {
    await upsertArticles(sql, articles);
    indexArticles(
      legacyDb(sql),
      articles.map((article) => article.id),
    );
  } finally {
    // Closing the last connection folds the WAL into the file, so the file alone can be copied.
    await sql.close();
  }
}

build().then(
  () => {
    Atomics.store(state, 0, 1);
    Atomics.notify(state, 0);
  },
  (error: unknown) => {
    writeFileSync(`${file}.error`, (error as Error)?.stack ?? String(error));
    Atomics.store(state, 0, 2);
    Atomics.notify(state, 0);
  },
);
