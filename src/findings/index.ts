/** Findings across scans: recording check results, the review lifecycle, queries and alerts. */

export { applyDeadlines, type DeadlineOutcome, setDeadline } from './deadlines.ts';
export {
  acquireScanLock,
  assertScanLock,
  currentScanLock,
  type Heartbeat,
  keepScanLock,
  type LockOptions,
  releaseScanLock,
  renewScanLock,
  SCAN_HEARTBEAT_MS,
  SCAN_LEASE_MS,
  type ScanLock,
} from './lock.ts';
export {
  activeFindingPages,
  countByStatus,
  countFindings,
  countOpenInScan,
  countOpenOnSites,
  FINDING_SORTS,
  type FindingFilter,
  type FindingSort,
  findingFacets,
  listFindings,
  newInScan,
  resolvedInScan,
  type ScanSiteTrend,
  scanTrend,
} from './queries.ts';
export {
  linksOf,
  type RecordOptions,
  type RecordOutcome,
  recordPageResults,
  reprintHashOf,
  SCAN_ACTOR,
  type ScannedPage,
  siteFactsOf,
  siteOfUrl,
} from './record.ts';
export {
  addNote,
  auditLog,
  getFinding,
  isReviewStatus,
  notesOf,
  type ReviewAction,
  setStatus,
  setStatuses,
} from './review.ts';
export {
  finishScan,
  getScan,
  getScanOrThrow,
  latestScan,
  listScans,
  previousScan,
  startScan,
} from './scans.ts';
export * from './types.ts';
export {
  alertNewViolations,
  type NewViolationsPayload,
  newViolationsPayload,
  postWebhooks,
  type WebhookOptions,
  type WebhookOutcome,
} from './webhooks.ts';
