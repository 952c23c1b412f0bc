import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { startWorker } from '../../src/match/_worker.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { type Db, openStore } from '../../src/store/db.ts';
import { tempDir } from './tmp.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export function fixtureArticles(): Article[] {
  return readFileSync(join(FIXTURES, 'articles.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => toArticle(JSON.parse(line)));
}

/** Store files already built in this test file, by the articles they hold. */
const templates = new Map<string, string>();
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

/**
 * A store file holding `articles`, indexed, written by the store's own (asynchronous) code. The
 * many synchronous callers of `fixtureStore` wait for it: a worker thread builds it while this
 * thread blocks, once per set of articles in a test file, and every call copies the file.
 */
function template(articles: readonly Article[]): string {
  const key = JSON.stringify(articles.map((article) => article.id));
  const known = templates.get(key);
  if (known) return known;
  const file = join(templateDir(), `${templates.size}.sqlite`);
  // 0 while the worker runs; then 1 (built) or 2 (failed, the reason in `<file>.error`).
  const state = new Int32Array(new SharedArrayBuffer(4));
  const worker = startWorker(new URL('./_fixture-worker.ts', import.meta.url), { file, articles, state });
  Atomics.wait(state, 0, 0);
  void worker.terminate();
  if (Atomics.load(state, 0) !== 1)
    throw new Error(`building the fixture store failed: ${readFileSync(`${file}.error`, 'utf8')}`);
  templates.set(key, file);
  return file;
}

/** A store on disk holding the fixture articles, indexed; and a rules folder with the terms and sites. */
export function fixtureStore(extra: Article[] = []): { db: Db; store: string; rules: string } {
  const dir = tempDir();
  const store = join(dir, 'store.sqlite');
  copyFileSync(template([...fixtureArticles(), ...extra]), store);
  const db = openStore(store);
  copyFileSync(join(import.meta.dirname, '..', '..', 'rules', 'terms.yaml'), join(dir, 'terms.yaml'));
  copyFileSync(join(FIXTURES, 'sites.yaml'), join(dir, 'sites.yaml'));
  return { db, store, rules: dir };
}
