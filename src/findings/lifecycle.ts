import {
  ACTIVE_STATUSES,
  type Change,
  QUIET_STATUSES,
  type ResolvedWhy,
  type ReviewStatus,
} from './types.ts';

/**
 * The lifecycle of a finding as one pure function: given where a finding stands (or that there is
 * none yet) and what happened to its page, where it goes next. No SQL, no counters: `record.ts`
 * and `review.ts` carry out the answer, and a table test covers every state and event.
 *
 * - a violation not seen before opens a finding; seen again, it is updated (last seen);
 * - an open or contacted finding is resolved when its page turns compliant, no longer reprints the
 *   article, or is gone; a finding resolved that way reopens if the violation comes back;
 * - a finding a person dismissed, licensed or resolved stays quiet while the reprint is unchanged
 *   and reopens when its hash changes;
 * - an uncertain reprint opens a finding for review, but never reopens, resolves or alerts;
 * - a page that failed to load changes nothing (a transient error is not a fix);
 * - a person may set any status; resolving by hand is recorded as `manual`, and moving a finding
 *   back to open or contacted clears its resolution.
 */

export interface FindingState {
  status: ReviewStatus;
  /** Why a resolved finding is resolved; null for every other status. */
  resolvedWhy: ResolvedWhy | null;
  /** The hash of the reprint when the finding was last written. */
  hash: string | null;
}

export type FindingEvent =
  /** A scan checked the page and it reprints the article, with this verdict. */
  | { kind: 'checked'; verdict: 'violation' | 'compliant' | 'uncertain'; hash: string }
  /** A scan checked the page and it no longer reprints the article. */
  | { kind: 'not-reprinted' }
  /** The crawl found the page gone (404, 410). */
  | { kind: 'gone' }
  /** The page could not be loaded. */
  | { kind: 'failed' }
  /** A person set the status (review pages, `findings set`). */
  | { kind: 'reviewed'; status: ReviewStatus };

/**
 * What becomes of the stored finding:
 * - `insert`: a new finding, from this check;
 * - `update`: the finding takes this check (verdict, evidence, hash, last seen);
 * - `remember`: only the reprint as it is now (hash, last seen, verdict compliant), so that a later
 *   change is noticed;
 * - `see`: only the last time it was seen;
 * - `none`: the finding's record stays as it is (its status may still change).
 */
export type FindingWrite = 'insert' | 'update' | 'remember' | 'see' | 'none';

/** Why the status changed, for the audit log. */
export type TransitionReason =
  | 'first-seen'
  | 'needs-review'
  | 'compliant'
  | 'not-reprinted'
  | 'gone'
  | 'reprint-changed'
  | 'violation-back'
  | 'reviewed';

export interface Transition {
  /** The status after the event; undefined while there is no finding. */
  status: ReviewStatus | undefined;
  resolvedWhy: ResolvedWhy | null;
  write: FindingWrite;
  /** What the scan records of the finding (its observation), if anything. */
  change: Change | undefined;
  /** An uncertain reprint: kept for review, never alerted on. */
  uncertain: boolean;
  /** Set when the status changes (or a finding opens): the audit log says why. */
  reason: TransitionReason | undefined;
}

/** Quiet: a person decided (dismissed, licensed, resolved by hand); only a changed reprint reopens it. */
function isQuiet(state: FindingState): boolean {
  return (
    QUIET_STATUSES.includes(state.status) || (state.status === 'resolved' && state.resolvedWhy === 'manual')
  );
}

export function nextState(state: FindingState | undefined, event: FindingEvent): Transition {
  const stay: Transition = {
    status: state?.status,
    resolvedWhy: state?.resolvedWhy ?? null,
    write: 'none',
    change: undefined,
    uncertain: false,
    reason: undefined,
  };
  if (event.kind === 'failed') return stay;
  if (event.kind === 'reviewed') {
    if (!state) throw new Error('a person can only review a finding that exists');
    const resolvedWhy =
      event.status !== 'resolved' ? null : state.status === 'resolved' ? state.resolvedWhy : 'manual';
    return { ...stay, status: event.status, resolvedWhy, reason: 'reviewed' };
  }
  if (!state) {
    if (event.kind !== 'checked' || event.verdict === 'compliant') return stay;
    const uncertain = event.verdict === 'uncertain';
    return {
      status: 'open',
      resolvedWhy: null,
      write: 'insert',
      change: 'new',
      uncertain,
      reason: uncertain ? 'needs-review' : 'first-seen',
    };
  }
  const active = ACTIVE_STATUSES.includes(state.status);
  const resolved = (why: ResolvedWhy, reason: TransitionReason, write: FindingWrite): Transition => ({
    status: 'resolved',
    resolvedWhy: why,
    write,
    change: 'resolved',
    uncertain: false,
    reason,
  });
  if (event.kind === 'gone' || event.kind === 'not-reprinted') {
    return active ? resolved('gone', event.kind, 'none') : stay;
  }
  if (event.verdict === 'uncertain') {
    return active
      ? { ...stay, write: 'update', change: 'seen', uncertain: true }
      : { ...stay, write: 'see', change: 'quiet', uncertain: true };
  }
  if (event.verdict === 'compliant') {
    return active
      ? resolved('compliant', 'compliant', 'update')
      : { ...stay, write: 'remember', change: 'quiet' };
  }
  // A violation.
  if (active) return { ...stay, write: 'update', change: 'seen' };
  const quiet = isQuiet(state);
  if (quiet && state.hash === event.hash) return { ...stay, write: 'update', change: 'quiet' };
  return {
    status: 'open',
    resolvedWhy: null,
    write: 'update',
    change: 'reopened',
    uncertain: false,
    reason: quiet ? 'reprint-changed' : 'violation-back',
  };
}
