import { SyndicateError } from '../errors.ts';
import type { Param, Sql } from './sql.ts';
import { placeholders } from './sql.ts';
import type { SqliteSql } from './sqlite.ts';

/** Rows sent in one INSERT: well under PostgreSQL's 65,535 parameters for the widest table. */
const ROWS_PER_INSERT = 500;
/**
 * Bytes sent in one INSERT at most (unless one row alone holds more): rows of `crawl_raw` and
 * `evidence_blobs` hold whole pages, WARCs and screenshots of up to tens of MiB each.
 */
const BYTES_PER_INSERT = 16 * 1024 * 1024;

/**
 * Tables that hold one row the schema itself makes, replaced by the source's row last of all:
 * triggers count in them while the other tables are copied.
 */
const SINGLE_ROW_TABLES = new Set(['article_state', 'fingerprint_revision']);

export interface CopiedTable {
  table: string;
  rows: number;
}

/**
 * The source's tables, parents before children (foreign keys), so that the copy never inserts a
 * row whose parent is not there yet.
 */
function tablesInOrder(source: SqliteSql): string[] {
  const tables = source.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const parents = new Map(
    tables.map((table) => [
      table,
      (source.db.prepare(`PRAGMA foreign_key_list("${table}")`).all() as { table: string }[])
        .map((key) => key.table)
        .filter((parent) => parent !== table),
    ]),
  );
  const ordered: string[] = [];
  const visit = (table: string) => {
    if (ordered.includes(table)) return;
    for (const parent of parents.get(table) ?? []) visit(parent);
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered;
}

async function isEmpty(target: Sql, tables: readonly string[]): Promise<string | undefined> {
  for (const table of tables) {
    if (SINGLE_ROW_TABLES.has(table)) continue;
    if (await target.get(`SELECT 1 AS one FROM ${table} LIMIT 1`)) return table;
  }
  return undefined;
}

/**
 * Copy every row of a SQLite store into an empty PostgreSQL store of the same schema version, in
 * one transaction: the target ends with all of it or none of it. Ids are kept (findings keep the
 * numbers people wrote in notices), and the target's id sequences continue after the largest.
 */
export async function copyStore(
  source: SqliteSql,
  target: Sql,
  onTable: (copied: CopiedTable) => void = () => {},
): Promise<CopiedTable[]> {
  const tables = tablesInOrder(source);
  const busy = await isEmpty(target, tables);
  if (busy) {
    throw new SyndicateError(
      'store',
      `the target store is not empty (table ${busy} has rows); give a new database`,
      {
        file: target.target,
      },
    );
  }
  const copied: CopiedTable[] = [];
  await target.tx(async () => {
    const last = tables.filter((table) => SINGLE_ROW_TABLES.has(table));
    for (const table of [...tables.filter((table) => !SINGLE_ROW_TABLES.has(table)), ...last]) {
      if (SINGLE_ROW_TABLES.has(table)) await target.run(`DELETE FROM ${table}`);
      const columns = (source.db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map(
        (column) => column.name,
      );
      // 64-bit integers (fingerprint hashes) stay exact: read as BigInt, written as text.
      const rows = source.db.prepare(`SELECT * FROM "${table}"`).safeIntegers(true).raw(true);
      const insert = (count: number) =>
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: count }, () => placeholders(columns.length)).join(', ')}`;
      let pending: Param[] = [];
      let pendingBytes = 0;
      let count = 0;
      for (const row of rows.iterate() as Iterable<Param[]>) {
        pending.push(...row.map(narrow));
        pendingBytes += row.reduce((sum: number, value) => sum + sizeOf(value), 0);
        count++;
        if (pending.length === columns.length * ROWS_PER_INSERT || pendingBytes >= BYTES_PER_INSERT) {
          await target.run(insert(pending.length / columns.length), pending);
          pending = [];
          pendingBytes = 0;
        }
      }
      if (pending.length > 0) await target.run(insert(pending.length / columns.length), pending);
      copied.push({ table, rows: count });
      onTable({ table, rows: count });
    }
    if (target.engine === 'postgres') await continueSequences(target, tables);
  });
  return copied;
}

function sizeOf(value: Param): number {
  if (value instanceof Uint8Array || typeof value === 'string') return value.length;
  return 8;
}

/** A BigInt that fits a double exactly goes as a number, so that REAL-like columns stay numbers. */
function narrow(value: Param): Param {
  if (typeof value === 'bigint' && value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER) {
    return Number(value);
  }
  return value;
}

/** Identity columns given explicit ids do not move their sequence: move it past the largest id. */
async function continueSequences(target: Sql, tables: readonly string[]): Promise<void> {
  const identities = await target.all<{ table: string; column: string }>(
    `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
      WHERE table_schema = current_schema() AND is_identity = 'YES'`,
  );
  for (const { table, column } of identities) {
    if (!tables.includes(table)) continue;
    await target.get(
      `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), COALESCE((SELECT MAX(${column}) FROM ${table}), 0) + 1, false) AS next`,
    );
  }
}
