/** Evidence of violations that holds up: the HTTP exchange (WARC), a screenshot, and a manifest of hashes. */

export { type EvidenceRole, MAX_EVIDENCE_BYTES } from './blobs.ts';
export {
  type CaptureOptions,
  type CaptureSummary,
  captureEvidence,
  type Manifest,
  type ManifestFile,
  pruneExchanges,
} from './capture.ts';
export { type ExportedFinding, exportEvidence, summaryHtml } from './export.ts';
export {
  type EvidenceCapture,
  type EvidenceFile,
  listEvidence,
  readEvidenceFile,
  verifyCapture,
} from './read.ts';
export { Camera, DEFAULT_SCREENSHOT, type ScreenshotOptions, type Shot } from './screenshot.ts';
export { type Exchange, writeWarc } from './warc.ts';
