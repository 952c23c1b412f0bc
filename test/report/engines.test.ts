import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReport, DEFAULT_NOTICE, REPORT_FORMATS, renderers } from '../../src/report/index.ts';
import { sites } from '../findings/_pages.ts';
import { runCli } from '../helpers/cli.ts';
import { freshSchema } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';
import { seededStore } from './_store.ts';

/** The same scans recorded on SQLite and on PostgreSQL give the same report, byte for byte. */
const drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const drop of drops.splice(0)) await drop();
});

async function bothStores() {
  const postgres = await freshSchema();
  drops.push(postgres.drop);
  const dir = tempDir();
  return {
    sqlite: await seededStore(dir),
    postgres: await seededStore(dir, postgres.url),
  };
}

describe('a report on either engine', () => {
  it('is the same in every format, for the last scan and for an earlier one', async () => {
    const { sqlite, postgres } = await bothStores();
    const notice = { file: '(built-in notice)', text: DEFAULT_NOTICE };
    const now = new Date('2026-01-04T00:00:00Z');
    for (const scanId of [undefined, sqlite.scans[0]]) {
      const options = { scanId, sites, notice, publisher: 'Northwind Review', now };
      const fromSqlite = await buildReport(sqlite.db, options);
      const fromPostgres = await buildReport(postgres.db, options);
      expect(fromSqlite.violations.length).toBeGreaterThan(0);
      for (const format of REPORT_FORMATS) {
        expect(renderers[format](fromPostgres), `${format}, scan ${scanId ?? 'last'}`).toBe(
          renderers[format](fromSqlite),
        );
      }
    }
  });

  it('is the same from `syndicate report` given a SQLite file or a postgres:// URL', async () => {
    const { sqlite, postgres } = await bothStores();
    await sqlite.db.close();
    await postgres.db.close();
    const rules = join(import.meta.dirname, '..', '..', 'rules');
    for (const format of ['json', 'md', 'csv'] as const) {
      const run = (store: string) =>
        runCli(['--store', store, '--rules', rules, 'report', '--format', format]);
      const [fromSqlite, fromPostgres] = [await run(sqlite.file), await run(postgres.file)];
      expect(fromSqlite.code, fromSqlite.stderr).toBe(0);
      expect(fromPostgres.code, fromPostgres.stderr).toBe(0);
      // The generated time differs from run to run; everything else is the same.
      const steady = (text: string) =>
        text.replace(/20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, (time) =>
          time.startsWith('2026-01-0') ? time : 'NOW',
        );
      expect(steady(fromPostgres.stdout), format).toBe(steady(fromSqlite.stdout));
    }
  });
});
