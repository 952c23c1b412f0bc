/**
 * The inverted index of the fingerprint index, kept as postings lists: each row of
 * `fingerprint_postings` holds, packed in one blob, the postings (fingerprint, article) of one
 * hash bucket (the hash's top `BUCKET_BITS` bits) for one part of the articles (`PART_SIZE`
 * consecutive `doc` numbers). A row a fingerprint, as before, cost about 730 ns to insert (the
 * B-tree's work per row, and binding three parameters from JavaScript), 95 rows an article: the
 * build's main cost. Buckets hold a few dozen postings at 100,000 articles, so the store writes a
 * few hundred thousand rows instead of ten million, and a page's lookup reads one row per
 * fingerprint and part, all in one statement that returns one blob.
 *
 * Parts keep a bulk build linear: rows only grow by appending (a blob concatenated in SQL), and a
 * build's new articles get new, consecutive docs, so a chunk's rows extend those of the last part
 * or start a new one, and never rewrite the whole index. Within a row, postings are in no order
 * (a lookup scans its few dozen) and may repeat (a fingerprint at two places of an article);
 * lookups count each article once.
 *
 * A posting is 8 bytes, big-endian (what both engines' SQL can make, for the migration from
 * rows): the hash's low half, then the hash's high half below the bucket bits (14 bits) above the
 * doc's place in its part (17 bits). With the row's bucket and part, that is the exact 64-bit
 * hash and doc.
 */
import { endianness } from 'node:os';
import type { Param, Sql } from '../store/sql.ts';

export const BUCKET_BITS = 18;
export const BUCKETS = 2 ** BUCKET_BITS;
/** Bits of the hash's high half kept in a posting (the rest is the bucket). */
const REST_BITS = 32 - BUCKET_BITS;
const REST_MASK = 2 ** REST_BITS - 1;
export const PART_BITS = 17;
export const PART_SIZE = 2 ** PART_BITS;
const PLACE_MASK = PART_SIZE - 1;
const POSTING_BYTES = 8;

/** The row of a posting: its part times `BUCKETS` plus its bucket. */
export function rowOf(high: number, doc: number): number {
  return Math.floor(doc / PART_SIZE) * BUCKETS + (high >>> REST_BITS);
}

/** One article's fingerprints as the index takes them: its doc and its packed blob. */
export interface DocPrints {
  doc: number;
  /** Packed fingerprints: three little-endian int32 each (high, low, position). */
  blob: Uint8Array;
}

/** An Int32Array over a packed blob, in place when it is aligned (it usually is). */
export function packedView(blob: Uint8Array): Int32Array {
  return blob.byteOffset % 4 === 0
    ? new Int32Array(blob.buffer, blob.byteOffset, blob.byteLength >>> 2)
    : new Int32Array(new Uint8Array(blob).buffer);
}

/** Postings grouped by row: row `ids[i]` gets `bytes` from `starts[i]` to `starts[i + 1]`. */
export interface GroupedPostings {
  ids: number[];
  starts: number[];
  bytes: Buffer;
}

/** Whether this machine's integers are little-endian: postings are big-endian in the store. */
const LITTLE_ENDIAN = endianness() === 'LE';

/** Postings as stored (big-endian) from words in this machine's order, in place. */
function toStored(bytes: Buffer): Buffer {
  return LITTLE_ENDIAN ? bytes.swap32() : bytes;
}

/** A copy of stored postings (or a lookup's records) as words in this machine's order. */
function wordsOf(stored: Uint8Array): Int32Array {
  const copy = Buffer.from(stored);
  if (LITTLE_ENDIAN) copy.swap32();
  return new Int32Array(copy.buffer, copy.byteOffset, copy.byteLength >>> 2);
}

/**
 * The postings of some articles, grouped by row in row order. The articles are taken a part at a
 * time (a chunk of new articles seldom spans two); within a part, a counting sort by bucket
 * writes each posting straight to its place: linear, with no comparison and no pass over the
 * postings but the two the count needs. A chunk holds millions of postings.
 */
export function groupPostings(articles: readonly DocPrints[]): GroupedPostings {
  const byPart = new Map<number, DocPrints[]>();
  for (const article of articles) {
    const part = Math.floor(article.doc / PART_SIZE);
    const list = byPart.get(part);
    if (list) list.push(article);
    else byPart.set(part, [article]);
  }
  const groups = [...byPart].sort((a, b) => a[0] - b[0]).map(([part, list]) => groupPart(part, list));
  if (groups.length === 1) return groups[0]!;
  const ids: number[] = [];
  const starts: number[] = [];
  let offset = 0;
  for (const group of groups) {
    for (let i = 0; i < group.ids.length; i++) {
      ids.push(group.ids[i]!);
      starts.push(offset + group.starts[i]!);
    }
    offset += group.bytes.byteLength;
  }
  starts.push(offset);
  return { ids, starts, bytes: Buffer.concat(groups.map((group) => group.bytes)) };
}

function groupPart(part: number, articles: readonly DocPrints[]): GroupedPostings {
  const counts = new Uint32Array(BUCKETS + 1);
  let total = 0;
  for (const { blob } of articles) {
    const packed = packedView(blob);
    for (let i = 0; i < packed.length; i += 3) counts[(packed[i]! >>> REST_BITS) + 1]!++;
    total += packed.length / 3;
  }
  for (let b = 0; b < BUCKETS; b++) counts[b + 1]! += counts[b]!;
  const ids: number[] = [];
  const starts: number[] = [];
  for (let b = 0; b < BUCKETS; b++) {
    if (counts[b] === counts[b + 1]) continue;
    ids.push(part * BUCKETS + b);
    starts.push(counts[b]! * POSTING_BYTES);
  }
  starts.push(total * POSTING_BYTES);
  const bytes = Buffer.allocUnsafe(total * POSTING_BYTES);
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, total * 2);
  for (const { doc, blob } of articles) {
    const packed = packedView(blob);
    const place = doc - part * PART_SIZE;
    for (let i = 0; i < packed.length; i += 3) {
      const high = packed[i]!;
      const at = 2 * counts[high >>> REST_BITS]!++;
      words[at] = packed[i + 1]!;
      words[at + 1] = ((high & REST_MASK) << PART_BITS) | place;
    }
  }
  return { ids, starts, bytes: toStored(bytes) };
}

/**
 * `total` cut into pieces of `most`, then powers of two for the rest: a handful of statement
 * texts, each cached by the engine, instead of one text per remainder.
 */
export function* pieces(total: number, most: number): Generator<number> {
  let left = total;
  for (; left >= most; left -= most) yield most;
  for (let size = 1 << 30; left > 0; size >>>= 1) {
    if (size > left) continue;
    yield size;
    left -= size;
  }
}

/** Rows SQLite writes by one statement: quickest at a few dozen blobs. */
const SQLITE_ROWS_PER_WRITE = 64;

/**
 * Postings PostgreSQL takes by one statement (about 8 MB as hex text): it pays a round trip per
 * statement, and binding two parameters a row cost it more than the inserts (measured: 10,000
 * articles, 250,000 rows in statements of 1,000 rows, 2.4 s).
 */
const POSTGRES_BYTES_PER_WRITE = 4 << 20;

const writeText = new Map<string, string>();
/**
 * Rows written in one statement, each added to (`append`: the blob concatenated, in the engine)
 * or put in place of (`replace`) the row's postings. SQLite gets a VALUES list; PostgreSQL gets the
 * rows' ids, starts and lengths as three arrays and all their postings as one blob, cut in SQL.
 */
function writeStatement(sql: Sql, mode: 'append' | 'replace', rows: number): string {
  const cacheKey = `${sql.engine}:${mode}:${rows}`;
  let text = writeText.get(cacheKey);
  if (!text) {
    // SQLite's || makes text of two blobs, byte for byte; the cast makes it a blob again.
    const value =
      mode === 'append'
        ? `CAST(fingerprint_postings.postings || excluded.postings AS ${sql.dialect.bytes})`
        : 'excluded.postings';
    const rowsText =
      sql.engine === 'sqlite'
        ? `VALUES ${Array(rows).fill('(?, ?)').join(', ')}`
        : `SELECT r.id, substring(CAST(? AS BYTEA) FROM r.start FOR r.length)
           FROM unnest(CAST(? AS BIGINT[]), CAST(? AS INTEGER[]), CAST(? AS INTEGER[])) AS r (id, start, length)`;
    text = `INSERT INTO fingerprint_postings (id, postings) ${rowsText}
      ON CONFLICT (id) DO UPDATE SET postings = ${value}`;
    writeText.set(cacheKey, text);
  }
  return text;
}

async function writeRows(
  sql: Sql,
  mode: 'append' | 'replace',
  grouped: GroupedPostings,
  bytesPerWrite = POSTGRES_BYTES_PER_WRITE,
): Promise<void> {
  const { ids, starts, bytes } = grouped;
  if (sql.engine === 'postgres') {
    for (let from = 0; from < ids.length; ) {
      let to = from + 1;
      while (to < ids.length && starts[to + 1]! - starts[from]! <= bytesPerWrite) to++;
      const base = starts[from]!;
      await sql.run(writeStatement(sql, mode, 0), [
        bytes.subarray(base, starts[to]!),
        `{${ids.slice(from, to).join(',')}}`,
        `{${starts
          .slice(from, to)
          .map((start) => start - base + 1)
          .join(',')}}`,
        `{${ids
          .slice(from, to)
          .map((_, i) => starts[from + i + 1]! - starts[from + i]!)
          .join(',')}}`,
      ]);
      from = to;
    }
    return;
  }
  let at = 0;
  for (const size of pieces(ids.length, SQLITE_ROWS_PER_WRITE)) {
    const values: Param[] = [];
    for (let i = at; i < at + size; i++) values.push(ids[i]!, bytes.subarray(starts[i]!, starts[i + 1]!));
    await sql.run(writeStatement(sql, mode, size), values);
    at += size;
  }
}

/**
 * Add the postings of some articles (whose docs hold no postings yet) to the index. On PostgreSQL
 * a statement takes `bytesPerWrite` of them at most (tests make it small).
 */
export async function addPostings(
  sql: Sql,
  articles: readonly DocPrints[],
  bytesPerWrite = POSTGRES_BYTES_PER_WRITE,
): Promise<void> {
  if (articles.length > 0) await writeRows(sql, 'append', groupPostings(articles), bytesPerWrite);
}

/** A list of integers (row ids, docs) as one parameter, and the subquery for `IN` that reads it. */
export function idList(sql: Sql, ids: readonly number[]): { text: string; value: string } {
  return sql.engine === 'sqlite'
    ? { text: '(SELECT value FROM json_each(?))', value: JSON.stringify(ids) }
    : { text: '(SELECT unnest(CAST(? AS BIGINT[])))', value: `{${ids.join(',')}}` };
}

/** Rows read or rewritten by one statement when postings are taken out. */
const ROWS_PER_READ = 4096;

/**
 * The postings of a row without those of the given docs (places in the row's part); `undefined`
 * when none of them was there.
 */
function without(postings: Uint8Array, places: ReadonlySet<number>): Uint8Array | undefined {
  const words = wordsOf(postings);
  let kept = 0;
  for (let at = 0; at < words.length; at += 2) {
    if (places.has(words[at + 1]! & PLACE_MASK)) continue;
    words[kept] = words[at]!;
    words[kept + 1] = words[at + 1]!;
    kept += 2;
  }
  if (kept === words.length) return undefined;
  return toStored(Buffer.from(words.buffer, words.byteOffset, kept * 4));
}

/**
 * Rewrite the given rows without the postings `drop` names (by row: the doc places to take out),
 * reading them in row order (on PostgreSQL locked until the transaction ends, so that a writer
 * beside it waits instead of having its postings overwritten). Call inside a transaction.
 */
async function rewriteRows(sql: Sql, drop: ReadonlyMap<number, ReadonlySet<number>>): Promise<void> {
  const ids = [...drop.keys()].sort((a, b) => a - b);
  for (let start = 0; start < ids.length; start += ROWS_PER_READ) {
    const list = idList(sql, ids.slice(start, start + ROWS_PER_READ));
    const rows = await sql.all<{ id: number; postings: Uint8Array }>(
      `SELECT id, postings FROM fingerprint_postings WHERE id IN ${list.text} ORDER BY id ${sql.dialect.forUpdate}`,
      [list.value],
    );
    await replaceRows(
      sql,
      rows.map((row) => ({ id: Number(row.id), postings: without(row.postings, drop.get(Number(row.id))!) })),
    );
  }
}

/** Rows given their new postings (left alone when `undefined`, deleted when empty). */
async function replaceRows(
  sql: Sql,
  rows: ReadonlyArray<{ id: number; postings: Uint8Array | undefined }>,
): Promise<void> {
  const emptied = rows.filter((row) => row.postings?.byteLength === 0).map((row) => row.id);
  const changed = rows.filter((row) => row.postings && row.postings.byteLength > 0);
  if (emptied.length > 0) {
    const list = idList(sql, emptied);
    await sql.run(`DELETE FROM fingerprint_postings WHERE id IN ${list.text}`, [list.value]);
  }
  if (changed.length === 0) return;
  const starts = [0];
  for (const row of changed) starts.push(starts.at(-1)! + row.postings!.byteLength);
  await writeRows(sql, 'replace', {
    ids: changed.map((row) => row.id),
    starts,
    bytes: Buffer.concat(changed.map((row) => row.postings!)),
  });
}

/** Take the postings of some articles (their docs, and the fingerprints they were indexed with) out. */
export async function dropPostings(sql: Sql, articles: readonly DocPrints[]): Promise<void> {
  const drop = new Map<number, Set<number>>();
  for (const { doc, blob } of articles) {
    const packed = packedView(blob);
    for (let i = 0; i < packed.length; i += 3) {
      const id = rowOf(packed[i]!, doc);
      const places = drop.get(id);
      if (places) places.add(doc % PART_SIZE);
      else drop.set(id, new Set([doc % PART_SIZE]));
    }
  }
  await rewriteRows(sql, drop);
}

/**
 * Take out every posting whose article is no longer indexed (its row deleted by a cascade when the
 * article left the store, which no code of ours saw). Reads the whole index, a page at a time.
 */
export async function dropOrphanPostings(sql: Sql): Promise<void> {
  const live = new Set(
    (await sql.all<{ doc: number }>('SELECT doc FROM fingerprinted_articles')).map((row) => Number(row.doc)),
  );
  for (let after = -1; ; ) {
    const rows = await sql.all<{ id: number; postings: Uint8Array }>(
      'SELECT id, postings FROM fingerprint_postings WHERE id > ? ORDER BY id LIMIT ?',
      [after, ROWS_PER_READ],
    );
    if (rows.length === 0) return;
    after = Number(rows.at(-1)!.id);
    const changed: Array<{ id: number; postings: Uint8Array | undefined }> = [];
    for (const row of rows) {
      const id = Number(row.id);
      const base = Math.floor(id / BUCKETS) * PART_SIZE;
      const dead = new Set<number>();
      const words = wordsOf(row.postings);
      for (let at = 1; at < words.length; at += 2) {
        const place = words[at]! & PLACE_MASK;
        if (!live.has(base + place)) dead.add(place);
      }
      if (dead.size > 0) changed.push({ id, postings: without(row.postings, dead) });
    }
    await replaceRows(sql, changed);
  }
}

/** Every posting in the index, decoded: for tests and checks, never on a hot path. */
export async function allPostings(sql: Sql): Promise<Array<{ high: number; low: number; doc: number }>> {
  const found: Array<{ high: number; low: number; doc: number }> = [];
  for (const row of await sql.all<{ id: number; postings: Uint8Array }>(
    'SELECT id, postings FROM fingerprint_postings ORDER BY id',
  )) {
    const id = Number(row.id);
    const bucket = id % BUCKETS;
    const base = ((id - bucket) / BUCKETS) * PART_SIZE;
    const words = wordsOf(row.postings);
    for (let at = 0; at < words.length; at += 2) {
      const second = words[at + 1]!;
      found.push({
        high: (bucket << REST_BITS) | (second >>> PART_BITS),
        low: words[at]!,
        doc: base + (second & PLACE_MASK),
      });
    }
  }
  return found;
}

const lookupText = new Map<string, string>();
/**
 * The rows of the given buckets in every part, as one blob: each row as its id and its length
 * (two big-endian uint32) and then its postings. One value out of the engine instead of a row
 * each: better-sqlite3 makes a Buffer for every blob it returns, which cost three times the read.
 */
function lookupStatement(sql: Sql): string {
  let text = lookupText.get(sql.engine);
  if (!text) {
    const parts = `WITH RECURSIVE parts (part) AS (
        SELECT CAST(0 AS ${sql.dialect.bigint}) UNION ALL SELECT part + 1 FROM parts
        WHERE part < (SELECT max(id) FROM fingerprint_postings) / ${BUCKETS})`;
    text =
      sql.engine === 'sqlite'
        ? `${parts}
      SELECT CAST(group_concat(unhex(printf('%08X%08X', f.id, length(f.postings))) || f.postings, '') AS BLOB) AS found
      FROM fingerprint_postings f
      WHERE f.id IN (SELECT parts.part * ${BUCKETS} + b.value FROM parts, json_each(?) AS b)`
        : // A row a key, looked up by the key's index: the planner takes the recursive list of parts
          // for 31 rows and would otherwise scan the whole table into a hash join.
          `${parts}
      SELECT string_agg(substring(int8send(f.id) FROM 5 FOR 4) || int4send(length(f.postings)) || f.postings, CAST('' AS BYTEA)) AS found
      FROM parts, unnest(CAST(? AS BIGINT[])) AS b (bucket),
        LATERAL (SELECT id, postings FROM fingerprint_postings WHERE id = parts.part * ${BUCKETS} + b.bucket LIMIT 1) AS f`;
    lookupText.set(sql.engine, text);
  }
  return text;
}

/**
 * How many of the given fingerprints (distinct) each indexed article has, leaving out fingerprints
 * that more than `cap` articles have (boilerplate: a shared sentence in every article finds no
 * candidates). Each article counts once for a fingerprint, however often it holds it.
 */
export async function sharedCounts(
  sql: Sql,
  hashes: { high: Int32Array; low: Int32Array },
  cap: number,
): Promise<Map<number, number>> {
  const shared = new Map<number, number>();
  if (hashes.high.length === 0) return shared;
  const byHigh = new Map<number, number[]>();
  const buckets = new Set<number>();
  for (let i = 0; i < hashes.high.length; i++) {
    const high = hashes.high[i]!;
    const same = byHigh.get(high);
    if (same) same.push(i);
    else byHigh.set(high, [i]);
    buckets.add(high >>> REST_BITS);
  }
  const bucketList = [...buckets];
  const row = await sql.get<{ found: Uint8Array | null }>(lookupStatement(sql), [
    sql.engine === 'sqlite' ? JSON.stringify(bucketList) : `{${bucketList.join(',')}}`,
  ]);
  const found = row?.found;
  if (!found) return shared;
  const docs: Array<number[] | undefined> = new Array(hashes.high.length);
  // Each row: its id, its length in bytes, its postings (two words each).
  const words = wordsOf(found);
  for (let at = 0; at < words.length; ) {
    const id = words[at]! >>> 0;
    const end = at + 2 + (words[at + 1]! >>> 2);
    const bucket = id % BUCKETS;
    const base = ((id - bucket) / BUCKETS) * PART_SIZE;
    for (at += 2; at < end; at += 2) {
      const second = words[at + 1]!;
      const same = byHigh.get((bucket << REST_BITS) | (second >>> PART_BITS));
      if (!same) continue;
      const low = words[at]!;
      for (const i of same) {
        if (hashes.low[i] !== low) continue;
        const doc = base + (second & PLACE_MASK);
        const list = docs[i];
        if (!list) docs[i] = [doc];
        // Past the cap the fingerprint is left out: its other articles need not be listed.
        else if (list.length <= cap && !list.includes(doc)) list.push(doc);
      }
    }
  }
  for (const list of docs) {
    if (!list || list.length > cap) continue;
    for (const doc of list) shared.set(doc, (shared.get(doc) ?? 0) + 1);
  }
  return shared;
}
