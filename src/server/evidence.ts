import { SyndicateError } from '../errors.ts';
import { listEvidence, readEvidenceFile } from '../evidence/index.ts';
import type { Finding } from '../findings/types.ts';
import type { Sql } from '../store/sql.ts';
import { HttpError } from './http.ts';
import type { EvidenceView } from './pages.ts';

/**
 * Where the review pages find a finding's captured evidence (screenshot, WARC, manifest). The
 * capture itself belongs to `src/evidence/`; the server only shows and offers what is there.
 */
export interface EvidenceSource {
  /** What to show on the finding page; `base` is the address files are served under. */
  view(finding: Finding, base: string): Promise<EvidenceView> | EvidenceView;
  /** One file of the finding's evidence by the name its address carries, or undefined. */
  file(finding: Finding, name: string): Promise<EvidenceBytes | undefined> | EvidenceBytes | undefined;
}

export interface EvidenceBytes {
  body: Buffer;
  contentType: string;
  /** The name a download is saved under (`page.warc.gz`); the address's name when absent. */
  fileName?: string;
}

/** The source when this store keeps no evidence: the page says so instead of showing nothing. */
export const noEvidence: EvidenceSource = {
  view: () => ({
    files: [],
    note: 'No evidence was captured for this finding (no WARC, screenshot or manifest in the store).',
  }),
  file: () => undefined,
};

/**
 * The evidence `scan` captured into the store (`src/evidence/`): the newest capture of the finding
 * is shown, its screenshot inline and every file offered by its SHA-256. A file is read back and
 * checked against its hash on every download: one changed on disk is refused, never served.
 */
export function storedEvidence(sql: Sql): EvidenceSource {
  return {
    async view(finding, base) {
      const captures = await listEvidence(sql, finding.id);
      const latest = captures[0];
      if (!latest) return noEvidence.view(finding, base);
      const href = (sha256: string) => `${base}${sha256}`;
      const screenshot = latest.files.find((file) => file.role === 'screenshot');
      const notes = [
        latest.missing.length ? `Not captured: ${latest.missing.join('; ')}.` : '',
        captures.length > 1
          ? `${captures.length - 1} earlier capture${captures.length === 2 ? '' : 's'} (of earlier versions of the page): syndicate evidence ${finding.id} --out DIR exports them all.`
          : '',
      ].filter(Boolean);
      return {
        capturedAt: latest.capturedAt,
        files: latest.files.map((file) => ({
          name: file.name,
          href: href(file.sha256),
          size: file.bytes,
          sha256: file.sha256,
        })),
        screenshotHref: screenshot ? href(screenshot.sha256) : undefined,
        note: notes.join(' ') || undefined,
      };
    },
    async file(finding, name) {
      if (!/^[0-9a-f]{64}$/.test(name)) return undefined;
      const captures = await listEvidence(sql, finding.id);
      if (!captures.some((capture) => capture.files.some((file) => file.sha256 === name))) {
        return undefined;
      }
      try {
        const { file, bytes } = await readEvidenceFile(sql, finding.id, name);
        return { body: bytes, contentType: file.mediaType, fileName: file.name };
      } catch (error) {
        throw new HttpError(
          500,
          `the evidence file cannot be served: ${error instanceof SyndicateError ? error.message : 'unreadable'}`,
        );
      }
    },
  };
}
