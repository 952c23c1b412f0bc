import { join } from 'node:path';
import { afterEach, describe } from 'vitest';
import { openSql } from '../../src/store/db.ts';
import type { Engine, Sql } from '../../src/store/sql.ts';
import { freshSchema } from './postgres.ts';
import { tempDir } from './tmp.ts';

export interface EngineUnderTest {
  engine: Engine;
  /** A new, empty store with the whole schema, closed (and dropped) after the test. */
  open(): Promise<Sql>;
  /** A new, empty store's `--store` value, for commands run as a user runs them. */
  target(): Promise<string>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const engines: EngineUnderTest[] = [
  {
    engine: 'sqlite',
    target: async () => join(tempDir(), 'store.sqlite'),
    async open() {
      const sql = await openSql(await this.target());
      cleanups.push(() => sql.close());
      return sql;
    },
  },
  {
    engine: 'postgres',
    async target() {
      const database = await freshSchema();
      cleanups.push(database.drop);
      return database.url;
    },
    async open() {
      const sql = await openSql(await this.target());
      cleanups.push(() => sql.close());
      return sql;
    },
  },
];

/**
 * The store's contract: the same tests on both engines. Anything written through `Sql` must
 * behave the same on SQLite and PostgreSQL, and these suites are where that is shown.
 */
export function describeEngines(name: string, suite: (engine: EngineUnderTest) => void): void {
  for (const engine of engines) describe(`${name} [${engine.engine}]`, () => suite(engine));
}
