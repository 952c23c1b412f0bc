import { createHash } from 'node:crypto';
import { SyndicateError } from '../errors.ts';
import type { Sql } from '../store/sql.ts';

/**
 * Where evidence files are kept: in the store itself, table `evidence_blobs`, each file's bytes
 * once under their SHA-256 (the name `evidence_files` records). One way for both engines:
 *
 * - PostgreSQL is shared by workers on many machines; a file on the disk of the machine that
 *   captured it would be out of reach of the reviewer's machine.
 * - SQLite could have kept files beside the store (it did, until store version 18), but the same
 *   table there means one code path to keep, read and verify evidence; a capture's files commit
 *   in the same transaction as its rows (no file without a record, no record without its file);
 *   and the store file is the whole store, for a backup and for `migrate-store`.
 *
 * A file is checked against its hash whenever it is read: bytes changed after capture are an
 * error, never served or exported.
 */

export const EXTENSIONS = { warc: 'warc.gz', screenshot: 'png', manifest: 'json' } as const;
export type EvidenceRole = keyof typeof EXTENSIONS;

const MIB = 1024 * 1024;

/**
 * The most bytes a file of each role may hold. A WARC is one response whose body the crawler cuts
 * at 10 MB (`maxBodyBytes`), gzipped, with its headers: 32 MiB leaves room for a crawler set to
 * three times that. A screenshot is at most 1280 × 12,000 pixels (`maxHeightPx`); a real page's
 * PNG is a few MiB, and only noise comes near the bound. A file over its bound is not kept, and
 * the capture says so in `missing`.
 */
export const MAX_EVIDENCE_BYTES: Readonly<Record<EvidenceRole, number>> = {
  warc: 32 * MIB,
  screenshot: 32 * MIB,
  manifest: 1 * MIB,
};

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Why a file of `role` with this many bytes cannot be kept, or undefined when it can. */
export function overBound(
  role: EvidenceRole,
  bytes: number,
  bounds: Readonly<Record<EvidenceRole, number>> = MAX_EVIDENCE_BYTES,
): string | undefined {
  const bound = bounds[role];
  return bytes > bound ? `${bytes} bytes, over the bound of ${bound} for evidence files` : undefined;
}

/**
 * Keep `bytes` in the store (nothing to do when the same bytes are already kept). Call it inside
 * the transaction that records the file, so that both commit or neither does.
 */
export async function putBlob(
  sql: Sql,
  role: EvidenceRole,
  bytes: Uint8Array,
  bounds: Readonly<Record<EvidenceRole, number>> = MAX_EVIDENCE_BYTES,
): Promise<{ sha256: string; bytes: number }> {
  const refused = overBound(role, bytes.length, bounds);
  if (refused) throw new SyndicateError('store', `the ${role} cannot be kept: ${refused}`);
  const sha256 = sha256Hex(bytes);
  // Asked first, so that bytes already kept (a page reprinting two articles) cross no wire again.
  const kept = await sql.get('SELECT 1 AS kept FROM evidence_blobs WHERE sha256 = ?', [sha256]);
  if (!kept) {
    await sql.run(
      'INSERT INTO evidence_blobs (sha256, bytes, content) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
      [sha256, bytes.length, bytes],
    );
  }
  return { sha256, bytes: bytes.length };
}

/**
 * The kept bytes of `name` (the file's name, for messages), checked against their hash. Throws
 * (code `store`) when the store does not have them or they changed after capture.
 */
export async function getBlob(sql: Sql, sha256: string, name: string): Promise<Buffer> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new SyndicateError('store', `not a SHA-256: ${sha256}`);
  const row = await sql.get<{ content: Uint8Array }>('SELECT content FROM evidence_blobs WHERE sha256 = ?', [
    sha256,
  ]);
  if (!row) {
    throw new SyndicateError('store', `evidence file ${name} (SHA-256 ${sha256}) is missing from the store`, {
      file: sql.target,
    });
  }
  const bytes = Buffer.isBuffer(row.content) ? row.content : Buffer.from(row.content);
  if (sha256Hex(bytes) !== sha256) {
    throw new SyndicateError(
      'store',
      `evidence file ${name} (SHA-256 ${sha256}) does not match its SHA-256: it changed after capture`,
      { file: sql.target },
    );
  }
  return bytes;
}
