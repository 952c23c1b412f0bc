import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';

/**
 * Evidence files move into the store (issue 11): `evidence_blobs` holds each file's bytes once,
 * keyed by their SHA-256, the hash `evidence_files` already names them by. A PostgreSQL store is
 * shared by workers on many machines, so evidence written to one machine's disk would be useless
 * to a reviewer on another; SQLite uses the same table, so that there is one way to keep and read
 * evidence, a capture's files commit in the same transaction as its rows, and the store file is
 * the whole store (a backup, or `migrate-store`, carries the evidence with it). The same table is
 * added to PostgreSQL's schema (postgres-schema.ts, version 18).
 *
 * A store that kept its files in `evidence/` beside it has them copied in here, each checked
 * against its name; a file that is missing or changed stays out, and the store reports it as it
 * did before (export and `doctor` name the file). The folder itself is left alone.
 */
const EXTENSIONS: Record<string, string> = { warc: 'warc.gz', screenshot: 'png', manifest: 'json' };

export const evidenceBlobs = {
  version: 18,
  name: 'evidence-blobs',
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE evidence_blobs (
        sha256   TEXT PRIMARY KEY,   -- of content, the name evidence_files gives it
        bytes    INTEGER NOT NULL,
        content  BLOB NOT NULL
      );
    `);
    if (db.memory || db.name === '') return;
    const folder = join(dirname(resolve(db.name)), 'evidence');
    if (!existsSync(folder)) return;
    const files = db
      .prepare('SELECT DISTINCT sha256, role FROM evidence_files ORDER BY sha256, role')
      .all() as {
      sha256: string;
      role: string;
    }[];
    const insert = db.prepare(
      'INSERT INTO evidence_blobs (sha256, bytes, content) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
    );
    for (const { sha256, role } of files) {
      if (!/^[0-9a-f]{64}$/.test(sha256) || !EXTENSIONS[role]) continue;
      let content: Buffer;
      try {
        content = readFileSync(join(folder, sha256.slice(0, 2), `${sha256}.${EXTENSIONS[role]}`));
      } catch {
        continue;
      }
      if (createHash('sha256').update(content).digest('hex') !== sha256) continue;
      insert.run(sha256, content.length, content);
    }
  },
};
