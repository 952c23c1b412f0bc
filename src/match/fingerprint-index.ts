/**
 * The fingerprint index: winnowed fingerprints of every stored article, kept in SQLite with an
 * inverted index, and brought up to date for the articles an import touched.
 */
import type { Article } from '../store/article.ts';
import type { Db } from '../store/db.ts';
import { defaultThreads, startWorker } from './_worker.ts';
import {
  DEFAULT_SHINGLES,
  type Fingerprints,
  type ShingleOptions,
  textShingles,
  toInt64,
  winnow,
} from './fingerprint.ts';
import type { IndexWorkerReply, IndexWorkerRequest, SortedRows } from './index-messages.ts';
import { markupText, scanMarkupText } from './markup-text.ts';
import { type Tokens, tokenise } from './tokens.ts';

/**
 * The text of an article that reprints are compared with: its body, else its summary. The same
 * text `htmlToText` gives, read without building a tree (the index reads every article).
 */
export function articleText(article: Article): string {
  if (article.html.trim()) return markupText(article.html);
  return article.summary ? markupText(article.summary) : '';
}

export function articleTokens(article: Article): Tokens {
  return tokenise(articleText(article));
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

/** What the index keeps of one article: computed apart from the store, so a worker can do it. */
export interface ArticlePrints {
  words: number;
  /** Packed fingerprints (see `packFingerprints`). */
  blob: Buffer;
}

/** Fingerprints of an article's text, by the fast path (no tokens, no tree). */
export function articlePrints(
  article: Pick<Article, 'html' | 'summary'>,
  options = DEFAULT_SHINGLES,
): ArticlePrints {
  const text = article.html.trim()
    ? scanMarkupText(article.html)
    : article.summary
      ? scanMarkupText(article.summary)
      : '';
  const all = textShingles(text, options);
  return { words: all.words, blob: packFingerprints(winnow(all, options)) };
}

/** Index rows are written this many to a statement: one call into SQLite instead of hundreds. */
const ROWS_PER_INSERT = 400;

/**
 * The rows of a batch in fingerprint order: in-order B-tree inserts touch far fewer pages than
 * random ones. A worker sorts its own batch, so the writing thread only writes.
 */
export function sortRows(blobs: readonly Uint8Array[]): SortedRows {
  let total = 0;
  for (const blob of blobs) total += blob.byteLength / 12;
  const high = new Int32Array(total);
  const low = new Int32Array(total);
  const item = new Int32Array(total);
  let at = 0;
  blobs.forEach((blob, index) => {
    const packed = new Int32Array(new Uint8Array(blob).buffer);
    for (let i = 0; i < packed.length; i += 3) {
      high[at] = packed[i]!;
      low[at] = packed[i + 1]!;
      item[at] = index;
      at++;
    }
  });
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => high[a]! - high[b]! || (low[a]! >>> 0) - (low[b]! >>> 0) || item[a]! - item[b]!);
  const sorted: SortedRows = {
    high: new Int32Array(total),
    low: new Int32Array(total),
    item: new Int32Array(total),
  };
  for (let i = 0; i < total; i++) {
    const from = order[i]!;
    sorted.high[i] = high[from]!;
    sorted.low[i] = low[from]!;
    sorted.item[i] = item[from]!;
  }
  return sorted;
}

/**
 * The writing half of an index build: one connection, statements prepared once, inverted-index
 * rows written in fingerprint order, many to a statement. Fingerprints come ready from the
 * caller, whether computed on this thread or a worker's.
 */
export class IndexWriter {
  readonly result: IndexResult = { indexed: 0, unchanged: 0, removed: 0 };
  private readonly current;
  private readonly deletePrint;
  private readonly insertMany;
  private readonly insertOne;
  private readonly insertDoc;
  private readonly updateDoc;
  private readonly deleteDoc;
  private readonly values = new Array<number>(ROWS_PER_INSERT * 3);

  constructor(db: Db) {
    this.current = db.prepare<[string], { doc: number; article_hash: string; fingerprints: Buffer }>(
      'SELECT doc, article_hash, fingerprints FROM fingerprinted_articles WHERE article_id = ?',
    );
    this.deletePrint = db.prepare('DELETE FROM fingerprints WHERE hash = ? AND doc = ?');
    // The 64-bit hash is put together by SQLite from its two halves (as `toInt64` does): no BigInt
    // is made per row, which costs more than the insert itself.
    this.insertMany = db.prepare(
      `INSERT OR IGNORE INTO fingerprints (hash, doc) VALUES ${Array(ROWS_PER_INSERT).fill('((? << 32) | ?, ?)').join(', ')}`,
    );
    this.insertOne = db.prepare('INSERT OR IGNORE INTO fingerprints (hash, doc) VALUES ((? << 32) | ?, ?)');
    this.insertDoc = db.prepare(
      'INSERT INTO fingerprinted_articles (article_id, article_hash, words, fingerprints) VALUES (?, ?, ?, ?)',
    );
    this.updateDoc = db.prepare(
      'UPDATE fingerprinted_articles SET article_hash = ?, words = ?, fingerprints = ? WHERE doc = ?',
    );
    this.deleteDoc = db.prepare('DELETE FROM fingerprinted_articles WHERE doc = ?');
  }

  /** Whether the article needs its fingerprints computed (new or changed); removes a gone one. */
  needs(id: string, hash: string | undefined): boolean {
    const existing = this.current.get(id);
    if (hash === undefined) {
      if (existing) {
        this.dropPrints(existing.doc, existing.fingerprints);
        this.deleteDoc.run(existing.doc);
        this.result.removed++;
      }
      return false;
    }
    if (existing?.article_hash === hash) {
      this.result.unchanged++;
      return false;
    }
    return true;
  }

  /**
   * Write a batch: each article's row, then the batch's index rows (`sortRows` of the same
   * blobs, in the same order). Call inside a transaction.
   */
  writeBatch(
    articles: ReadonlyArray<{ id: string; hash: string; words: number; blob: Buffer }>,
    rows: SortedRows = sortRows(articles.map((article) => article.blob)),
  ): void {
    const docs = articles.map((article) =>
      this.writeArticle(article.id, article.hash, article.words, article.blob),
    );
    const values = this.values;
    const total = rows.high.length;
    let at = 0;
    for (; at + ROWS_PER_INSERT <= total; at += ROWS_PER_INSERT) {
      for (let j = 0; j < ROWS_PER_INSERT; j++) {
        values[3 * j] = rows.high[at + j]!;
        values[3 * j + 1] = rows.low[at + j]! >>> 0;
        values[3 * j + 2] = docs[rows.item[at + j]!]!;
      }
      this.insertMany.run(values);
    }
    for (; at < total; at++) this.insertOne.run(rows.high[at]!, rows.low[at]! >>> 0, docs[rows.item[at]!]!);
  }

  private writeArticle(id: string, hash: string, words: number, blob: Buffer): number {
    const existing = this.current.get(id);
    this.result.indexed++;
    if (existing) {
      this.dropPrints(existing.doc, existing.fingerprints);
      this.updateDoc.run(hash, words, blob, existing.doc);
      return existing.doc;
    }
    return Number(this.insertDoc.run(id, hash, words, blob).lastInsertRowid);
  }

  private dropPrints(doc: number, blob: Buffer): void {
    const old = unpackFingerprints(blob);
    for (let i = 0; i < old.high.length; i++) this.deletePrint.run(toInt64(old.high[i]!, old.low[i]!), doc);
  }
}

interface StoredRow {
  id: string;
  record?: string;
  hash?: string;
}

/** Rows of the given ids (all articles when omitted), in batches, with no read cursor left open. */
function* articleRows(
  db: Db,
  articleIds: readonly string[] | undefined,
  batchSize: number,
): Generator<StoredRow[]> {
  const articleRow = db.prepare<[string], { record: string; hash: string }>(
    'SELECT record, hash FROM articles WHERE id = ?',
  );
  // Ids first: better-sqlite3 cannot write while a read cursor is open on the same connection.
  const ids = articleIds
    ? [...new Set(articleIds)]
    : (db
        .prepare<[], { id: string }>('SELECT id FROM articles ORDER BY id')
        .pluck()
        .all() as unknown as string[]);
  for (let start = 0; start < ids.length; start += batchSize) {
    yield ids.slice(start, start + batchSize).map((id) => {
      const row = articleRow.get(id);
      return row ? { id, record: row.record, hash: row.hash } : { id };
    });
  }
}

/** A larger page cache while the index is built (128 MiB): the B-tree's upper levels stay in memory. */
function enlargeCache(db: Db): () => void {
  const previous = db.pragma('cache_size', { simple: true }) as number;
  // A negative size is KiB, a positive one pages; a larger setting is kept.
  if (previous >= 0 || previous > -131072) db.pragma('cache_size = -131072');
  return () => db.pragma(`cache_size = ${previous}`);
}

function withBuildCache<T>(db: Db, run: () => T): T {
  const restore = enlargeCache(db);
  try {
    return run();
  } finally {
    restore();
  }
}

function removeOrphans(db: Db): void {
  // Articles deleted from the store lose their row by cascade, not their index entries.
  db.prepare('DELETE FROM fingerprints WHERE doc NOT IN (SELECT doc FROM fingerprinted_articles)').run();
}

/**
 * Bring the fingerprints of the given articles (all articles when `articleIds` is omitted) up to
 * date, on this thread. An article whose content hash is unchanged is skipped; an article no
 * longer in the store loses its fingerprints. Runs in transactions of `batchSize` articles.
 * `buildIndex` does the same with the text work spread over worker threads.
 */
export function indexArticles(
  db: Db,
  articleIds?: readonly string[],
  options: { batchSize?: number; shingles?: ShingleOptions } = {},
): IndexResult {
  const batchSize = options.batchSize ?? 2000;
  const shingleOptions = options.shingles ?? DEFAULT_SHINGLES;
  const writer = new IndexWriter(db);
  withBuildCache(db, () => {
    const runBatch = db.transaction((batch: StoredRow[]) => {
      const ready = batch
        .filter((row) => writer.needs(row.id, row.hash))
        .map((row) => ({
          id: row.id,
          hash: row.hash!,
          ...articlePrints(JSON.parse(row.record!) as Article, shingleOptions),
        }));
      writer.writeBatch(ready);
    });
    for (const batch of articleRows(db, articleIds, batchSize)) runBatch(batch);
    if (!articleIds) removeOrphans(db);
  });
  return writer.result;
}

/** Below this many articles a build stays on this thread: starting workers costs more. */
const PARALLEL_FROM = 4000;

/**
 * `indexArticles` with the text work (markup to words to fingerprints) spread over worker threads
 * while this thread writes: the build of a large store (an agency loads millions of articles) is
 * bound by the writer, not by the parsing. Small builds run on this thread.
 */
export async function buildIndex(
  db: Db,
  articleIds?: readonly string[],
  options: { batchSize?: number; shingles?: ShingleOptions; threads?: number } = {},
): Promise<IndexResult> {
  const shingleOptions = options.shingles ?? DEFAULT_SHINGLES;
  const threads = options.threads ?? defaultThreads();
  const count = articleIds?.length ?? (db.prepare('SELECT count(*) FROM articles').pluck().get() as number);
  if (threads <= 1 || count < PARALLEL_FROM) return indexArticles(db, articleIds, options);
  const batchSize = options.batchSize ?? 500;
  const workers = Array.from({ length: threads }, () =>
    startWorker(new URL('./index-worker.ts', import.meta.url), { shingles: shingleOptions }),
  );
  const writer = new IndexWriter(db);
  const restoreCache = enlargeCache(db);
  try {
    const pending = new Map<
      number,
      { resolve: (reply: IndexWorkerReply) => void; reject: (error: unknown) => void }
    >();
    for (const worker of workers) {
      worker.on('message', (reply: IndexWorkerReply) => {
        pending.get(reply.batch)?.resolve(reply);
        pending.delete(reply.batch);
      });
      worker.on('error', (error) => {
        for (const waiter of pending.values()) waiter.reject(error);
        pending.clear();
      });
    }
    const send = (batch: number, records: string[]) =>
      new Promise<IndexWorkerReply>((resolve, reject) => {
        pending.set(batch, { resolve, reject });
        workers[batch % workers.length]!.postMessage({ batch, records } satisfies IndexWorkerRequest);
      });
    const writeBatch = db.transaction((rows: StoredRow[], reply: IndexWorkerReply) => {
      const articles = rows.map((row, i) => {
        const blob = reply.blobs[i]!;
        return {
          id: row.id,
          hash: row.hash!,
          words: reply.words[i]!,
          blob: Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength),
        };
      });
      writer.writeBatch(articles, reply.rows);
    });
    // Two batches a worker in flight: the workers never wait for the writer, nor it for them.
    const inFlight: Array<{ rows: StoredRow[]; reply: Promise<IndexWorkerReply> }> = [];
    let batchNumber = 0;
    const drainOne = async () => {
      const next = inFlight.shift()!;
      writeBatch(next.rows, await next.reply);
    };
    for (const batch of articleRows(db, articleIds, batchSize)) {
      // Removals and unchanged articles are settled here; only the rest go to a worker.
      const rows = db.transaction(() => batch.filter((row) => writer.needs(row.id, row.hash)))();
      if (rows.length === 0) continue;
      inFlight.push({
        rows,
        reply: send(
          batchNumber++,
          rows.map((row) => row.record!),
        ),
      });
      if (inFlight.length >= threads * 2) await drainOne();
    }
    while (inFlight.length > 0) await drainOne();
    if (!articleIds) removeOrphans(db);
    return writer.result;
  } finally {
    restoreCache();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
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
