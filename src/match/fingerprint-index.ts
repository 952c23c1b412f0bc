/**
 * The fingerprint index: winnowed fingerprints of every stored article, kept in the store (SQLite
 * or PostgreSQL) with an inverted index, and brought up to date for the articles an import touched.
 */
import type { Article } from '../store/article.ts';
import type { Param, Sql } from '../store/sql.ts';
import { markupText, scanMarkupText } from '../text/html-text.ts';
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

/**
 * Index rows gathered, sorted and written in one transaction. Sorted rows touch each B-tree page
 * once per chunk, so the fewer the chunks the less is written: a build committed every 500
 * articles rewrote most of the tree's pages each time, which made it slower the larger the
 * store. Four million rows (about 40,000 articles) hold about 100 MiB while they are sorted.
 */
export const ROWS_PER_CHUNK = 1 << 22;

/**
 * The rows of a batch in fingerprint order (as SQLite orders the 64-bit hash: the high half
 * signed, the low half unsigned), ties in article order: in-order B-tree inserts touch far fewer
 * pages than random ones.
 */
export function sortRows(blobs: readonly Uint8Array[]): SortedRows {
  let total = 0;
  for (const blob of blobs) total += blob.byteLength / 12;
  const rows: SortedRows = {
    high: new Int32Array(total),
    low: new Int32Array(total),
    item: new Int32Array(total),
  };
  let at = 0;
  blobs.forEach((blob, index) => {
    const packed = packedView(blob);
    for (let i = 0; i < packed.length; i += 3) {
      rows.high[at] = packed[i]!;
      rows.low[at] = packed[i + 1]!;
      rows.item[at] = index;
      at++;
    }
  });
  if (total < KEYED_FROM) return sortByComparison(rows);
  return total <= KEYED_ROWS ? sortByKey(rows) : radixSort(rows);
}

/** An Int32Array over a packed blob, in place when it is aligned (it usually is). */
function packedView(blob: Uint8Array): Int32Array {
  return blob.byteOffset % 4 === 0
    ? new Int32Array(blob.buffer, blob.byteOffset, blob.byteLength >>> 2)
    : new Int32Array(new Uint8Array(blob).buffer);
}

/** Below this many rows a comparison sort is quick enough, and needs no keys made. */
const KEYED_FROM = 8192;

/** Rows up to which `sortByKey`'s keys are exact: a row's place takes 22 bits beside 32 of hash. */
const KEYED_ROWS = 1 << 22;

/**
 * Rows sorted by a float64 key each, the high half of the hash times 2^22 plus the row's place
 * (an integer a float64 holds exactly), by the engine's native sort; then the rare runs that share
 * a high half (a few rows in ten thousand) are put in order of their low half. Four times quicker
 * than the radix sort in JavaScript on the same rows (measured: 1.9 million rows, 200 ms of CPU
 * against 850), whose scattered writes over 65,536 buckets miss the cache.
 */
function sortByKey(rows: SortedRows): SortedRows {
  const { high, low, item } = rows;
  const total = high.length;
  const keys = new Float64Array(total);
  for (let i = 0; i < total; i++) keys[i] = high[i]! * KEYED_ROWS + i;
  keys.sort();
  const order = new Uint32Array(total);
  const sortedHigh = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    const key = keys[i]!;
    const half = Math.floor(key / KEYED_ROWS);
    sortedHigh[i] = half;
    order[i] = key - half * KEYED_ROWS;
  }
  for (let start = 0; start < total; ) {
    let end = start + 1;
    while (end < total && sortedHigh[end] === sortedHigh[start]) end++;
    if (end - start > 1)
      order.subarray(start, end).sort((a, b) => (low[a]! >>> 0) - (low[b]! >>> 0) || item[a]! - item[b]!);
    start = end;
  }
  return gather(rows, order);
}

/** The rows in the given order. */
function gather(rows: SortedRows, order: Uint32Array): SortedRows {
  const total = order.length;
  const sorted: SortedRows = {
    high: new Int32Array(total),
    low: new Int32Array(total),
    item: new Int32Array(total),
  };
  for (let i = 0; i < total; i++) {
    const from = order[i]!;
    sorted.high[i] = rows.high[from]!;
    sorted.low[i] = rows.low[from]!;
    sorted.item[i] = rows.item[from]!;
  }
  return sorted;
}

function sortByComparison(rows: SortedRows): SortedRows {
  const { high, low, item } = rows;
  const total = high.length;
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => high[a]! - high[b]! || (low[a]! >>> 0) - (low[b]! >>> 0) || item[a]! - item[b]!);
  return gather(rows, order);
}

/**
 * Least-significant-digit radix sort, 16 bits a pass, for a chunk too large for `sortByKey`:
 * linear, where a comparison sort of millions of rows through a JavaScript callback cost more than
 * writing them. Stable, so rows of equal
 * hash stay in article order (they arrive that way).
 */
function radixSort(rows: SortedRows): SortedRows {
  const total = rows.high.length;
  let from = rows;
  let to: SortedRows = {
    high: new Int32Array(total),
    low: new Int32Array(total),
    item: new Int32Array(total),
  };
  const counts = new Uint32Array(65536);
  // The low half's two digits, then the high half's (its sign bit flipped: signed order).
  for (const pass of [0, 1, 2, 3]) {
    const keys = pass < 2 ? from.low : from.high;
    const shift = pass % 2 === 0 ? 0 : 16;
    const flip = pass === 3 ? 0x8000 : 0;
    counts.fill(0);
    for (let i = 0; i < total; i++) counts[((keys[i]! >>> shift) & 0xffff) ^ flip]!++;
    let sum = 0;
    for (let digit = 0; digit < 65536; digit++) {
      const count = counts[digit]!;
      counts[digit] = sum;
      sum += count;
    }
    for (let i = 0; i < total; i++) {
      const place = counts[((keys[i]! >>> shift) & 0xffff) ^ flip]!++;
      to.high[place] = from.high[i]!;
      to.low[place] = from.low[i]!;
      to.item[place] = from.item[i]!;
    }
    [from, to] = [to, from];
  }
  return from;
}

/**
 * The 64-bit hash of a fingerprint as both engines store it: the high half (a signed int32) times
 * 2^32 plus the low half read unsigned, a signed 64-bit integer on both engines, the value
 * `toInt64` gives. PostgreSQL gets it as a parameter (node-postgres sends a BigInt as text).
 * SQLite computes it from the two halves, with arithmetic and not a bit shift (which PostgreSQL's
 * SQL lacks for parameters): a BigInt made per row costs more than SQLite's insert itself, where
 * PostgreSQL takes the plain parameter in less than half the time of the expression (measured:
 * 120,000 rows, 5.9 s against 13.4 s on this machine). Both halves are cast: better-sqlite3 binds
 * a JavaScript number as a REAL, and REAL arithmetic would round the hash to 53 bits.
 */
const HASH = 'CAST(? AS BIGINT) * 4294967296 + CAST(? AS BIGINT)';

/** How one fingerprint's hash is written in a statement on this engine, and its parameters. */
function hashOf(sql: Sql): { text: string; values: (high: number, low: number) => Param[] } {
  return sql.engine === 'sqlite'
    ? { text: HASH, values: (high, low) => [high, low >>> 0] }
    : { text: '?', values: (high, low) => [toInt64(high, low)] };
}

/**
 * Index rows written by one statement. SQLite is quickest at a few hundred (measured by `npm run
 * bench match`); PostgreSQL takes its new rows as arrays (`writeRowsAsArrays`) and deletes old
 * ones by statements of far more rows, since it pays a round trip per statement, well within its
 * 65,535 parameters.
 */
function rowsPerInsert(sql: Sql): number {
  return sql.engine === 'sqlite' ? 400 : 5000;
}

/** Index rows a PostgreSQL statement takes as two arrays (about 1.3 MB of text). */
const ROWS_PER_ARRAY = 50_000;

/**
 * `total` cut into statements of `most` rows, then powers of two for the rest: a handful of
 * statement texts, each cached by the engine, instead of one text per remainder.
 */
function* pieces(total: number, most: number): Generator<number> {
  let left = total;
  for (; left >= most; left -= most) yield most;
  for (let size = 1 << 30; left > 0; size >>>= 1) {
    if (size > left) continue;
    yield size;
    left -= size;
  }
}

const insertText = new Map<string, string>();
function insertPrints(hash: string, rows: number): string {
  const cacheKey = `${hash}:${rows}`;
  let text = insertText.get(cacheKey);
  if (!text) {
    text = `INSERT INTO fingerprints (hash, doc) VALUES ${Array(rows).fill(`(${hash}, ?)`).join(', ')} ON CONFLICT (hash, doc) DO NOTHING`;
    insertText.set(cacheKey, text);
  }
  return text;
}

const deleteText = new Map<string, string>();
function deletePrints(hash: string, rows: number): string {
  const cacheKey = `${hash}:${rows}`;
  let text = deleteText.get(cacheKey);
  if (!text) {
    text = `DELETE FROM fingerprints WHERE doc = ? AND hash IN (${Array(rows).fill(hash).join(', ')})`;
    deleteText.set(cacheKey, text);
  }
  return text;
}

/** Articles given a `doc` by one statement (four values each). */
const DOCS_PER_INSERT = 64;
const insertDocText = new Map<number, string>();
function insertDocs(rows: number): string {
  let text = insertDocText.get(rows);
  if (!text) {
    text = `INSERT INTO fingerprinted_articles (article_id, article_hash, words, fingerprints) VALUES ${Array(rows).fill('(?, ?, ?, ?)').join(', ')} RETURNING doc, article_id`;
    insertDocText.set(rows, text);
  }
  return text;
}

interface IndexedRow {
  doc: number;
  article_id: string;
  article_hash: string;
}

/** The index rows of the given articles that exist, by article id. */
async function indexedRows(sql: Sql, ids: readonly string[]): Promise<Map<string, IndexedRow>> {
  const rows = await sql.all<IndexedRow>(
    `SELECT doc, article_id, article_hash FROM fingerprinted_articles WHERE article_id IN ${sql.dialect.jsonValues('?')}`,
    [JSON.stringify(ids)],
  );
  return new Map(rows.map((row) => [row.article_id, row]));
}

/**
 * The writing half of an index build: inverted-index rows written in fingerprint order, many to a
 * statement. Fingerprints come ready from the caller, whether computed on this thread or a
 * worker's.
 */
export class IndexWriter {
  readonly result: IndexResult = { indexed: 0, unchanged: 0, removed: 0 };

  constructor(private readonly sql: Sql) {}

  /**
   * The rows of a batch that need their fingerprints computed (new or changed); articles gone from
   * the store lose theirs. Call inside a transaction.
   */
  async settle(batch: readonly StoredRow[]): Promise<StoredRow[]> {
    const existing = await indexedRows(
      this.sql,
      batch.map((row) => row.id),
    );
    const wanted: StoredRow[] = [];
    for (const row of batch) {
      const indexed = existing.get(row.id);
      if (row.hash === undefined) {
        if (indexed) {
          await this.dropPrints(indexed.doc);
          await this.sql.run('DELETE FROM fingerprinted_articles WHERE doc = ?', [indexed.doc]);
          this.result.removed++;
        }
      } else if (indexed?.article_hash === row.hash) this.result.unchanged++;
      else wanted.push(row);
    }
    return wanted;
  }

  /**
   * Write a batch: each article's row, then the batch's index rows (`sortRows` of the same
   * blobs, in the same order). Call inside a transaction.
   */
  async writeBatch(
    articles: ReadonlyArray<{ id: string; hash: string; words: number; blob: Buffer }>,
    rows: SortedRows = sortRows(articles.map((article) => article.blob)),
  ): Promise<void> {
    const sql = this.sql;
    const existing = await indexedRows(
      sql,
      articles.map((article) => article.id),
    );
    const docOf = new Map<string, number>();
    const fresh: Array<(typeof articles)[number]> = [];
    for (const article of articles) {
      const indexed = existing.get(article.id);
      if (!indexed) {
        fresh.push(article);
        continue;
      }
      await this.dropPrints(indexed.doc);
      await sql.run(
        'UPDATE fingerprinted_articles SET article_hash = ?, words = ?, fingerprints = ? WHERE doc = ?',
        [article.hash, article.words, article.blob, indexed.doc],
      );
      docOf.set(article.id, indexed.doc);
    }
    let at = 0;
    for (const size of pieces(fresh.length, DOCS_PER_INSERT)) {
      const values: Param[] = [];
      for (const article of fresh.slice(at, at + size))
        values.push(article.id, article.hash, article.words, article.blob);
      for (const row of await sql.all<{ doc: number; article_id: string }>(insertDocs(size), values))
        docOf.set(row.article_id, Number(row.doc));
      at += size;
    }
    this.result.indexed += articles.length;
    const docs = articles.map((article) => docOf.get(article.id)!);
    if (sql.engine === 'postgres') return this.writeRowsAsArrays(rows, docs);
    const hash = hashOf(sql);
    at = 0;
    for (const size of pieces(rows.high.length, rowsPerInsert(sql))) {
      const values: Param[] = [];
      // The rows are filled in place, with no array made per row: this loop is the build's hot path.
      for (let j = at; j < at + size; j++)
        values.push(rows.high[j]!, rows.low[j]! >>> 0, docs[rows.item[j]!]!);
      await sql.run(insertPrints(hash.text, size), values);
      at += size;
    }
  }

  /**
   * PostgreSQL's index rows: each statement takes two arrays (hashes, docs) as two text
   * parameters and unnests them, 50,000 rows at a time, where VALUES lists of 5,000 rows and
   * 10,000 parameters cost the server more to parse and bind than to insert (measured: 5,000
   * articles, 475,000 rows, 21 s against 35 to 39 s on a busy machine).
   */
  private async writeRowsAsArrays(rows: SortedRows, docs: readonly number[]): Promise<void> {
    const total = rows.high.length;
    for (let at = 0; at < total; at += ROWS_PER_ARRAY) {
      const end = Math.min(total, at + ROWS_PER_ARRAY);
      const hashes: string[] = [];
      const owners: number[] = [];
      for (let j = at; j < end; j++) {
        hashes.push(String(toInt64(rows.high[j]!, rows.low[j]!)));
        owners.push(docs[rows.item[j]!]!);
      }
      await this.sql.run(
        `INSERT INTO fingerprints (hash, doc)
         SELECT * FROM unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[])) ON CONFLICT (hash, doc) DO NOTHING`,
        [`{${hashes.join(',')}}`, `{${owners.join(',')}}`],
      );
    }
  }

  /** Remove an article's inverted-index rows, found from its packed fingerprints. */
  private async dropPrints(doc: number): Promise<void> {
    const row = await this.sql.get<{ fingerprints: Uint8Array }>(
      'SELECT fingerprints FROM fingerprinted_articles WHERE doc = ?',
      [doc],
    );
    if (!row) return;
    const old = unpackFingerprints(row.fingerprints);
    const hash = hashOf(this.sql);
    let at = 0;
    for (const size of pieces(old.high.length, rowsPerInsert(this.sql))) {
      const values: Param[] = [doc];
      for (let j = at; j < at + size; j++) values.push(...hash.values(old.high[j]!, old.low[j]!));
      await this.sql.run(deletePrints(hash.text, size), values);
      at += size;
    }
  }
}

interface StoredRow {
  id: string;
  record?: string;
  hash?: string;
}

/** Rows of the given ids (all articles when omitted), in batches, with no read cursor left open. */
async function* articleRows(
  sql: Sql,
  articleIds: readonly string[] | undefined,
  batchSize: number,
): AsyncGenerator<StoredRow[]> {
  const ids = articleIds
    ? [...new Set(articleIds)]
    : (await sql.all<{ id: string }>('SELECT id FROM articles ORDER BY id')).map((row) => row.id);
  for (let start = 0; start < ids.length; start += batchSize) {
    const slice = ids.slice(start, start + batchSize);
    const found = new Map(
      (
        await sql.all<{ id: string; record: string; hash: string }>(
          `SELECT id, record, hash FROM articles WHERE id IN ${sql.dialect.jsonValues('?')}`,
          [JSON.stringify(slice)],
        )
      ).map((row) => [row.id, row]),
    );
    yield slice.map((id) => {
      const row = found.get(id);
      return row ? { id, record: row.record, hash: row.hash } : { id };
    });
  }
}

/**
 * A larger page cache while a SQLite index is built (128 MiB): the B-tree's upper levels stay in
 * memory. A PostgreSQL server's cache is its own configuration.
 */
async function enlargeCache(sql: Sql): Promise<() => Promise<void>> {
  if (sql.engine !== 'sqlite') return async () => {};
  const previous = (await sql.get<{ cache_size: number }>('PRAGMA cache_size'))!.cache_size;
  // A negative size is KiB, a positive one pages; a larger setting is kept.
  if (previous >= 0 || previous > -131072) await sql.run('PRAGMA cache_size = -131072');
  return async () => {
    await sql.run(`PRAGMA cache_size = ${previous}`);
  };
}

async function removeOrphans(sql: Sql): Promise<void> {
  // Articles deleted from the store lose their row by cascade, not their index entries.
  await sql.run('DELETE FROM fingerprints WHERE doc NOT IN (SELECT doc FROM fingerprinted_articles)');
}

/** Whether the index has no rows yet: a first build has no orphans to look for. */
async function indexIsEmpty(sql: Sql): Promise<boolean> {
  return (await sql.get('SELECT 1 AS found FROM fingerprints LIMIT 1')) === undefined;
}

interface ReadyArticle {
  id: string;
  hash: string;
  words: number;
  blob: Buffer;
}

/**
 * Fingerprinted articles waiting to be written: they go to the store in chunks of about
 * `rowsPerChunk` index rows, each chunk one transaction with its rows sorted, so a stopped build
 * leaves whole chunks behind and the next build takes up the rest.
 */
class ChunkedWrites {
  private articles: ReadyArticle[] = [];
  private rows = 0;

  constructor(
    private readonly sql: Sql,
    private readonly writer: IndexWriter,
    private readonly rowsPerChunk: number,
  ) {}

  async add(article: ReadyArticle): Promise<void> {
    this.articles.push(article);
    this.rows += article.blob.byteLength / 12;
    if (this.rows >= this.rowsPerChunk) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.articles.length === 0) return;
    const articles = this.articles;
    this.articles = [];
    this.rows = 0;
    // Sorted once, outside the transaction: PostgreSQL may run the transaction again.
    const rows = sortRows(articles.map((article) => article.blob));
    await this.sql.tx(() => this.writer.writeBatch(articles, rows));
  }
}

export interface BuildOptions {
  batchSize?: number;
  shingles?: ShingleOptions;
  /** Index rows written in one transaction (default `ROWS_PER_CHUNK`). */
  rowsPerChunk?: number;
}

/**
 * Bring the fingerprints of the given articles (all articles when `articleIds` is omitted) up to
 * date, on this thread. An article whose content hash is unchanged is skipped; an article no
 * longer in the store loses its fingerprints. Writes in chunks (see `ChunkedWrites`); inside a
 * caller's transaction (an import) they are savepoints of it. `buildIndex` does the same with the
 * text work spread over worker threads.
 */
export async function indexArticles(
  sql: Sql,
  articleIds?: readonly string[],
  options: BuildOptions = {},
): Promise<IndexResult> {
  const batchSize = options.batchSize ?? 2000;
  const shingleOptions = options.shingles ?? DEFAULT_SHINGLES;
  const writer = new IndexWriter(sql);
  const lookForOrphans = !articleIds && !(await indexIsEmpty(sql));
  const restoreCache = await enlargeCache(sql);
  try {
    const pending = new ChunkedWrites(sql, writer, options.rowsPerChunk ?? ROWS_PER_CHUNK);
    for await (const batch of articleRows(sql, articleIds, batchSize)) {
      for (const row of await sql.tx(() => writer.settle(batch))) {
        await pending.add({
          id: row.id,
          hash: row.hash!,
          ...articlePrints(JSON.parse(row.record!) as Article, shingleOptions),
        });
      }
    }
    await pending.flush();
    if (lookForOrphans) await removeOrphans(sql);
  } finally {
    await restoreCache();
  }
  return writer.result;
}

/** Below this many articles a build stays on this thread: starting workers costs more. */
const PARALLEL_FROM = 4000;

/**
 * `indexArticles` with the text work (markup to words to fingerprints) spread over worker threads
 * while this thread sorts and writes. Small builds run on this thread.
 */
export async function buildIndex(
  sql: Sql,
  articleIds?: readonly string[],
  options: BuildOptions & { threads?: number } = {},
): Promise<IndexResult> {
  const shingleOptions = options.shingles ?? DEFAULT_SHINGLES;
  const threads = options.threads ?? defaultThreads();
  const count =
    articleIds?.length ?? (await sql.get<{ count: number }>('SELECT count(*) AS count FROM articles'))!.count;
  if (threads <= 1 || count < PARALLEL_FROM) return indexArticles(sql, articleIds, options);
  const batchSize = options.batchSize ?? 500;
  const lookForOrphans = !articleIds && !(await indexIsEmpty(sql));
  const workers = Array.from({ length: threads }, () =>
    startWorker(new URL('./index-worker.ts', import.meta.url), { shingles: shingleOptions }),
  );
  const writer = new IndexWriter(sql);
  const restoreCache = await enlargeCache(sql);
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
    const writes = new ChunkedWrites(sql, writer, options.rowsPerChunk ?? ROWS_PER_CHUNK);
    // Two batches a worker in flight: the workers never wait for the writer, nor it for them.
    const inFlight: Array<{ rows: StoredRow[]; reply: Promise<IndexWorkerReply> }> = [];
    let batchNumber = 0;
    const drainOne = async () => {
      const next = inFlight.shift()!;
      const reply = await next.reply;
      for (const [i, row] of next.rows.entries()) {
        const blob = reply.blobs[i]!;
        await writes.add({
          id: row.id,
          hash: row.hash!,
          words: reply.words[i]!,
          blob: Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength),
        });
      }
    };
    for await (const batch of articleRows(sql, articleIds, batchSize)) {
      // Removals and unchanged articles are settled here; only the rest go to a worker.
      const rows = await sql.tx(() => writer.settle(batch));
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
    await writes.flush();
    if (lookForOrphans) await removeOrphans(sql);
    return writer.result;
  } finally {
    await restoreCache();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Articles whose fingerprints are missing or older than the article (cheap: no record is parsed). */
export async function staleArticleIds(sql: Sql): Promise<string[]> {
  const rows = await sql.all<{ id: string }>(
    `SELECT a.id FROM articles a LEFT JOIN fingerprinted_articles f ON f.article_id = a.id
     WHERE f.doc IS NULL OR f.article_hash <> a.hash ORDER BY a.id`,
  );
  return rows.map((row) => row.id);
}

/**
 * What `indexArticles` does for articles gone from the store: their index entries deleted. For
 * `removeArticles`' hook, inside its transaction, before the article rows go.
 */
export async function forgetArticles(sql: Sql, ids: readonly string[]): Promise<void> {
  await new IndexWriter(sql).settle(ids.map((id) => ({ id })));
}
