/**
 * The fingerprint index: winnowed fingerprints of every stored article, kept in SQLite with an
 * inverted index, and brought up to date for the articles an import touched.
 */
import type { Article } from '../store/article.ts';
import type { Db } from '../store/db.ts';
import {
  DEFAULT_SHINGLES,
  type Fingerprints,
  type ShingleOptions,
  shingles,
  toInt64,
  winnow,
} from './fingerprint.ts';
import { htmlToText } from './page.ts';
import { type Tokens, tokenise } from './tokens.ts';

/** The text of an article that reprints are compared with: its body, else its summary. */
export function articleText(article: Article): string {
  if (article.html.trim()) return htmlToText(article.html);
  return article.summary ? htmlToText(article.summary) : '';
}

export function articleTokens(article: Article): Tokens {
  return tokenise(articleText(article));
}

export function fingerprintTokens(tokens: Tokens, options: ShingleOptions = DEFAULT_SHINGLES): Fingerprints {
  return winnow(shingles(tokens, options), options);
}

export function packFingerprints(prints: Fingerprints): Buffer {
  const packed = new Int32Array(prints.high.length * 3);
  for (let i = 0; i < prints.high.length; i++) {
    packed[3 * i] = prints.high[i]!;
    packed[3 * i + 1] = prints.low[i]!;
    packed[3 * i + 2] = prints.positions[i]!;
  }
  return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
}

export function unpackFingerprints(blob: Uint8Array): Fingerprints {
  // Copy into an aligned buffer: SQLite blobs may start at any byte.
  const packed = new Int32Array(new Uint8Array(blob).buffer);
  const count = packed.length / 3;
  const prints: Fingerprints = {
    high: new Int32Array(count),
    low: new Int32Array(count),
    positions: new Int32Array(count),
  };
  for (let i = 0; i < count; i++) {
    prints.high[i] = packed[3 * i]!;
    prints.low[i] = packed[3 * i + 1]!;
    prints.positions[i] = packed[3 * i + 2]!;
  }
  return prints;
}

export interface IndexResult {
  indexed: number;
  unchanged: number;
  removed: number;
}

/**
 * Bring the fingerprints of the given articles (all articles when `articleIds` is omitted) up to
 * date. An article whose content hash is unchanged is skipped; an article no longer in the store
 * loses its fingerprints. Runs in transactions of `batchSize` articles.
 */
export function indexArticles(
  db: Db,
  articleIds?: readonly string[],
  options: { batchSize?: number; shingles?: ShingleOptions } = {},
): IndexResult {
  const batchSize = options.batchSize ?? 2000;
  const shingleOptions = options.shingles ?? DEFAULT_SHINGLES;
  const result: IndexResult = { indexed: 0, unchanged: 0, removed: 0 };
  const current = db.prepare<[string], { doc: number; article_hash: string; fingerprints: Buffer }>(
    'SELECT doc, article_hash, fingerprints FROM fingerprinted_articles WHERE article_id = ?',
  );
  const articleRow = db.prepare<[string], { record: string; hash: string }>(
    'SELECT record, hash FROM articles WHERE id = ?',
  );
  const deletePrint = db.prepare('DELETE FROM fingerprints WHERE hash = ? AND doc = ?');
  const insertPrint = db.prepare('INSERT OR IGNORE INTO fingerprints (hash, doc) VALUES (?, ?)');
  const insertDoc = db.prepare(
    'INSERT INTO fingerprinted_articles (article_id, article_hash, words, fingerprints) VALUES (?, ?, ?, ?)',
  );
  const updateDoc = db.prepare(
    'UPDATE fingerprinted_articles SET article_hash = ?, words = ?, fingerprints = ? WHERE doc = ?',
  );
  const deleteDoc = db.prepare('DELETE FROM fingerprinted_articles WHERE doc = ?');

  const dropPrints = (doc: number, blob: Buffer) => {
    const old = unpackFingerprints(blob);
    for (let i = 0; i < old.high.length; i++) deletePrint.run(toInt64(old.high[i]!, old.low[i]!), doc);
  };

  // New index rows of a batch, inserted in fingerprint order: in-order B-tree inserts touch far
  // fewer pages than random ones, which is what makes a large build fast.
  let pendingHigh: number[] = [];
  let pendingLow: number[] = [];
  let pendingDoc: number[] = [];
  const insertPending = () => {
    const order = pendingHigh.map((_, i) => i);
    order.sort(
      (a, b) =>
        pendingHigh[a]! - pendingHigh[b]! ||
        (pendingLow[a]! >>> 0) - (pendingLow[b]! >>> 0) ||
        pendingDoc[a]! - pendingDoc[b]!,
    );
    for (const i of order) insertPrint.run(toInt64(pendingHigh[i]!, pendingLow[i]!), pendingDoc[i]!);
    pendingHigh = [];
    pendingLow = [];
    pendingDoc = [];
  };

  const indexOne = (id: string, article: Article | undefined, hash: string | undefined) => {
    const existing = current.get(id);
    if (!article || hash === undefined) {
      if (existing) {
        dropPrints(existing.doc, existing.fingerprints);
        deleteDoc.run(existing.doc);
        result.removed++;
      }
      return;
    }
    if (existing?.article_hash === hash) {
      result.unchanged++;
      return;
    }
    const tokens = articleTokens(article);
    const prints = fingerprintTokens(tokens, shingleOptions);
    const blob = packFingerprints(prints);
    let doc: number;
    if (existing) {
      dropPrints(existing.doc, existing.fingerprints);
      updateDoc.run(hash, tokens.words.length, blob, existing.doc);
      doc = existing.doc;
    } else {
      doc = Number(insertDoc.run(id, hash, tokens.words.length, blob).lastInsertRowid);
    }
    for (let i = 0; i < prints.high.length; i++)
      insertPrint.run(toInt64(prints.high[i]!, prints.low[i]!), doc);
    result.indexed++;
  };

  const runBatch = db.transaction((batch: Array<{ id: string; article?: Article; hash?: string }>) => {
    for (const item of batch) indexOne(item.id, item.article, item.hash);
    insertPending();
  });

  // Ids first: better-sqlite3 cannot write while a read cursor is open on the same connection.
  const ids =
    articleIds ??
    (db
      .prepare<[], { id: string }>('SELECT id FROM articles ORDER BY id')
      .pluck()
      .all() as unknown as string[]);
  let batch: Array<{ id: string; article?: Article; hash?: string }> = [];
  const flush = () => {
    if (batch.length > 0) runBatch(batch);
    batch = [];
  };
  for (const id of ids) {
    const row = articleRow.get(id);
    batch.push(row ? { id, article: JSON.parse(row.record) as Article, hash: row.hash } : { id });
    if (batch.length >= batchSize) flush();
  }
  flush();
  if (!articleIds) {
    // Articles deleted from the store lose their row here by cascade, not their index entries.
    db.prepare('DELETE FROM fingerprints WHERE doc NOT IN (SELECT doc FROM fingerprinted_articles)').run();
  }
  return result;
}

/** Articles whose fingerprints are missing or older than the article (cheap: no record is parsed). */
export function staleArticleIds(db: Db): string[] {
  return db
    .prepare<[], string>(
      `SELECT a.id FROM articles a LEFT JOIN fingerprinted_articles f ON f.article_id = a.id
       WHERE f.doc IS NULL OR f.article_hash <> a.hash`,
    )
    .pluck()
    .all();
}
