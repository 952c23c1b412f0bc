import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { Dialect, Param, Params, RunResult, Sql, TxOptions } from './sql.ts';

export const sqliteDialect: Dialect = {
  jsonValues: (parameter) => `(SELECT value FROM json_each(${parameter}))`,
  jsonArrayItems: (column, alias) => `json_each(${column}) AS ${alias}`,
  jsonItemField: (alias, field) => `json_extract(${alias}.value, '$.${field}')`,
  equalsIgnoringCase: (column, parameter) => `${column} = ${parameter} COLLATE NOCASE`,
  // SQLite's LIKE already ignores ASCII case.
  likeIgnoringCase: (column, parameter) => `${column} LIKE ${parameter} ESCAPE '\\'`,
  orderIgnoringCase: (expression) => `${expression} COLLATE NOCASE`,
  forUpdate: '',
  skipLocked: '',
  bigint: 'INTEGER',
  bytes: 'BLOB',
  serialKey: 'INTEGER PRIMARY KEY',
};

type Bound = Param | undefined;

/** better-sqlite3 binds no booleans and no `undefined`: 1/0 and NULL, as PostgreSQL gets them. */
function bindable(value: Bound): string | number | bigint | null | Uint8Array {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function bind(params: Params | undefined): unknown[] {
  if (params === undefined) return [];
  if (Array.isArray(params)) return (params as readonly Bound[]).map(bindable);
  const named: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) named[name] = bindable(value);
  return [named];
}

interface Frame {
  savepoints: number;
}

/**
 * The SQLite engine: one better-sqlite3 connection. Its calls are synchronous underneath; a
 * transaction holds the connection across `await`s, so calls from outside it wait until it ends
 * (otherwise they would run inside it, and a rollback would take them too).
 */
export class SqliteSql implements Sql {
  readonly engine = 'sqlite' as const;
  readonly dialect = sqliteDialect;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly context = new AsyncLocalStorage<Frame>();
  /** Settles when the transaction holding the connection ends; `undefined` when none does. */
  private held: Promise<void> | undefined;

  constructor(
    /** The connection; only the store's own code (migrations, the hot paths of a bulk load) uses it directly. */
    readonly db: Database.Database,
    readonly target: string,
  ) {}

  private statement(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private async turn(): Promise<void> {
    if (this.context.getStore()) return;
    while (this.held) await this.held;
  }

  async all<T>(text: string, params?: Params): Promise<T[]> {
    await this.turn();
    return this.statement(text).all(...bind(params)) as T[];
  }

  async get<T>(text: string, params?: Params): Promise<T | undefined> {
    await this.turn();
    return this.statement(text).get(...bind(params)) as T | undefined;
  }

  async run(text: string, params?: Params): Promise<RunResult> {
    await this.turn();
    return { changes: this.statement(text).run(...bind(params)).changes };
  }

  async batch(text: string, rows: readonly Params[]): Promise<RunResult> {
    await this.turn();
    const statement = this.statement(text);
    let changes = 0;
    const all = () => {
      for (const row of rows) changes += statement.run(...bind(row)).changes;
    };
    if (this.db.inTransaction) all();
    else this.db.transaction(all).immediate();
    return { changes };
  }

  async exec(script: string): Promise<void> {
    await this.turn();
    this.db.exec(script);
  }

  async tx<T>(work: () => Promise<T>, options: TxOptions = {}): Promise<T> {
    const frame = this.context.getStore();
    if (frame) return this.savepoint(frame, work);
    while (this.held) await this.held;
    let release!: () => void;
    this.held = new Promise((resolve) => {
      release = resolve;
    });
    try {
      this.db.exec(options.readOnly ? 'BEGIN' : 'BEGIN IMMEDIATE');
      try {
        const result = await this.context.run({ savepoints: 0 }, work);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.held = undefined;
      release();
    }
  }

  private async savepoint<T>(frame: Frame, work: () => Promise<T>): Promise<T> {
    const name = `nested_${++frame.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    }
  }

  async close(): Promise<void> {
    while (this.held) await this.held;
    this.statements.clear();
    this.db.close();
  }
}
