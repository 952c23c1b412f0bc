import { gunzipSync } from 'node:zlib';
import { logger } from '../log.ts';
import { placeholders, type Sql } from '../store/sql.ts';
import { VERSION } from '../version.ts';
import { type EvidenceRole, MAX_EVIDENCE_BYTES, overBound, putBlob, sha256Hex } from './blobs.ts';
import { Camera, type ScreenshotOptions, type Shot } from './screenshot.ts';
import { type Exchange, writeWarc } from './warc.ts';

/**
 * Capture the evidence of violations: when a finding is first seen violating, and whenever its
 * reprint changes (a new body hash), its page's HTTP exchange becomes a WARC, the stored response
 * is photographed in Chromium, and a manifest lists the files with their SHA-256. The files are
 * kept in the store (`blobs.ts`), with the capture's rows, in one transaction. A capture that
 * fails in part says what is missing and why; nothing here stops a scan.
 */
export interface CaptureOptions {
  /** The findings a scan saw (its last scan); or `findingIds` for chosen ones. */
  scanId?: number;
  findingIds?: number[];
  now?: () => Date;
  signal?: AbortSignal | undefined;
  /** Chromium's path, time and size bounds; `false` captures without screenshots. */
  screenshot?: Partial<ScreenshotOptions> | false;
  /** The most bytes a file of each role may hold (`MAX_EVIDENCE_BYTES` by default). */
  maxBytes?: Partial<Record<EvidenceRole, number>>;
}

export interface CaptureSummary {
  captured: number;
  /** Captures made without a screenshot (no Chromium, a page that would not render). */
  withoutScreenshot: number;
  /**
   * Findings left without a capture because their response as fetched is not kept (a store from
   * before evidence, a page only revisited); a later scan that fetches the page captures them.
   */
  withoutResponse: number;
  failed: number;
}

interface Candidate {
  id: number;
  page_url: string;
  reprint_hash: string;
  article_id: string;
  article_url: string;
  article_title: string;
  site: string | null;
  violations: string;
}

interface RawRow {
  url: string;
  body_hash: string;
  final_url: string;
  fetched_at: string;
  status: number;
  request_headers: string;
  response_headers: string;
  body: Buffer;
}

/** A file about to be kept: its record, and its bytes. */
interface KeptFile {
  file: ManifestFile;
  bytes: Uint8Array;
}

export interface ManifestFile {
  role: EvidenceRole;
  name: string;
  mediaType: string;
  sha256: string;
  bytes: number;
}

/** `manifest.json`: what was captured, when, by what, and the hash of every file. */
export interface Manifest {
  format: 'syndicate-evidence/1';
  capturedAt: string;
  tool: { name: 'syndicate'; version: string; chromium?: string };
  finding: {
    id: number;
    pageUrl: string;
    articleId: string;
    articleUrl: string;
    articleTitle: string;
    site: string | null;
    rules: string[];
    /** The SHA-256 of the body the scan judged: the WARC's payload digest is the same. */
    reprintHash: string;
  };
  response: { url: string; finalUrl: string; fetchedAt: string; status: number; bodySha256: string };
  screenshot?: { width: number; height: number; cut: boolean };
  files: ManifestFile[];
  missing: string[];
}

const NAMES: Record<Exclude<EvidenceRole, 'manifest'>, { name: string; mediaType: string }> = {
  warc: { name: 'page.warc.gz', mediaType: 'application/warc' },
  screenshot: { name: 'screenshot.png', mediaType: 'image/png' },
};

export async function captureEvidence(sql: Sql, options: CaptureOptions = {}): Promise<CaptureSummary> {
  const summary: CaptureSummary = { captured: 0, withoutScreenshot: 0, withoutResponse: 0, failed: 0 };
  const log = logger().child({ stage: 'evidence' });
  const bounds = { ...MAX_EVIDENCE_BYTES, ...options.maxBytes };
  const candidates = await candidatesOf(sql, options);
  if (candidates.length === 0) return summary;
  const camera = options.screenshot === false ? undefined : new Camera(options.screenshot ?? {});
  // A page that reprints two articles is one exchange and one photograph, kept once.
  const pages = new Map<string, Promise<{ warc?: Uint8Array; shot?: Shot; raw?: RawRow }>>();
  const now = options.now ?? (() => new Date());
  try {
    for (const candidate of candidates) {
      if (options.signal?.aborted) break;
      try {
        const capturedAt = now();
        const key = `${candidate.page_url}\u0000${candidate.reprint_hash}`;
        let page = pages.get(key);
        if (!page) {
          page = preparePage(sql, candidate, camera, capturedAt);
          pages.set(key, page);
        }
        const prepared = await page;
        if (!prepared.raw || !prepared.warc) {
          // Nothing is recorded, so a later scan that has the response (the crawl reaching the
          // page again) still captures it; a capture without the exchange would block that.
          summary.withoutResponse++;
          log.warn(
            { finding: candidate.id, url: candidate.page_url },
            'no stored response to capture evidence from',
          );
          continue;
        }
        const missing: string[] = [];
        const blobs: KeptFile[] = [];
        const keep = (role: Exclude<EvidenceRole, 'manifest'>, bytes: Uint8Array) => {
          const refused = overBound(role, bytes.length, bounds);
          if (refused) missing.push(`${role}: ${refused}`);
          else
            blobs.push({
              file: { role, ...NAMES[role], sha256: sha256Hex(bytes), bytes: bytes.length },
              bytes,
            });
        };
        keep('warc', prepared.warc);
        if (prepared.shot?.taken) keep('screenshot', prepared.shot.png);
        else if (prepared.shot) missing.push(`screenshot: ${prepared.shot.reason}`);
        else missing.push('screenshot: not asked for');
        const shotKept = blobs.some((blob) => blob.file.role === 'screenshot');
        const manifest: Manifest = {
          format: 'syndicate-evidence/1',
          capturedAt: capturedAt.toISOString(),
          tool: { name: 'syndicate', version: VERSION, ...(await chromiumOf(camera)) },
          finding: {
            id: candidate.id,
            pageUrl: candidate.page_url,
            articleId: candidate.article_id,
            articleUrl: candidate.article_url,
            articleTitle: candidate.article_title,
            site: candidate.site,
            rules: rulesOf(candidate.violations),
            reprintHash: candidate.reprint_hash,
          },
          response: {
            url: prepared.raw.url,
            finalUrl: prepared.raw.final_url,
            fetchedAt: prepared.raw.fetched_at,
            status: prepared.raw.status,
            bodySha256: prepared.raw.body_hash,
          },
          ...(prepared.shot?.taken && shotKept
            ? {
                screenshot: {
                  width: prepared.shot.width,
                  height: prepared.shot.height,
                  cut: prepared.shot.cut,
                },
              }
            : {}),
          files: blobs.map((blob) => blob.file),
          missing,
        };
        const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
        const manifestRefused = overBound('manifest', manifestBytes.length, bounds);
        if (manifestRefused) throw new Error(`the manifest cannot be kept: ${manifestRefused}`);
        blobs.push({
          file: {
            role: 'manifest',
            name: 'manifest.json',
            mediaType: 'application/json',
            sha256: sha256Hex(manifestBytes),
            bytes: manifestBytes.length,
          },
          bytes: manifestBytes,
        });
        const recorded = await record(
          sql,
          candidate,
          options.scanId ?? null,
          capturedAt,
          missing,
          blobs,
          bounds,
        );
        if (!recorded) continue;
        summary.captured++;
        if (!shotKept) summary.withoutScreenshot++;
        if (missing.length) log.warn({ finding: candidate.id, missing }, 'evidence captured in part');
      } catch (error) {
        summary.failed++;
        log.warn({ finding: candidate.id, err: error }, 'could not capture the evidence of a finding');
      }
    }
  } finally {
    await camera?.close();
  }
  await pruneExchanges(sql);
  log.info(summary, 'evidence captured');
  return summary;
}

async function candidatesOf(sql: Sql, options: CaptureOptions): Promise<Candidate[]> {
  const select = `SELECT f.id, f.page_url, f.reprint_hash, f.article_id, f.article_url, f.article_title,
      f.site, f.violations FROM findings f
    WHERE f.verdict = 'violation'
      AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.finding_id = f.id AND e.reprint_hash = f.reprint_hash)`;
  if (options.findingIds) {
    // A few ids someone chose: one place each (the dialect's JSON list gives text, not ids).
    if (options.findingIds.length === 0) return [];
    return sql.all<Candidate>(
      `${select} AND f.id IN ${placeholders(options.findingIds.length)} ORDER BY f.id`,
      options.findingIds,
    );
  }
  if (options.scanId === undefined) return [];
  return sql.all<Candidate>(`${select} AND f.last_scan = ? ORDER BY f.id`, [options.scanId]);
}

async function preparePage(
  sql: Sql,
  candidate: Candidate,
  camera: Camera | undefined,
  capturedAt: Date,
): Promise<{ warc?: Uint8Array; shot?: Shot; raw?: RawRow }> {
  const raw = await sql.get<RawRow>('SELECT * FROM crawl_raw WHERE url = ? AND body_hash = ?', [
    candidate.page_url,
    candidate.reprint_hash,
  ]);
  if (!raw) return {};
  const exchange: Exchange = {
    url: raw.url,
    finalUrl: raw.final_url,
    fetchedAt: raw.fetched_at,
    status: raw.status,
    requestHeaders: JSON.parse(raw.request_headers) as Record<string, string>,
    responseHeaders: JSON.parse(raw.response_headers) as Record<string, string>,
    body: gunzipSync(raw.body),
  };
  // The body is what the scan judged, or the evidence would be of another page.
  if (sha256Hex(exchange.body) !== raw.body_hash) {
    throw new Error(`the stored response of ${raw.url} does not match its hash`);
  }
  const warc = await writeWarc(exchange, NAMES.warc.name);
  const shot = camera
    ? await camera.shoot({
        url: exchange.finalUrl,
        contentType: exchange.responseHeaders['content-type'] ?? 'text/html',
        body: exchange.body,
        capturedAt,
      })
    : undefined;
  return { warc, ...(shot ? { shot } : {}), raw };
}

async function chromiumOf(camera: Camera | undefined): Promise<{ chromium?: string }> {
  const version = await camera?.version();
  return version ? { chromium: version } : {};
}

function rulesOf(violations: string): string[] {
  try {
    return (JSON.parse(violations) as Array<{ rule?: unknown }>)
      .map((violation) => violation.rule)
      .filter((rule): rule is string => typeof rule === 'string');
  } catch {
    return [];
  }
}

/**
 * The capture's rows and files, all or nothing. False when another process recorded this version
 * of the finding's evidence first (workers sharing a PostgreSQL store): theirs stands.
 */
async function record(
  sql: Sql,
  candidate: Candidate,
  scanId: number | null,
  capturedAt: Date,
  missing: string[],
  blobs: KeptFile[],
  bounds: Record<EvidenceRole, number>,
): Promise<boolean> {
  return sql.tx(async () => {
    const row = await sql.get<{ id: number }>(
      `INSERT INTO evidence (finding_id, scan_id, captured_at, page_url, reprint_hash, missing)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (finding_id, reprint_hash) DO NOTHING RETURNING id`,
      [
        candidate.id,
        scanId,
        capturedAt.toISOString(),
        candidate.page_url,
        candidate.reprint_hash,
        JSON.stringify(missing),
      ],
    );
    if (!row) return false;
    for (const blob of blobs) await putBlob(sql, blob.file.role, blob.bytes, bounds);
    await sql.batch(
      'INSERT INTO evidence_files (evidence_id, role, name, media_type, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?)',
      blobs.map(({ file }) => [row.id, file.role, file.name, file.mediaType, file.sha256, file.bytes]),
    );
    return true;
  });
}

/**
 * Keep only the newest response of each URL: an older one can no longer become evidence (a
 * finding's evidence is of the body the last scan judged), and bodies are the bulk of a store.
 */
export async function pruneExchanges(sql: Sql): Promise<number> {
  const { changes } = await sql.run(
    `DELETE FROM crawl_raw WHERE body_hash IS DISTINCT FROM (
       SELECT s.body_hash FROM crawl_snapshots s WHERE s.url = crawl_raw.url ORDER BY s.pass_id DESC LIMIT 1)`,
  );
  return changes;
}
