import { SyndicateError } from '../errors.ts';
import type { Sql } from '../store/sql.ts';
import { type EvidenceRole, getBlob } from './blobs.ts';

/** One file of a capture, as the store records it. */
export interface EvidenceFile {
  role: EvidenceRole;
  /** Its name in an export or a download (`page.warc.gz`, `screenshot.png`, `manifest.json`). */
  name: string;
  mediaType: string;
  sha256: string;
  bytes: number;
}

/** One capture of a finding's evidence: a version of the reprint, with its files. */
export interface EvidenceCapture {
  id: number;
  findingId: number;
  scanId: number | null;
  capturedAt: string;
  pageUrl: string;
  reprintHash: string;
  /** What could not be captured, and why (no Chromium, a page that would not render). */
  missing: string[];
  files: EvidenceFile[];
}

interface CaptureRow {
  id: number;
  finding_id: number;
  scan_id: number | null;
  captured_at: string;
  page_url: string;
  reprint_hash: string;
  missing: string;
}

interface FileRow {
  evidence_id: number;
  role: EvidenceRole;
  name: string;
  media_type: string;
  sha256: string;
  bytes: number;
}

const ROLE_ORDER: Record<EvidenceRole, number> = { screenshot: 0, warc: 1, manifest: 2 };

/** A finding's captures, newest first, each with its files (screenshot, WARC, manifest). */
export async function listEvidence(sql: Sql, findingId: number): Promise<EvidenceCapture[]> {
  const captures = await sql.all<CaptureRow>('SELECT * FROM evidence WHERE finding_id = ? ORDER BY id DESC', [
    findingId,
  ]);
  if (captures.length === 0) return [];
  const files = await sql.all<FileRow>(
    `SELECT f.* FROM evidence_files f JOIN evidence e ON e.id = f.evidence_id WHERE e.finding_id = ?
     ORDER BY f.evidence_id, f.role`,
    [findingId],
  );
  return captures.map((row) => ({
    id: row.id,
    findingId: row.finding_id,
    scanId: row.scan_id,
    capturedAt: row.captured_at,
    pageUrl: row.page_url,
    reprintHash: row.reprint_hash,
    missing: JSON.parse(row.missing) as string[],
    files: files
      .filter((file) => file.evidence_id === row.id)
      .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role])
      .map((file) => ({
        role: file.role,
        name: file.name,
        mediaType: file.media_type,
        sha256: file.sha256,
        bytes: file.bytes,
      })),
  }));
}

/**
 * The bytes of one evidence file of a finding, named by its SHA-256, checked against it. Throws
 * (code `store`) when the finding has no such file, or the store lost it or it changed after capture.
 */
export async function readEvidenceFile(
  sql: Sql,
  findingId: number,
  sha256: string,
): Promise<{ file: EvidenceFile; bytes: Buffer }> {
  const row = await sql.get<FileRow>(
    `SELECT f.* FROM evidence_files f JOIN evidence e ON e.id = f.evidence_id
     WHERE e.finding_id = ? AND f.sha256 = ? ORDER BY f.evidence_id, f.role LIMIT 1`,
    [findingId, sha256],
  );
  if (!row) throw new SyndicateError('store', `finding ${findingId} has no evidence file ${sha256}`);
  const file: EvidenceFile = {
    role: row.role,
    name: row.name,
    mediaType: row.media_type,
    sha256: row.sha256,
    bytes: row.bytes,
  };
  return { file, bytes: await getBlob(sql, row.sha256, row.name) };
}

/** Every file of a capture checked against its hash: the problems found, none when it holds. */
export async function verifyCapture(sql: Sql, capture: EvidenceCapture): Promise<string[]> {
  const problems: string[] = [];
  for (const file of capture.files) {
    try {
      await getBlob(sql, file.sha256, file.name);
    } catch (error) {
      problems.push(`${file.name}: ${(error as Error).message}`);
    }
  }
  return problems;
}
