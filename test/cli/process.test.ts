import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishScan, recordPageResults, startScan } from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import { page, sites } from '../findings/_pages.ts';

/**
 * The command line as scripts meet it: real child processes, their exit codes, what they print on
 * stderr (one line, never a stack trace), and a real pipe closed early.
 */
const REPO = join(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'src', 'cli', 'bin.js');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function syndicate(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, SYNDICATE_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Exit 2 with exactly one line on stderr that says `expected`, and no stack trace. */
function expectOneLineError(result: Exit, expected: string | RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  if (typeof expected === 'string') expect(lines[0]).toContain(expected);
  else expect(lines[0]).toMatch(expected);
}

let dir: string;
let store: string;

beforeAll(async () => {
  // A store with a few thousand findings: enough output that a reader can close the pipe early.
  // Not tempDir(): every case reads this store.
  dir = mkdtempSync(join(tmpdir(), 'syndicate-cli-'));
  store = join(dir, 'store.sqlite');
  const db = await openSql(store);
  const scan = await startScan(db, { sites: ['peace-blog'], now: new Date('2026-01-01T00:00:00Z') });
  await recordPageResults(
    db,
    scan.id,
    Array.from({ length: 3000 }, (_, i) => page(`https://peaceblog.example/2026/post-${i}`, 'violation')),
    { sites, now: new Date('2026-01-01T00:00:00Z') },
  );
  await finishScan(db, scan.id, { now: new Date('2026-01-01T00:00:01Z') });
  await db.close();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('syndicate as a child process', () => {
  it('prints its version', async () => {
    const result = await syndicate(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
  });

  it('refuses a store that does not exist, naming it, and creates nothing', async () => {
    const typo = join(dir, 'syndicat.sqlite');
    for (const command of [
      ['build', '--out', join(dir, 'public')],
      ['report', '--format', 'json'],
      ['findings'],
    ]) {
      const result = await syndicate(['--store', typo, ...command]);
      expectOneLineError(result, `${typo}: no store here`);
      expect(existsSync(typo), command[0]).toBe(false);
    }
    expect(existsSync(join(dir, 'public', 'all.xml'))).toBe(false);
  }, 60_000);

  it('says in one line that a store is not a database', async () => {
    const notADatabase = join(dir, 'notes.txt');
    writeFileSync(notADatabase, 'these are my notes, not a database\n'.repeat(100));
    expectOneLineError(
      await syndicate(['--store', notADatabase, 'findings']),
      /notes\.txt: cannot open the store: file is not a database/,
    );
  });

  it('says in one line that report --out is a folder', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    expectOneLineError(
      await syndicate([
        '--store',
        store,
        '--rules',
        join(REPO, 'rules'),
        'report',
        '--format',
        'json',
        '--out',
        folder,
      ]),
      /EISDIR/,
    );
  });

  it('refuses a port out of range, and says in one line that a port is taken', async () => {
    const range = await syndicate(['--store', store, 'serve', '--port', '99999']);
    expect(range.code).toBe(2);
    expect(range.stderr).toContain("option '--port <n>' argument '99999' is invalid");
    expect(range.stderr).not.toMatch(/^\s+at /m);

    const busy: Server = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    try {
      const port = (busy.address() as AddressInfo).port;
      expectOneLineError(
        await syndicate(['--store', store, 'serve', '--port', String(port), '--out', dir]),
        `EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
    } finally {
      await new Promise((done) => busy.close(done));
    }
  }, 30_000);

  it('says in one line that SYNDICATE_LOG_LEVEL is wrong', async () => {
    expectOneLineError(
      await syndicate(['--store', store, 'findings'], { env: { SYNDICATE_LOG_LEVEL: 'bogus' } }),
      'SYNDICATE_LOG_LEVEL=bogus: not a log level',
    );
  });

  it('ends quietly when the reader closes the pipe (`| head -c 100`)', async () => {
    // A real pipe made by the shell; PIPESTATUS[0] is syndicate's own exit code.
    const result = await new Promise<Exit>((resolve) => {
      const child = spawn(
        'bash',
        [
          '-c',
          `"${process.execPath}" "${BIN}" --store "${store}" findings --format json | head -c 100 >/dev/null; echo "exit=\${PIPESTATUS[0]}"`,
        ],
        { cwd: REPO, env: { ...process.env, SYNDICATE_LOG_LEVEL: 'warn' } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.stdout.trim()).toBe('exit=0');
    expect(result.stderr).toBe('');
    // The whole listing is far bigger than a pipe's buffer: the pipe really was closed early.
    const whole = await syndicate(['--store', store, 'findings', '--format', 'json']);
    expect(whole.stdout.length).toBeGreaterThan(1_000_000);
  }, 60_000);

  it('writes JSON log lines when stderr is not a terminal', async () => {
    const result = await syndicate(['--store', store, 'evidence', '1', '--out', join(dir, 'out')], {
      env: { SYNDICATE_LOG_LEVEL: 'debug' },
    });
    // Finding 1 has no evidence (it was recorded without a scan's crawl): a usage error, and the
    // debug log line about it is JSON.
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    const message = lines.filter((line) => line.startsWith('syndicate: '));
    expect(message).toHaveLength(1);
    const logged = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged.map((entry) => entry.msg)).toContain('the command failed');
  });
});
