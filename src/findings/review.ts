import { SyndicateError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { type AuditRow, type FindingRow, toAudit, toFinding } from './_rows.ts';
import { nextState } from './lifecycle.ts';
import {
  type AuditEntry,
  type Finding,
  REVIEW_STATUSES,
  type ResolvedWhy,
  type ReviewStatus,
} from './types.ts';

export interface ReviewAction {
  /** Who made the change, as the audit log should name them. */
  who: string;
  note?: string;
  now?: Date;
}

export function isReviewStatus(value: unknown): value is ReviewStatus {
  return typeof value === 'string' && (REVIEW_STATUSES as readonly string[]).includes(value);
}

const MAX_NOTE = 10_000;
const MAX_WHO = 200;

/**
 * Change a finding's review status and log it. Marking it resolved by hand records why as
 * `manual`; moving it back to open or contacted clears the resolution. Setting the status it
 * already has, with no note, changes nothing and logs nothing: the history lists only changes.
 */
export function setStatus(db: Db, findingId: number, status: ReviewStatus, action: ReviewAction): Finding {
  const checked = checkAction(status, action);
  return db.transaction(() => applyStatus(db, findingId, status, checked)).immediate();
}

/** The most findings one bulk change may name: a form or a script, never the whole store by mistake. */
export const MAX_BULK = 1000;

/**
 * Set one status (with one note) on many findings, all or none. Findings already in that status
 * with no note are left alone; the answer says how many really changed.
 */
export function setStatuses(
  db: Db,
  findingIds: readonly number[],
  status: ReviewStatus,
  action: ReviewAction,
): { changed: number; unchanged: number } {
  const checked = checkAction(status, action);
  const ids = [...new Set(findingIds)];
  if (ids.length === 0) throw new SyndicateError('usage', 'choose at least one finding');
  if (ids.length > MAX_BULK) throw new SyndicateError('usage', `at most ${MAX_BULK} findings at once`);
  return db
    .transaction(() => {
      let changed = 0;
      for (const id of ids) {
        const before = getRow(db, id).status;
        applyStatus(db, id, status, checked);
        if (before !== status || checked.note !== undefined) changed++;
      }
      return { changed, unchanged: ids.length - changed };
    })
    .immediate();
}

interface CheckedAction {
  who: string;
  note: string | undefined;
  now: string;
}

function checkAction(status: ReviewStatus, action: ReviewAction): CheckedAction {
  if (!isReviewStatus(status)) {
    throw new SyndicateError(
      'usage',
      `unknown status ${String(status)}; use one of ${REVIEW_STATUSES.join(', ')}`,
    );
  }
  return {
    who: checkWho(action.who),
    note: checkNote(action.note),
    now: (action.now ?? new Date()).toISOString(),
  };
}

function applyStatus(db: Db, findingId: number, status: ReviewStatus, action: CheckedAction): Finding {
  const row = getRow(db, findingId);
  if (row.status === status && action.note === undefined) return toFinding(row);
  const before = row.status as ReviewStatus;
  const next = nextState(
    { status: before, resolvedWhy: row.resolved_why as ResolvedWhy | null, hash: row.reprint_hash },
    { kind: 'reviewed', status },
  );
  if (next.status === 'resolved' && before !== 'resolved') {
    db.prepare('UPDATE findings SET status = ?, resolved_at = ?, resolved_why = ? WHERE id = ?').run(
      next.status,
      action.now,
      next.resolvedWhy,
      findingId,
    );
  } else if (next.status !== 'resolved') {
    // Back to open or contacted (or dismissed, licensed): the resolution no longer holds.
    db.prepare('UPDATE findings SET status = ?, resolved_at = NULL, resolved_why = NULL WHERE id = ?').run(
      next.status,
      findingId,
    );
  }
  appendAudit(db, findingId, action.who, action.now, row.status as ReviewStatus, status, action.note);
  return toFinding(getRow(db, findingId));
}

/** Add a note to a finding without changing its status (an audit entry from a status to itself). */
export function addNote(
  db: Db,
  findingId: number,
  note: string,
  action: Omit<ReviewAction, 'note'>,
): AuditEntry {
  const who = checkWho(action.who);
  const text = checkNote(note);
  if (!text) throw new SyndicateError('usage', 'a note cannot be empty');
  const now = (action.now ?? new Date()).toISOString();
  return db
    .transaction(() => {
      const row = getRow(db, findingId);
      const id = appendAudit(
        db,
        findingId,
        who,
        now,
        row.status as ReviewStatus,
        row.status as ReviewStatus,
        text,
      );
      return toAudit(db.prepare('SELECT * FROM audit WHERE id = ?').get(id) as AuditRow);
    })
    .immediate();
}

export function getFinding(db: Db, findingId: number): Finding | undefined {
  const row = db.prepare('SELECT * FROM findings WHERE id = ?').get(findingId) as FindingRow | undefined;
  return row && toFinding(row);
}

/** A finding's audit log, oldest first. */
export function auditLog(db: Db, findingId: number): AuditEntry[] {
  return (
    db.prepare('SELECT * FROM audit WHERE finding_id = ? ORDER BY id').all(findingId) as AuditRow[]
  ).map(toAudit);
}

/** The notes people wrote on a finding, oldest first. */
export function notesOf(db: Db, findingId: number): AuditEntry[] {
  return auditLog(db, findingId).filter((entry) => entry.note !== null && entry.note !== '');
}

function appendAudit(
  db: Db,
  findingId: number,
  who: string,
  at: string,
  from: ReviewStatus,
  to: ReviewStatus,
  note: string | undefined,
): number {
  const info = db
    .prepare(
      'INSERT INTO audit (finding_id, who, at, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(findingId, who, at, from, to, note ?? null);
  return Number(info.lastInsertRowid);
}

function getRow(db: Db, findingId: number): FindingRow {
  const row = db.prepare('SELECT * FROM findings WHERE id = ?').get(findingId) as FindingRow | undefined;
  if (!row) throw new SyndicateError('usage', `no finding ${findingId}`);
  return row;
}

function checkWho(who: string): string {
  const trimmed = (who ?? '').trim();
  if (!trimmed) throw new SyndicateError('usage', 'say who makes the change');
  if (trimmed.length > MAX_WHO) throw new SyndicateError('usage', `a name is at most ${MAX_WHO} characters`);
  return trimmed;
}

function checkNote(note: string | undefined): string | undefined {
  if (note === undefined) return undefined;
  const trimmed = note.trim();
  if (trimmed.length > MAX_NOTE)
    throw new SyndicateError('usage', `a note is at most ${MAX_NOTE} characters`);
  return trimmed || undefined;
}
