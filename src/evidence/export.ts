import { join } from 'node:path';
import { SyndicateError } from '../errors.ts';
import { AtomicWrites } from '../files/atomic.ts';
import { type Finding, getFinding } from '../findings/index.ts';
import type { Sql } from '../store/sql.ts';
import { escapeHtml, htmlLink } from '../text/html.ts';
import { VERSION } from '../version.ts';
import { getBlob } from './blobs.ts';
import type { Manifest, ManifestFile } from './capture.ts';
import { type EvidenceCapture, listEvidence } from './read.ts';

export interface ExportedFinding {
  finding: Finding;
  captures: Array<EvidenceCapture & { folder: string }>;
}

/**
 * Copy the evidence of each finding into `outDir` (`finding-ID/capture-N/…`), every file checked
 * against its SHA-256 first, with an `index.html` that sums it up. All or nothing: a finding that
 * does not exist or has no evidence, or a file that changed since capture, fails the export before
 * anything is written; so does a manifest whose hashes disagree with the files. The bytes come
 * from the store, so the output is the same whichever engine holds it.
 */
export async function exportEvidence(
  sql: Sql,
  findingIds: number[],
  outDir: string,
): Promise<ExportedFinding[]> {
  const exported: ExportedFinding[] = [];
  for (const id of findingIds) {
    const finding = await getFinding(sql, id);
    if (!finding) throw new SyndicateError('usage', `no finding ${id}`);
    const captures = await listEvidence(sql, id);
    if (captures.length === 0) {
      throw new SyndicateError(
        'usage',
        `finding ${id} has no evidence: it was captured by no scan (it never violated, or predates evidence capture)`,
      );
    }
    const placed = captures.map((capture) => ({
      ...capture,
      folder: join(`finding-${id}`, `capture-${capture.id}`),
    }));
    // Every file checked before anything is written; one file in memory at a time (a WARC can
    // be tens of MiB, and an export can hold many).
    for (const capture of placed) {
      for (const file of capture.files) {
        const bytes = await getBlob(sql, file.sha256, file.name);
        if (file.role === 'manifest') checkManifest(capture, bytes);
      }
    }
    exported.push({ finding, captures: placed });
  }
  // One batch: the files are flushed to disk together, not one by one. Each is read (and
  // checked) again as it is written: what is exported is what was checked.
  const writes = new AtomicWrites();
  try {
    for (const { captures } of exported) {
      for (const capture of captures) {
        for (const file of capture.files) {
          const bytes = await getBlob(sql, file.sha256, file.name);
          writes.stage(join(outDir, capture.folder, file.name), bytes, { createFolder: true });
        }
      }
    }
    writes.stage(join(outDir, 'index.html'), summaryHtml(exported), { createFolder: true });
    await writes.commit();
    return exported;
  } catch (error) {
    await writes.discard();
    throw error;
  }
}

/** The manifest lists each other file of its capture with the hash and size the store has for it. */
function checkManifest(capture: EvidenceCapture, bytes: Buffer): void {
  const problem = (why: string) =>
    new SyndicateError(
      'store',
      `manifest.json of capture ${capture.id} (finding ${capture.findingId}) ${why}`,
    );
  let listed: ManifestFile[];
  try {
    listed = (JSON.parse(bytes.toString('utf8')) as Manifest).files;
  } catch {
    throw problem('is not JSON');
  }
  if (!Array.isArray(listed)) throw problem('lists no files');
  const others = capture.files.filter((file) => file.role !== 'manifest');
  for (const file of others) {
    const entry = listed.find((candidate) => candidate.role === file.role);
    if (!entry || entry.sha256 !== file.sha256 || entry.bytes !== file.bytes) {
      throw problem(`does not give ${file.name} the SHA-256 and size the store recorded`);
    }
  }
  if (listed.length !== others.length) throw problem('lists files the capture does not have');
}

/** The summary page: what each finding is, and each capture's screenshot and files with their hashes. */
export function summaryHtml(exported: ExportedFinding[]): string {
  const sections = exported.map(({ finding, captures }) => {
    const rules = finding.violations
      .map(
        (violation) => `<li><code>${escapeHtml(violation.rule)}</code> ${escapeHtml(violation.message)}</li>`,
      )
      .join('');
    const shots = captures.map((capture) => {
      const screenshot = capture.files.find((file) => file.role === 'screenshot');
      const rows = capture.files
        .map(
          (file) =>
            `<tr><td><a href="${escapeHtml(`${capture.folder}/${file.name}`.replaceAll('\\', '/'))}">${escapeHtml(file.name)}</a></td><td>${file.bytes}</td><td><code>${escapeHtml(file.sha256)}</code></td></tr>`,
        )
        .join('');
      const missing = capture.missing.length
        ? `<p class="missing">Not captured: ${capture.missing.map(escapeHtml).join('; ')}</p>`
        : '';
      const image = screenshot
        ? `<img src="${escapeHtml(`${capture.folder}/${screenshot.name}`.replaceAll('\\', '/'))}" alt="The page as rendered at capture">`
        : '';
      return `<section><h3>Captured ${escapeHtml(capture.capturedAt)}${capture.scanId ? ` in scan ${capture.scanId}` : ''}</h3>
<p>Body SHA-256 (what the scan judged): <code>${escapeHtml(capture.reprintHash)}</code></p>${missing}
<table><thead><tr><th>file</th><th>bytes</th><th>SHA-256</th></tr></thead><tbody>${rows}</tbody></table>${image}</section>`;
    });
    return `<article><h2>Finding ${finding.id}: ${escapeHtml(finding.pageTitle ?? finding.pageUrl)}</h2>
<dl><dt>Page</dt><dd>${htmlLink(finding.pageUrl)}</dd><dt>Reprints</dt><dd>${htmlLink(finding.articleUrl, finding.articleTitle || finding.articleUrl)}</dd>
<dt>Site</dt><dd>${escapeHtml(finding.site ?? 'unregistered')}</dd><dt>Status</dt><dd>${escapeHtml(finding.status)}</dd>
<dt>First seen</dt><dd>${escapeHtml(finding.firstSeen)}</dd><dt>Last seen</dt><dd>${escapeHtml(finding.lastSeen)}</dd></dl>
<ul>${rules}</ul>${shots.join('\n')}</article>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">
<title>Evidence of ${exported.length} finding(s)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:1rem auto;max-width:70rem;padding:0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:0 1rem}dt{font-weight:600}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.2rem .6rem;text-align:left}
code{overflow-wrap:anywhere}img{max-width:100%;border:1px solid #999;margin-top:1rem}.missing{color:#8a4b00}</style></head>
<body><h1>Evidence of ${exported.length} finding(s)</h1>
<p>Exported by syndicate ${escapeHtml(VERSION)}. Every file was checked against the SHA-256 recorded when it was captured; each <code>manifest.json</code> lists them again. A WARC holds the HTTP request and response as fetched; the screenshot is the stored response rendered with scripts off and nothing loaded from the network.</p>
${sections.join('\n')}
</body></html>
`;
}
