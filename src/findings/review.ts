import { SyndicateError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { type AuditRow, type FindingRow, toAudit, toFinding } from './_rows.ts';
import { type AuditEntry, type Finding, REVIEW_STATUSES, type ReviewStatus } from './types.ts';

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
 * `manual`; moving it back to open or contacted clears the resolution.
 */
export function setStatus(db: Db, findingId: number, status: ReviewStatus, action: ReviewAction): Finding {
  if (!isReviewStatus(status)) {
    throw new SyndicateError(
      'usage',
      `unknown status ${String(status)}; use one of ${REVIEW_STATUSES.join(', ')}`,
    );
  }
  const who = checkWho(action.who);
  const note = checkNote(action.note);
  const now = (action.now ?? new Date()).toISOString();
  return db
    .transaction(() => {
      const row = getRow(db, findingId);
      if (status === 'resolved' && row.status !== 'resolved') {
        db.prepare(
          "UPDATE findings SET status = ?, resolved_at = ?, resolved_why = 'manual' WHERE id = ?",
        ).run(status, now, findingId);
      } else if (status !== 'resolved') {
        db.prepare(
          'UPDATE findings SET status = ?, resolved_at = NULL, resolved_why = NULL WHERE id = ?',
        ).run(status, findingId);
      }
      appendAudit(db, findingId, who, now, row.status as ReviewStatus, status, note);
      return toFinding(getRow(db, findingId));
    })
    .immediate();
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
