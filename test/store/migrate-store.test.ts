import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allPostings } from '../../src/match/postings.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import type { SqliteSql } from '../../src/store/sqlite.ts';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/fixture-store.ts';
import { freshPostgres } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';

const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const drop of drops.splice(0)) await drop();
});

async function database(): Promise<string> {
  const made = await freshPostgres();
  drops.push(made.drop);
  return made.url;
}

/** A SQLite store with articles, their index, and a scan's worth of rows in the other tables. */
async function sqliteStore(): Promise<string> {
  const file = join(tempDir(), 'store.sqlite');
  const imported = await runCli(['--store', file, 'import', join(FIXTURES, 'articles.jsonl')]);
  expect(imported.code).toBe(0);
  const sql = (await openSql(file)) as SqliteSql;
  sql.db.exec(`
    INSERT INTO scans (id, started, finished) VALUES (41, '2026-11-01T00:00:00Z', '2026-11-01T01:00:00Z');
    INSERT INTO findings (id, page_url, article_id, article_url, first_seen, last_seen, verdict, first_scan, last_scan)
      SELECT 7, 'https://reprints.example/a', id, url, '2026-11-01', '2026-11-01', 'violation', 41, 41 FROM articles LIMIT 1;
    INSERT INTO audit (finding_id, who, at, to_status, note) VALUES (7, 'syndicate scan', '2026-11-01', 'open', 'first seen');
    INSERT INTO crawl_passes (id, sites, started_at) VALUES (3, '["a"]', '2026-11-01');
    INSERT INTO crawl_frontier (pass_id, site_id, url, kind, source) VALUES (3, 'a', 'https://reprints.example/', 'seed', 'config');
  `);
  await sql.close();
  return file;
}

async function everyRow(sql: Sql, table: string): Promise<string[]> {
  const rows = await sql.all<Record<string, unknown>>(`SELECT * FROM ${table}`);
  return rows
    .map((row) =>
      JSON.stringify(row, (_key, value) =>
        typeof value === 'bigint' ? value.toString() : Buffer.isBuffer(value) ? value.toString('hex') : value,
      ),
    )
    .sort();
}

describe('syndicate migrate-store', () => {
  it('copies every row of every table, ids and blobs kept, and ids go on after the largest', async () => {
    const file = await sqliteStore();
    const url = await database();
    const moved = await runCli(['migrate-store', '--from', file, '--to', url]);
    expect(moved.stderr).toBe('');
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/^findings: 1 row\(s\)$/m);

    const source = (await openSql(file)) as SqliteSql;
    const target = await openSql(url);
    try {
      const tables = source.db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .all() as string[];
      let rows = 0;
      for (const table of tables) {
        const expected = await everyRow(source, table);
        rows += expected.length;
        expect(await everyRow(target, table), table).toEqual(expected);
      }
      expect(rows).toBeGreaterThan(20);
      // The index's postings read back the same from both (blobs copied byte for byte).
      const postings = await allPostings(source);
      expect(postings.length).toBeGreaterThan(100);
      expect(await allPostings(target)).toEqual(postings);

      const next = await target.get<{ id: number }>(
        "INSERT INTO scans (started) VALUES ('2026-12-01') RETURNING id",
      );
      expect(next?.id).toBe(42);
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('refuses a target that already holds a store, and changes nothing in it', async () => {
    const file = await sqliteStore();
    const url = await database();
    expect((await runCli(['migrate-store', '--from', file, '--to', url])).code).toBe(0);
    const again = await runCli(['migrate-store', '--from', file, '--to', url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/not empty/);
    const target = await openSql(url);
    expect(await target.get('SELECT COUNT(*) AS n FROM findings')).toEqual({ n: 1 });
    await target.close();
  });

  it('leaves the target empty when a row cannot be copied', async () => {
    const file = await sqliteStore();
    const source = (await openSql(file)) as SqliteSql;
    // SQLite keeps text in an INTEGER column; PostgreSQL refuses it, after other tables were copied.
    source.db.exec("UPDATE crawl_frontier SET depth = 'deep'");
    await source.close();
    const url = await database();
    const moved = await runCli(['migrate-store', '--from', file, '--to', url]);
    expect(moved.code).toBe(2);
    const target = await openSql(url);
    expect(await target.get('SELECT COUNT(*) AS n FROM articles')).toEqual({ n: 0 });
    await target.close();
  });

  it('says what is wrong with its arguments', async () => {
    const url = await database();
    const backwards = await runCli(['migrate-store', '--from', url, '--to', join(tempDir(), 'x.sqlite')]);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toMatch(/--from takes a SQLite store file/);
    const missing = await runCli(['migrate-store', '--from', join(tempDir(), 'none.sqlite'), '--to', url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no store here/);
  });
});
