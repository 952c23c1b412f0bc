import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setLogLevel } from '../../src/log.ts';
import { openSql, openStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { runCli } from '../helpers/cli.ts';
import { freshSchema } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';

setLogLevel('silent');
const REPO = join(import.meta.dirname, '..', '..');

/** A copy of the project's feeds/ and rules/, which the test then breaks. */
function project(): { dir: string; args: string[] } {
  const dir = tempDir();
  cpSync(join(REPO, 'feeds'), join(dir, 'feeds'), { recursive: true });
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  openStore(join(dir, 'store.sqlite')).close();
  return {
    dir,
    args: [
      '--store',
      join(dir, 'store.sqlite'),
      '--feeds',
      join(dir, 'feeds'),
      '--rules',
      join(dir, 'rules'),
    ],
  };
}

describe('syndicate doctor', () => {
  it('passes the project as it is, with Chromium found', async () => {
    const { args } = project();
    const result = await runCli([...args, 'doctor', '--no-dns']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toMatch(/^FAIL/m);
    expect(result.stdout).toMatch(/^OK {4}Chromium: \d+\./m);
    expect(result.stdout).toMatch(
      /^OK {4}network policy: private, loopback and link-local addresses are refused/m,
    );
    expect(result.stdout).toMatch(/store\.sqlite: a SQLite store, schema \d+, 0 article\(s\)/);
  }, 60_000);

  it('reports every broken file, the store and the network policy at once', async () => {
    const { dir, args } = project();
    writeFileSync(join(dir, 'feeds', 'all.yaml'), 'id: all\ntitle: [unclosed\n');
    writeFileSync(join(dir, 'feeds', 'extra.yaml'), 'id: extra\nnot-a-field: 1\n');
    writeFileSync(join(dir, 'rules', 'terms.yaml'), 'publisher:\n  name: 42\n');
    writeFileSync(
      join(dir, 'rules', 'sites.yaml'),
      'crawler:\n  resolve: { "inside.example": "10.1.2.3:80" }\nsites:\n  - { id: inside, url: "http://inside.example/", kind: community }\n',
    );
    mkdirSync(join(dir, 'not-a-store'));
    writeFileSync(join(dir, 'not-a-store', 'db'), 'plain text');
    const broken = args.map((arg) => (arg.endsWith('store.sqlite') ? join(dir, 'not-a-store', 'db') : arg));
    const result = await runCli([...broken, 'doctor', '--no-browser', '--no-dns']);
    expect(result.code).toBe(2);
    const failures = result.stdout.split('\n').filter((line) => line.startsWith('FAIL'));
    expect(failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FAIL {2}\S+feeds\/all\.yaml:3: invalid YAML/),
        expect.stringMatching(/^FAIL {2}\S+feeds\/extra\.yaml:1: title: /),
        expect.stringMatching(/^FAIL {2}\S+rules\/terms\.yaml:2: publisher\.name: /),
        expect.stringMatching(/^FAIL {2}\S+not-a-store\/db: cannot open the store: file is not a database$/),
        expect.stringMatching(
          /site inside: inside\.example → 10\.1\.2\.3, a private address the crawler refuses/,
        ),
      ]),
    );
    expect(result.stdout).toMatch(/\d+ problem\(s\)/);
  });

  it('lists every invalid field of a file, where a command names the first and counts the rest', async () => {
    const { dir, args } = project();
    writeFileSync(
      join(dir, 'rules', 'terms.yaml'),
      'publisher:\n  name: Northwind Review\n  home: not-a-url\nexcerptBelow: 2\nrules: 7\n',
    );
    const doctor = await runCli([...args, 'doctor', '--no-browser', '--no-dns']);
    expect(doctor.code).toBe(2);
    const terms = doctor.stdout.split('\n').filter((line) => /^FAIL {2}\S+rules\/terms\.yaml/.test(line));
    expect(terms).toEqual([
      expect.stringMatching(/terms\.yaml:3: publisher\.home: /),
      expect.stringMatching(/terms\.yaml:4: excerptBelow: /),
      expect.stringMatching(/terms\.yaml:5: rules: /),
    ]);
    const page = join(dir, 'page.html');
    writeFileSync(page, '<p>nothing here</p>');
    const check = await runCli([...args, 'check', page]);
    expect(check.code).toBe(2);
    expect(check.stderr.trim()).toMatch(
      /^syndicate: \S+terms\.yaml:3: publisher\.home: .* \(and 2 more problems: syndicate doctor lists them\)$/,
    );
  });
});

describe('syndicate doctor on a PostgreSQL store', () => {
  it('names the engine, its server and the schema version, and never the password', async () => {
    const { args } = project();
    const database = await freshSchema();
    try {
      const made = await openSql(database.url);
      await made.close();
      const withStore = (store: string) => args.map((arg) => (arg.endsWith('store.sqlite') ? store : arg));
      const result = await runCli(['doctor', '--no-browser', '--no-dns', ...withStore(database.url)]);
      const line = result.stdout.split('\n').find((text) => text.includes('a PostgreSQL store'));
      expect(line, result.stdout).toMatch(
        new RegExp(
          `^OK {4}postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/\\S+: a PostgreSQL store \\(server \\d+\\.\\d+\\), schema ${migrations.at(-1)!.version}, 0 article\\(s\\)$`,
        ),
      );
      expect(result.stdout).not.toContain('syndicate-tests');
      // A database with no store in it is a failure, named as safely.
      const empty = await freshSchema();
      try {
        const missing = await runCli(['doctor', '--no-browser', '--no-dns', ...withStore(empty.url)]);
        expect(missing.code).toBe(2);
        expect(missing.stdout).toMatch(
          /^FAIL {2}postgres:\/\/postgres:\*\*\*@\S+: no store in this database/m,
        );
        expect(missing.stdout).not.toContain('syndicate-tests');
      } finally {
        await empty.drop();
      }
    } finally {
      await database.drop();
    }
  });
});
