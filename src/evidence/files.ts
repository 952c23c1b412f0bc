import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SyndicateError } from '../errors.ts';
import { writeFileAtomic } from '../files/atomic.ts';
import type { Sql } from '../store/sql.ts';

/**
 * Evidence files live next to the store, in `evidence/`, each named by its SHA-256: a file that
 * changed no longer has the name it is recorded under, and the same bytes are kept once. A
 * PostgreSQL store has no folder of its own to put them beside.
 */
export function evidenceDirOf(sql: Sql): string {
  if (sql.engine !== 'sqlite') {
    throw new SyndicateError('store', 'a PostgreSQL store keeps no evidence files yet', { file: sql.target });
  }
  if (sql.target === ':memory:' || sql.target === '') {
    throw new SyndicateError('store', 'an in-memory store keeps no evidence files');
  }
  return join(dirname(resolve(sql.target)), 'evidence');
}

export const EXTENSIONS = { warc: 'warc.gz', screenshot: 'png', manifest: 'json' } as const;
export type EvidenceRole = keyof typeof EXTENSIONS;

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where the file with this hash and role lives. */
export function blobPath(dir: string, sha256: string, role: EvidenceRole): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new SyndicateError('store', `not a SHA-256: ${sha256}`);
  return join(dir, sha256.slice(0, 2), `${sha256}.${EXTENSIONS[role]}`);
}

/** Keep `bytes` (atomically; nothing to do when the same bytes are already kept). */
export function putBlob(
  dir: string,
  role: EvidenceRole,
  bytes: Uint8Array,
): { sha256: string; bytes: number } {
  const sha256 = sha256Hex(bytes);
  const path = blobPath(dir, sha256, role);
  if (!existsSync(path)) writeFileAtomic(path, bytes);
  return { sha256, bytes: bytes.length };
}

/** The kept file, checked against its hash: a file changed on disk is an error, never served. */
export function getBlob(dir: string, sha256: string, role: EvidenceRole): Buffer {
  const path = blobPath(dir, sha256, role);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new SyndicateError(
      'store',
      `evidence file is missing: ${(error as Error).message}`,
      { file: path },
      { cause: error },
    );
  }
  if (sha256Hex(bytes) !== sha256) {
    throw new SyndicateError('store', 'evidence file does not match its SHA-256: it changed after capture', {
      file: path,
    });
  }
  return bytes;
}
