import type { Finding } from '../findings/types.ts';
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
