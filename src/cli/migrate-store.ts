import { usageError } from '../errors.ts';
import { copyStore } from '../store/copy-store.ts';
import { isPostgresUrl, openSql } from '../store/db.ts';
import type { Sql } from '../store/sql.ts';
import type { SqliteSql } from '../store/sqlite.ts';
import { defineCommand, EXIT } from './context.ts';

/**
 * `syndicate migrate-store --from FILE --to postgres://…`: move a SQLite store into an empty
 * PostgreSQL database, all of it or nothing, ids kept. The SQLite file is left as it was (apart
 * from its own schema upgrade), so a failed or abandoned move loses nothing.
 */
export const migrateStoreCommand = defineCommand({
  name: 'migrate-store',
  declare(program) {
    return program
      .command('migrate-store')
      .description('copy a SQLite store into an empty PostgreSQL store, all or nothing')
      .requiredOption('--from <file>', 'the SQLite store to copy')
      .requiredOption('--to <url>', 'the PostgreSQL store (postgres://user:password@host:port/database)');
  },
  action(context) {
    return async (options: { from: string; to: string }) => {
      if (isPostgresUrl(options.from)) {
        throw usageError('--from takes a SQLite store file, not a postgres:// URL');
      }
      if (!isPostgresUrl(options.to)) {
        throw usageError('--to takes a postgres:// URL');
      }
      const source = (await openSql(options.from, { mustExist: true })) as SqliteSql;
      let target: Sql | undefined;
      try {
        target = await openSql(options.to);
        let total = 0;
        await copyStore(source, target, ({ table, rows }) => {
          total += rows;
          context.io.stdout(`${table}: ${rows} row(s)\n`);
        });
        context.io.stdout(`copied ${total} row(s) from ${options.from} to ${target.target}\n`);
      } finally {
        await target?.close();
        await source.close();
      }
      return EXIT.ok;
    };
  },
});
