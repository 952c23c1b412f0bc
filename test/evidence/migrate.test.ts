import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { captureEvidence, listEvidence, readEvidenceFile } from '../../src/evidence/index.ts';
import { startServer, storedEvidence } from '../../src/server/index.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { freshSchema } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';
import { articles, reprint, republisherOfFile, scanSetup } from '../scan/_republisher.ts';
import { raw } from '../server/_http.ts';
import { crawled, violation } from './_store.ts';

/**
 * Evidence moving between engines: `migrate-store` carries a SQLite store's evidence into
 * PostgreSQL, after which `syndicate evidence` exports the same bytes from either and the review
 * pages serve them; and a SQLite store from before evidence moved into the store (its files in
 * `evidence/` beside it) has them copied in when it is opened.
 */

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** Every file under `dir`, by its path inside it, with its bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const drop of drops.splice(0)) await drop();
});

async function postgresStore(): Promise<string> {
  const schema = await freshSchema();
  drops.push(schema.drop);
  return schema.url;
}

const site = republisherOfFile('moved');

describe('migrate-store with evidence', () => {
  it('carries a scan’s evidence into PostgreSQL: the same export from both, served by the review pages', {
    timeout: 120_000,
  }, async () => {
    site.pages.clear();
    site.pages.set('/home-only/', { body: reprint(articles['nw-481']!, 'home-only') });
    site.pages.set('/no-copyright/', { body: reprint(articles['ledger-77']!, 'no-copyright') });
    const { dir, store, argv } = await scanSetup([site]);
    const scan = await runCli([...argv, 'scan']);
    expect(scan.code, scan.stderr).toBe(1);

    const url = await postgresStore();
    const moved = await runCli(['migrate-store', '--from', store, '--to', url]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/^evidence_blobs: 6 row\(s\)$/m);

    const source = await openSql(store);
    const ids = (
      await source.all<{ id: number }>("SELECT id FROM findings WHERE verdict = 'violation' ORDER BY id")
    ).map((row) => String(row.id));
    const captures = await listEvidence(source, Number(ids[0]));
    await source.close();
    expect(ids).toHaveLength(2);
    // Two WARCs, two screenshots, two manifests; nothing on disk beside the store.
    expect(captures[0]!.files.map((file) => file.role)).toEqual(['screenshot', 'warc', 'manifest']);
    expect(readdirSync(dir)).not.toContain('evidence');

    const fromSqlite = join(dir, 'from-sqlite');
    const fromPostgres = join(dir, 'from-postgres');
    const sqliteExport = await runCli(['--store', store, 'evidence', ...ids, '--out', fromSqlite]);
    const postgresExport = await runCli(['--store', url, 'evidence', ...ids, '--out', fromPostgres]);
    expect(sqliteExport.code, sqliteExport.stderr).toBe(0);
    expect(postgresExport.code, postgresExport.stderr).toBe(0);
    expect(postgresExport.stdout.replace(fromPostgres, '')).toBe(sqliteExport.stdout.replace(fromSqlite, ''));
    const expected = tree(fromSqlite);
    const got = tree(fromPostgres);
    expect([...got.keys()]).toEqual([...expected.keys()]);
    // 2 findings × 3 files, and the summary page.
    expect(expected.size).toBe(7);
    for (const [path, bytes] of expected) expect(got.get(path)?.equals(bytes), path).toBe(true);

    // The review pages of the PostgreSQL store show and serve what the SQLite one captured.
    const target = await openSql(url);
    const server = await startServer({ sql: target, outDir: dir, port: 0, evidence: storedEvidence(target) });
    try {
      const page = await raw(`${server.url}/review/finding/${ids[0]}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`/review/finding/${ids[0]}/evidence/${captures[0]!.files[0]!.sha256}`);
      for (const file of captures[0]!.files) {
        const answer = await raw(`${server.url}/review/finding/${ids[0]}/evidence/${file.sha256}`);
        expect(answer.status, file.name).toBe(200);
        expect(answer.headers['content-type']).toBe(file.mediaType);
        expect(sha256(answer.body)).toBe(file.sha256);
      }
    } finally {
      await server.close();
      await target.close();
    }
  });
});

describe('a SQLite store whose evidence was kept in files beside it', () => {
  it('has them copied into the store when opened, each checked, and migrate-store carries them on', async () => {
    const dir = tempDir();
    const file = join(dir, 'store.sqlite');
    const body = '<html><body><p>The copied story.</p></body></html>';
    const sql = await openSql(file);
    await crawled(sql, body, '2026-12-01T00:00:00Z');
    const id = await violation(sql, body);
    await captureEvidence(sql, { findingIds: [id], screenshot: false });
    const [capture] = await listEvidence(sql, id);
    await sql.close();
    const warc = capture!.files.find((entry) => entry.role === 'warc')!;
    const manifest = capture!.files.find((entry) => entry.role === 'manifest')!;

    // Back to the store as version 17 kept it: the files in evidence/xx/HASH.EXT, none in the store;
    // the manifest's file changed on disk since.
    const old = new Database(file);
    const extensions: Record<string, string> = { warc: 'warc.gz', manifest: 'json' };
    for (const entry of capture!.files) {
      const { content } = old
        .prepare('SELECT content FROM evidence_blobs WHERE sha256 = ?')
        .get(entry.sha256) as {
        content: Buffer;
      };
      mkdirSync(join(dir, 'evidence', entry.sha256.slice(0, 2)), { recursive: true });
      const path = join(
        dir,
        'evidence',
        entry.sha256.slice(0, 2),
        `${entry.sha256}.${extensions[entry.role]}`,
      );
      writeFileSync(path, entry.role === 'manifest' ? Buffer.concat([content, Buffer.from(' ')]) : content);
    }
    old.exec('DROP TABLE evidence_blobs');
    old.pragma('user_version = 17');
    old.close();

    const reopened = await openSql(file);
    try {
      expect((await readEvidenceFile(reopened, id, warc.sha256)).bytes).toEqual(
        readFileSync(join(dir, 'evidence', warc.sha256.slice(0, 2), `${warc.sha256}.warc.gz`)),
      );
      // A file changed on disk is not taken in as if it were the one captured.
      await expect(readEvidenceFile(reopened, id, manifest.sha256)).rejects.toThrow(
        /is missing from the store/,
      );
      expect(await reopened.all('SELECT sha256 FROM evidence_blobs')).toEqual([{ sha256: warc.sha256 }]);
    } finally {
      await reopened.close();
    }

    const url = await postgresStore();
    const moved = await runCli(['migrate-store', '--from', file, '--to', url]);
    expect(moved.code, moved.stderr).toBe(0);
    const target = await openSql(url);
    try {
      expect(sha256((await readEvidenceFile(target, id, warc.sha256)).bytes)).toBe(warc.sha256);
    } finally {
      await target.close();
    }
  });
});
