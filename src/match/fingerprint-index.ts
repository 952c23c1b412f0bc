/**
 * The fingerprint index: winnowed fingerprints of every stored article, kept in the store (SQLite
 * or PostgreSQL) with an inverted index (postings lists, `postings.ts`), and brought up to date for
 * the articles an import touched.
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
  winnow,
} from './fingerprint.ts';
import type { IndexWorkerReply, IndexWorkerRequest } from './index-messages.ts';
import { addPostings, type DocPrints, dropOrphanPostings, dropPostings, idList, pieces } from './postings.ts';
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
  // Both arrays are lent: packing copies what it keeps before the next article is read.
  const all = textShingles(text, options, { lend: true });
  return { words: all.words, blob: packFingerprints(winnow(all, options, { lend: true })) };
}

/**
 * Postings gathered and written in one transaction. The fewer the chunks, the fewer times the
 * rows of a part are rewritten (each chunk adds to them); four million postings (about 40,000
 * articles) hold about 100 MiB while they are grouped.
 */
export const ROWS_PER_CHUNK = 1 << 22;

/** Articles SQLite gives a `doc` by one statement (four values each). */
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

/**
 * PostgreSQL's article rows by one statement: the other columns as a JSON array of rows, the
 * fingerprints as one blob cut in SQL. Four parameters a row, each blob hex text, cost it more
 * than the inserts (measured: 10,000 articles in statements of 64, 0.6 s).
 */
const POSTGRES_DOCS_PER_INSERT = 2000;
const INSERT_DOCS_POSTGRES = `INSERT INTO fingerprinted_articles (article_id, article_hash, words, fingerprints)
  SELECT r.article_id, r.article_hash, r.words, substring(CAST(? AS BYTEA) FROM r.start FOR r.length)
  FROM jsonb_to_recordset(CAST(? AS jsonb)) AS r (article_id TEXT, article_hash TEXT, words BIGINT, start INTEGER, length INTEGER)
  RETURNING doc, article_id`;

/** Insert the rows of articles new to the index; their docs, by article id. */
async function insertArticleRows(
  sql: Sql,
  fresh: ReadonlyArray<{ id: string; hash: string; words: number; blob: Buffer }>,
): Promise<Map<string, number>> {
  const docOf = new Map<string, number>();
  const statements: Array<{ text: string; values: Param[] }> = [];
  if (sql.engine === 'postgres') {
    for (let at = 0; at < fresh.length; at += POSTGRES_DOCS_PER_INSERT) {
      const slice = fresh.slice(at, at + POSTGRES_DOCS_PER_INSERT);
      let start = 1;
      const rows = slice.map((article) => {
        const row = {
          article_id: article.id,
          article_hash: article.hash,
          words: article.words,
          start,
          length: article.blob.byteLength,
        };
        start += article.blob.byteLength;
        return row;
      });
      statements.push({
        text: INSERT_DOCS_POSTGRES,
        values: [Buffer.concat(slice.map((article) => article.blob)), JSON.stringify(rows)],
      });
    }
  } else {
    let at = 0;
    for (const size of pieces(fresh.length, DOCS_PER_INSERT)) {
      const values: Param[] = [];
      for (const article of fresh.slice(at, at + size))
        values.push(article.id, article.hash, article.words, article.blob);
      statements.push({ text: insertDocs(size), values });
      at += size;
    }
  }
  for (const { text, values } of statements)
    for (const row of await sql.all<{ doc: number; article_id: string }>(text, values))
      docOf.set(row.article_id, Number(row.doc));
  return docOf;
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
  return new Map(rows.map((row) => [row.article_id, { ...row, doc: Number(row.doc) }]));
}

/** The fingerprints the given docs were indexed with, to take their postings out. */
async function indexedPrints(sql: Sql, docs: readonly number[]): Promise<DocPrints[]> {
  if (docs.length === 0) return [];
  const list = idList(sql, docs);
  const rows = await sql.all<{ doc: number; fingerprints: Uint8Array }>(
    `SELECT doc, fingerprints FROM fingerprinted_articles WHERE doc IN ${list.text}`,
    [list.value],
  );
  return rows.map((row) => ({ doc: Number(row.doc), blob: row.fingerprints }));
}

/**
 * The writing half of an index build: article rows and their postings. Fingerprints come ready
 * from the caller, whether computed on this thread or a worker's.
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
    const gone: number[] = [];
    for (const row of batch) {
      const indexed = existing.get(row.id);
      if (row.hash === undefined) {
        if (indexed) gone.push(indexed.doc);
      } else if (indexed?.article_hash === row.hash) this.result.unchanged++;
      else wanted.push(row);
    }
    if (gone.length > 0) {
      await dropPostings(this.sql, await indexedPrints(this.sql, gone));
      const list = idList(this.sql, gone);
      await this.sql.run(`DELETE FROM fingerprinted_articles WHERE doc IN ${list.text}`, [list.value]);
      this.result.removed += gone.length;
    }
    return wanted;
  }

  /** Write a batch: each article's row, then its postings. Call inside a transaction. */
  async writeBatch(
    articles: ReadonlyArray<{ id: string; hash: string; words: number; blob: Buffer }>,
  ): Promise<void> {
    const sql = this.sql;
    const existing = await indexedRows(
      sql,
      articles.map((article) => article.id),
    );
    const docOf = new Map<string, number>();
    const fresh: Array<(typeof articles)[number]> = [];
    const changed: Array<(typeof articles)[number]> = [];
    for (const article of articles) {
      const indexed = existing.get(article.id);
      if (indexed) {
        docOf.set(article.id, indexed.doc);
        changed.push(article);
      } else fresh.push(article);
    }
    if (changed.length > 0) {
      await dropPostings(
        sql,
        await indexedPrints(
          sql,
          changed.map((article) => docOf.get(article.id)!),
        ),
      );
      for (const article of changed)
        await sql.run(
          'UPDATE fingerprinted_articles SET article_hash = ?, words = ?, fingerprints = ? WHERE doc = ?',
          [article.hash, article.words, article.blob, docOf.get(article.id)!],
        );
    }
    for (const [id, doc] of await insertArticleRows(sql, fresh)) docOf.set(id, doc);
    this.result.indexed += articles.length;
    await addPostings(
      sql,
      articles.map((article) => ({ doc: docOf.get(article.id)!, blob: article.blob })),
    );
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

/** Whether the index has no rows yet: a first build has no orphans to look for. */
async function indexIsEmpty(sql: Sql): Promise<boolean> {
  return (await sql.get('SELECT 1 AS found FROM fingerprint_postings LIMIT 1')) === undefined;
}

interface ReadyArticle {
  id: string;
  hash: string;
  words: number;
  blob: Buffer;
}

/**
 * Fingerprinted articles waiting to be written: they go to the store in chunks of about
 * `rowsPerChunk` postings, each chunk one transaction, so a stopped build leaves whole chunks
 * behind and the next build takes up the rest.
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
    await this.sql.tx(() => this.writer.writeBatch(articles));
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
    // Articles deleted from the store lose their row by cascade, not their postings.
    if (lookForOrphans) await dropOrphanPostings(sql);
  } finally {
    await restoreCache();
  }
  return writer.result;
}

/** Below this many articles a build stays on this thread: starting workers costs more. */
const PARALLEL_FROM = 4000;

/**
 * `indexArticles` with the text work (markup to words to fingerprints) spread over worker threads
 * while this thread groups and writes the postings. Small builds run on this thread.
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
    // Articles deleted from the store lose their row by cascade, not their postings.
    if (lookForOrphans) await dropOrphanPostings(sql);
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
