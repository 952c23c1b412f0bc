import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SyndicateError } from '../../src/errors.ts';
import { openSql } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { postgresMigrations } from '../../src/store/postgres-schema.ts';
import type { Sql } from '../../src/store/sql.ts';
import type { SqliteSql } from '../../src/store/sqlite.ts';
import { freshPostgres } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';

interface Column {
  table: string;
  column: string;
  notNull: boolean;
  primaryKey: boolean;
}

/** What both engines must agree on: every table, its columns, which are required, which are keys. */
async function sqliteColumns(sql: SqliteSql): Promise<Column[]> {
  const tables = sql.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  return tables.flatMap((table) =>
    (
      sql.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; notnull: number; pk: number }[]
    ).map((row) => ({
      table,
      column: row.name,
      // SQLite lets a primary key column hold NULL unless it says NOT NULL; PostgreSQL never does.
      notNull: row.notnull === 1 || row.pk > 0,
      primaryKey: row.pk > 0,
    })),
  );
}

async function postgresColumns(sql: Sql): Promise<Column[]> {
  const rows = await sql.all<{ table: string; column: string; nullable: string; key: number }>(
    `SELECT c.table_name AS "table", c.column_name AS "column", c.is_nullable AS nullable,
            (SELECT COUNT(*) FROM information_schema.key_column_usage k
               JOIN information_schema.table_constraints t
                 ON t.constraint_name = k.constraint_name AND t.constraint_type = 'PRIMARY KEY'
              WHERE k.table_name = c.table_name AND k.column_name = c.column_name) AS key
       FROM information_schema.columns c
      WHERE c.table_schema = current_schema() AND c.table_name <> 'syndicate_schema'`,
  );
  return rows.map((row) => ({
    table: row.table,
    column: row.column,
    notNull: row.nullable === 'NO',
    primaryKey: row.key > 0,
  }));
}

const sorted = (columns: Column[]) =>
  [...columns].sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column));

describe('the two engines’ schemas', () => {
  let sqlite: SqliteSql;
  let postgres: Sql;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    sqlite = (await openSql(join(tempDir(), 'store.sqlite'))) as SqliteSql;
    const database = await freshPostgres();
    drop = database.drop;
    postgres = await openSql(database.url);
  });
  afterAll(async () => {
    await sqlite.close();
    await postgres.close();
    await drop();
  });

  it('are at the same version', () => {
    expect(postgresMigrations.at(-1)?.version).toBe(migrations.at(-1)?.version);
  });

  it('have the same tables and columns, required and keyed alike', async () => {
    expect(sorted(await postgresColumns(postgres))).toEqual(sorted(await sqliteColumns(sqlite)));
  });

  it('keep the audit log append-only on both', async () => {
    for (const sql of [sqlite, postgres] as Sql[]) {
      const scan = await sql.get<{ id: number }>(
        "INSERT INTO scans (started) VALUES ('2026-01-01T00:00:00Z') RETURNING id",
      );
      const finding = await sql.get<{ id: number }>(
        `INSERT INTO findings (page_url, article_id, article_url, first_seen, last_seen, verdict, first_scan, last_scan)
         VALUES ('https://a.example/1', 'a1', 'https://n.example/1', 'now', 'now', 'violation', ?, ?) RETURNING id`,
        [scan!.id, scan!.id],
      );
      await sql.run("INSERT INTO audit (finding_id, who, at, to_status) VALUES (?, 'me', 'now', 'open')", [
        finding!.id,
      ]);
      await expect(sql.run("UPDATE audit SET who = 'someone else'")).rejects.toThrow(/append-only/);
      await expect(sql.run('DELETE FROM audit')).rejects.toThrow(/append-only/);
    }
  });

  it('count fingerprint revisions on both', async () => {
    for (const sql of [sqlite, postgres] as Sql[]) {
      const before = await sql.get<{ revision: number }>('SELECT revision FROM fingerprint_revision');
      await sql.run(
        "INSERT INTO articles (id, url, title, published, record, hash, stored_at) VALUES ('x', 'https://n.example/x', 'X', '2026-01-01', '{}', 'h', 'now')",
      );
      await sql.run(
        "INSERT INTO fingerprinted_articles (article_id, article_hash, words, fingerprints) VALUES ('x', 'h', 3, ?)",
        [Buffer.from([1, 2])],
      );
      await sql.run("DELETE FROM fingerprinted_articles WHERE article_id = 'x'");
      const after = await sql.get<{ revision: number }>('SELECT revision FROM fingerprint_revision');
      expect(after!.revision - before!.revision).toBe(2);
    }
  });

  it('let several processes open a new PostgreSQL store at once and migrate it once', async () => {
    const database = await freshPostgres();
    try {
      const opened = await Promise.all([1, 2, 3].map(() => openSql(database.url)));
      const version = await opened[0]!.get<{ version: number }>('SELECT version FROM syndicate_schema');
      expect(version?.version).toBe(migrations.at(-1)?.version);
      await Promise.all(opened.map((sql) => sql.close()));
    } finally {
      await database.drop();
    }
  });
});

describe('opening a PostgreSQL store', () => {
  it('refuses a database without a store when the command needs one, and names it without its password', async () => {
    const database = await freshPostgres();
    try {
      await expect(openSql(database.url, { mustExist: true })).rejects.toThrow(/no store in this database/);
      const error = await openSql(database.url, { mustExist: true }).catch(
        (caught: SyndicateError) => caught,
      );
      expect(String((error as SyndicateError).where.file)).not.toContain('syndicate-tests');
      const made = await openSql(database.url);
      await made.close();
      const opened = await openSql(database.url, { mustExist: true });
      await opened.close();
    } finally {
      await database.drop();
    }
  });

  it('says the server cannot be reached, at once', async () => {
    await expect(openSql('postgres://nobody:secret@127.0.0.1:9/none')).rejects.toThrow(
      /cannot open the store/,
    );
  });
});

describe('text order on PostgreSQL', () => {
  it('is byte order, as SQLite’s, even in a database whose locale sorts otherwise', async () => {
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    const name = `syndicate_icu_${Date.now()}`;
    try {
      await admin.query(
        `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`,
      );
      const url = new URL(inject('postgresUrl'));
      url.pathname = `/${name}`;
      const sql = await openSql(url.toString());
      try {
        // The locale itself puts lower case first…
        const locale = await sql.all<{ word: string }>(
          "SELECT word FROM (VALUES ('B'), ('a')) AS words (word) ORDER BY word COLLATE \"en-US-x-icu\"",
        );
        expect(locale.map((row) => row.word)).toEqual(['a', 'B']);
        // …and the store's columns do not.
        for (const id of ['a', 'B', 'é', 'Z'])
          await sql.run(
            "INSERT INTO articles (id, url, title, published, record, hash, stored_at) VALUES (?, ?, 't', 'p', '{}', 'h', 'n')",
            [id, `https://n.example/${id}`],
          );
        const ids = await sql.all<{ id: string }>('SELECT id FROM articles ORDER BY id');
        expect(ids.map((row) => row.id)).toEqual(['B', 'Z', 'a', 'é']);
      } finally {
        await sql.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
