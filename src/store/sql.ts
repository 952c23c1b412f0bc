/**
 * The store's one way to run SQL, whatever the engine: SQLite (a file, the embedded default) or
 * PostgreSQL (a server that several processes and machines share). Every repository (articles,
 * fingerprints, frontier, snapshots, scans, findings, …) is written once against this interface,
 * in the SQL both engines understand:
 *
 * - parameters are `?` (positional, with an array) or `@name` (named, with an object); the
 *   PostgreSQL engine rewrites them to `$n`;
 * - `INSERT … ON CONFLICT (…) DO NOTHING | DO UPDATE`, never SQLite's `INSERT OR IGNORE/REPLACE`;
 * - `RETURNING` instead of SQLite's last row id;
 * - column aliases that are not lower case are quoted (`AS "pageUrl"`): PostgreSQL folds the rest;
 * - where the engines really differ (JSON arrays, case-insensitive comparison), `dialect` says how.
 *
 * A transaction is `tx(work)`: while `work` runs, every call on this `Sql` from inside it (however
 * deep, through `AsyncLocalStorage`) goes to the transaction, and calls from elsewhere wait for it
 * (SQLite, one connection) or run beside it (PostgreSQL, a pool).
 */

export type Param = string | number | bigint | boolean | null | Uint8Array;
export type Params = readonly Param[] | Readonly<Record<string, Param | undefined>>;

export interface RunResult {
  /** Rows the statement inserted, changed or deleted. */
  changes: number;
}

export type Engine = 'sqlite' | 'postgres';

export interface TxOptions {
  /**
   * Only reads: SQLite takes no write lock for it. Writes take the lock at the start (SQLite's
   * `BEGIN IMMEDIATE`), so two writers never deadlock upgrading a read lock.
   */
  readOnly?: boolean;
}

export interface Sql {
  readonly engine: Engine;
  /** What the store is, for messages: a file path, or a PostgreSQL URL without its password. */
  readonly target: string;
  readonly dialect: Dialect;
  all<T = Record<string, unknown>>(text: string, params?: Params): Promise<T[]>;
  get<T = Record<string, unknown>>(text: string, params?: Params): Promise<T | undefined>;
  run(text: string, params?: Params): Promise<RunResult>;
  /** One statement for each set of parameters, as cheaply as the engine allows (one round trip). */
  batch(text: string, rows: readonly Params[]): Promise<RunResult>;
  /** Statements without parameters, separated by `;` (schema changes). */
  exec(script: string): Promise<void>;
  tx<T>(work: () => Promise<T>, options?: TxOptions): Promise<T>;
  close(): Promise<void>;
}

/** The few places where the engines' SQL differs; each returns a piece of SQL to splice in. */
export interface Dialect {
  /**
   * The rows of a JSON array of strings or numbers passed as one parameter, as a subquery for
   * `x IN (…)`: `x IN ${dialect.jsonValues('?')}` with `JSON.stringify(list)` as the parameter.
   */
  jsonValues(parameter: string): string;
  /**
   * A FROM item with one row for each element of the JSON array held in `column` (a TEXT column),
   * named `alias`; read a field of an element (an object) with `jsonItemField`.
   */
  jsonArrayItems(column: string, alias: string): string;
  /** The text of `field` of the JSON object that `jsonArrayItems` named `alias`. */
  jsonItemField(alias: string, field: string): string;
  /** `column` compared with `parameter` ignoring ASCII case. */
  equalsIgnoringCase(column: string, parameter: string): string;
  /** `column LIKE parameter ESCAPE '\'`, ignoring ASCII case in both engines. */
  likeIgnoringCase(column: string, parameter: string): string;
  /**
   * `expression` as an ORDER BY key that ignores ASCII case and otherwise compares code points,
   * as SQLite's NOCASE does, whatever the PostgreSQL database's collation.
   */
  orderIgnoringCase(expression: string): string;
  /**
   * The end of a SELECT inside a transaction whose rows the transaction goes on to change: on
   * PostgreSQL `FOR UPDATE`, so that a writer beside it (another process recording the same
   * finding, a reviewer) waits for the commit and then reads what was committed, instead of both
   * reading the old row and the second write undoing the first. Empty on SQLite, whose writing
   * transactions already run one at a time (`BEGIN IMMEDIATE`).
   */
  readonly forUpdate: string;
  /**
   * Appended to the `SELECT … LIMIT n` subquery of an `UPDATE … WHERE id IN (…)` that claims rows
   * of a work queue: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so processes claiming at once each
   * take other rows without waiting on one another; SQLite has one writer at a time, and the
   * `UPDATE` alone is atomic, so nothing.
   */
  readonly skipLocked: string;
  /** A column type holding a 64-bit integer (row ids, hashes). */
  readonly bigint: string;
  /** A column type holding bytes. */
  readonly bytes: string;
  /** The primary key column of a table whose ids the engine allots. */
  readonly serialKey: string;
}

/** How many places a statement of `count` values asks for: `(?, ?, ?)`. */
export function placeholders(count: number): string {
  return `(${Array.from({ length: count }, () => '?').join(', ')})`;
}
