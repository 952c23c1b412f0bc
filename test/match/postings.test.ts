import { expect, it } from 'vitest';
import { packFingerprints } from '../../src/match/fingerprint-index.ts';
import {
  addPostings,
  allPostings,
  type DocPrints,
  dropPostings,
  groupPostings,
  PART_SIZE,
  sharedCounts,
} from '../../src/match/postings.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import type { SqliteSql } from '../../src/store/sqlite.ts';
import { describeEngines } from '../helpers/engines.ts';

/** An article's fingerprints as the index gets them, from [high, low] pairs. */
function prints(doc: number, pairs: ReadonlyArray<readonly [number, number]>): DocPrints {
  return {
    doc,
    blob: packFingerprints({
      high: Int32Array.from(pairs, ([high]) => high),
      low: Int32Array.from(pairs, ([, low]) => low),
      positions: Int32Array.from(pairs, (_, i) => i),
    }),
  };
}

const listed = (postings: ReadonlyArray<{ high: number; low: number; doc: number }>) =>
  postings.map(({ high, low, doc }) => `${high}:${low}:${doc}`).sort();

// Hashes at the corners of both halves, and two that share a bucket (the top 18 bits).
const corners: Array<[number, number]> = [
  [-2147483648, 0],
  [2147483647, -1],
  [-1, -1],
  [0, 1],
  [123456789, -294967295],
];
const common: [number, number] = [0x12345678, 42];
const neighbour: [number, number] = [0x12345679, 42];
// Docs on both sides of a part's end, and in a part further on.
const docs = [5, PART_SIZE - 1, PART_SIZE, 3 * PART_SIZE + 7];

describeEngines('postings', (engine) => {
  it('keep every fingerprint and doc exactly, across parts and appends, and take one article’s out', async () => {
    const sql = await engine.open();
    const first = docs.map((doc, i) => prints(doc, [common, corners[i]!, [i, doc]]));
    await sql.tx(() => addPostings(sql, first));
    // A second write to the same rows appends to them.
    const second = [prints(docs[1]!, [neighbour, corners[4]!]), prints(11, [common, common, neighbour])];
    await sql.tx(() => addPostings(sql, second));
    const expected = [...first, ...second].flatMap(({ doc, blob }) => {
      const packed = new Int32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
      return Array.from({ length: packed.length / 3 }, (_, i) => ({
        high: packed[3 * i]!,
        low: packed[3 * i + 1]!,
        doc,
      }));
    });
    expect(listed(await allPostings(sql))).toEqual(listed(expected));

    await sql.tx(() => dropPostings(sql, [first[2]!]));
    expect(listed(await allPostings(sql))).toEqual(
      listed(expected.filter((posting) => posting.doc !== docs[2])),
    );
    // A row left with no postings is gone.
    const rows = await sql.get<{ n: number }>('SELECT count(*) AS n FROM fingerprint_postings');
    const distinct = new Set(
      (await allPostings(sql)).map(({ high, doc }) => `${high >>> 14}:${Math.floor(doc / PART_SIZE)}`),
    );
    expect(Number(rows!.n)).toBe(distinct.size);
  });

  it('count each article once for a fingerprint, and leave out fingerprints over the cap', async () => {
    const sql = await engine.open();
    await addPostings(sql, [
      prints(1, [common, common, neighbour, [7, 7]]),
      prints(2, [common, neighbour]),
      prints(PART_SIZE + 3, [common, [7, 7]]),
    ]);
    const page = (pairs: Array<[number, number]>) => ({
      high: Int32Array.from(pairs, ([high]) => high),
      low: Int32Array.from(pairs, ([, low]) => low),
    });
    const counts = async (pairs: Array<[number, number]>, cap: number) =>
      Object.fromEntries(await sharedCounts(sql, page(pairs), cap));
    expect(await counts([common, neighbour, [7, 7], [8, 8]], 3)).toEqual({
      1: 3,
      2: 2,
      [PART_SIZE + 3]: 2,
    });
    // `common` is in three articles: over a cap of two it finds none.
    expect(await counts([common, neighbour, [7, 7]], 2)).toEqual({ 1: 2, 2: 1, [PART_SIZE + 3]: 1 });
    expect(await counts([[7, 8]], 2)).toEqual({});
    expect(await counts([], 2)).toEqual({});
  });

  it('are written whole when there are more than one statement takes', async () => {
    const sql = await engine.open();
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
      return seed;
    };
    const many = Array.from({ length: 300 }, (_, i) =>
      prints(
        i + 1,
        Array.from({ length: 20 }, () => [next(), next()] as [number, number]),
      ),
    );
    // 48,000 bytes of postings, at most 1,000 a statement.
    await sql.tx(() => addPostings(sql, many, 1000));
    const expected = many.flatMap(({ doc, blob }) => {
      const packed = new Int32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
      return Array.from({ length: 20 }, (_, i) => ({ high: packed[3 * i]!, low: packed[3 * i + 1]!, doc }));
    });
    expect(listed(await allPostings(sql))).toEqual(listed(expected));
  });

  it('are grouped by row across parts however many rows a chunk touches', () => {
    if (engine.engine !== 'sqlite') return;
    let seed = 3;
    const next = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
      return seed;
    };
    // Two articles in two parts, each in nearly every bucket: far more rows than a call's arguments.
    const two = [PART_SIZE - 1, PART_SIZE].map((doc) =>
      prints(
        doc,
        Array.from({ length: 200_000 }, () => [next(), next()] as [number, number]),
      ),
    );
    const grouped = groupPostings(two);
    expect(grouped.ids.length).toBeGreaterThan(200_000);
    let ascending = true;
    for (let i = 1; i < grouped.ids.length; i++) ascending &&= grouped.ids[i - 1]! < grouped.ids[i]!;
    expect(ascending).toBe(true);
    expect(grouped.starts.at(-1)).toBe(400_000 * 8);
  });

  it('are made from the index rows of a store from before them (migration 21)', async () => {
    const target = await engine.target();
    const sql = await openSql(target);
    const rows = [...docs, 11].flatMap((doc, i) => [
      ...corners.map(([high, low]) => ({ high, low, doc })),
      { high: common[0], low: common[1], doc },
      { high: i * 99_991 - 7, low: doc * 31, doc },
    ]);
    const hash = ({ high, low }: { high: number; low: number }) =>
      String((BigInt(high) << 32n) | BigInt(low >>> 0));
    // The store as it was at version 20: index rows, one a fingerprint.
    await sql.exec(`DROP TABLE fingerprint_postings;
      CREATE TABLE fingerprints (hash ${sql.dialect.bigint} NOT NULL, doc ${sql.dialect.bigint} NOT NULL, PRIMARY KEY (hash, doc))`);
    for (const row of rows)
      await sql.run(`INSERT INTO fingerprints (hash, doc) VALUES (CAST(? AS ${sql.dialect.bigint}), ?)`, [
        hash(row),
        row.doc,
      ]);
    if (sql.engine === 'sqlite') (sql as SqliteSql).db.pragma('user_version = 20');
    else await sql.run('UPDATE syndicate_schema SET version = 20');
    await sql.close();

    const migrated: Sql = await openSql(target);
    try {
      expect(listed(await allPostings(migrated))).toEqual(listed(rows));
    } finally {
      await migrated.close();
    }
  });
});
