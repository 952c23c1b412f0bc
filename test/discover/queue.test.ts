import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES, fixtureArticles, fixtureStore } from '../helpers/fixture-store.ts';
import { freshPostgres } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';
import { storeArticles } from '../match/_articles.ts';
import { buildArchive, type RecordSpec, serveArchives } from './_archives.ts';

/**
 * `discover` on a PostgreSQL store with real `syndicate worker` processes (issue 12): each archive
 * file is one queue job; the command waits for them with progress; a run stopped before the
 * workers came leaves its jobs queued, and the next run waits for those jobs instead of queueing
 * the files again. The archives are served on 127.0.0.1 with byte ranges.
 */

interface Expected {
  file: string;
  pageUrl: string;
  status: string;
  matches: Array<{ article: string; kind: string; verdict: string }>;
}
const expected = JSON.parse(readFileSync(join(FIXTURES, 'pages', 'expected.json'), 'utf8')) as Expected[];

interface Found {
  pageUrl: string;
  article: { id: string };
  kind: string;
  verdict: string;
  coverage: number;
  source: string;
  recordOffset: number;
  recordLength: number;
}

const bin = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bin.js');
const running: ChildProcess[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
  for (const close of closers.splice(0).reverse()) await close();
});

/** A `syndicate worker` process; resolves once it says it waits for jobs. */
function startWorker(store: string, rules: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, '--store', store, '--rules', rules, 'worker'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SYNDICATE_LOG_LEVEL: 'warn' },
  });
  running.push(child);
  child.stdout!.resume();
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

/** Every fixture page as a WARC response, between request and metadata records. */
async function archiveOfFixturePages(): Promise<Buffer> {
  const specs: RecordSpec[] = [];
  for (const entry of expected) {
    specs.push({
      type: 'request',
      url: entry.pageUrl,
      body: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      contentType: 'application/http; msgtype=request',
    });
    specs.push({
      type: 'response',
      url: entry.pageUrl,
      body: readFileSync(join(FIXTURES, 'pages', entry.file), 'utf8'),
    });
  }
  return (await buildArchive(specs)).bytes;
}

/** What a discovery is, apart from the file it was found in. */
const keyOf = (found: Found) =>
  `${found.pageUrl} ${found.recordOffset}+${found.recordLength} ${found.article.id} ${found.kind} ${found.coverage} ${found.verdict}`;

describe('discover files as queue jobs on PostgreSQL', () => {
  it('spreads the files over worker processes, and a stopped run resumes its unfinished jobs', {
    timeout: 240_000,
  }, async () => {
    const database = await freshPostgres();
    closers.push(database.drop);
    const store = database.url;
    const sql = await openSql(store);
    await storeArticles(sql, fixtureArticles());
    await sql.close();
    const { rules, store: sqliteStore } = await fixtureStore();

    const bytes = await archiveOfFixturePages();
    const names = ['one.warc.gz', 'two.warc.gz', 'three.warc.gz'];
    const served = await serveArchives(Object.fromEntries(names.map((name) => [name, bytes])));
    closers.push(() => served.server.close());
    const urls = names.map((name) => new URL(name, served.base).toString());
    const command = ['--store', store, '--rules', rules, 'discover', ...urls, '--allow-private-networks'];

    // No worker yet: the run queues a job per file, and is stopped while it waits.
    const stop = new AbortController();
    const first = runCli([...command, '--format', 'json'], { signal: stop.signal });
    const client = new pg.Client({ connectionString: store });
    await client.connect();
    closers.push(() => client.end());
    const queuedJobs = async () =>
      (
        await client
          .query<{ key: string; state: string }>(
            `SELECT singleton_key AS key, state::text AS state FROM pgboss.job WHERE name = 'syndicate-discover'
             UNION ALL SELECT singleton_key, state::text FROM pgboss.archive WHERE name = 'syndicate-discover'`,
          )
          .catch(() => ({ rows: [] as Array<{ key: string; state: string }> }))
      ).rows;
    for (let tries = 0; tries < 200 && (await queuedJobs()).length < 3; tries++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await queuedJobs()).map((job) => job.key).sort()).toEqual([...urls].sort());
    stop.abort();
    const stopped = await first;
    expect(stopped.code).toBe(2);
    const stoppedReport = JSON.parse(stopped.stdout) as { files: Array<{ queued?: boolean }> };
    expect(stoppedReport.files.map((file) => file.queued)).toEqual([true, true, true]);
    expect(served.requests).toEqual([]);

    // Two workers come; the same command again waits for the jobs already queued.
    const workers = [startWorker(store, rules), startWorker(store, rules)];
    const second = await runCli([...command, '--format', 'json']);
    expect(second.stderr).toBe('');
    const report = JSON.parse(second.stdout) as {
      files: Array<{ key: string; error?: string; skipped: boolean; counts?: { records: number } }>;
      discoveries: Found[];
    };
    expect(report.files.map((file) => file.error)).toEqual([undefined, undefined, undefined]);
    expect(report.files.map((file) => file.counts?.records)).toEqual(names.map(() => 2 * expected.length));
    const jobs = await queuedJobs();
    expect(jobs).toHaveLength(3);
    expect(jobs.every((job) => job.state === 'completed')).toBe(true);

    // The same discoveries in each file as a run in one process on a SQLite store finds.
    const local = join(tempDir(), 'one.warc.gz');
    writeFileSync(local, bytes);
    const reference = JSON.parse(
      (
        await runCli([
          '--store',
          sqliteStore,
          '--rules',
          rules,
          'discover',
          local,
          '--format',
          'json',
          '--threads',
          '1',
        ])
      ).stdout,
    ) as { discoveries: Found[] };
    const referenceKeys = reference.discoveries.map(keyOf).sort();
    const reprints = expected.filter((entry) => entry.status === 'reprint');
    expect(referenceKeys).toHaveLength(reprints.reduce((sum, entry) => sum + entry.matches.length, 0));
    for (const url of urls)
      expect(
        report.discoveries
          .filter((found) => found.source === url)
          .map(keyOf)
          .sort(),
        url,
      ).toEqual(referenceKeys);
    expect(second.code).toBe(report.discoveries.some((found) => found.verdict === 'violation') ? 1 : 0);

    // Done files are not queued again.
    const third = JSON.parse((await runCli([...command, '--format', 'json'])).stdout) as {
      files: Array<{ skipped: boolean }>;
    };
    expect(third.files.map((file) => file.skipped)).toEqual([true, true, true]);
    expect(await queuedJobs()).toHaveLength(3);

    // Workers stop cleanly on SIGTERM.
    for (const worker of workers) worker.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0]);
  });
});
