import { SyndicateError } from '../errors.ts';
import type { Sql } from '../store/sql.ts';
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
 * The finding's row is locked while it changes: a scan recording the same finding waits, and then
 * starts from the status set here.
 */
export async function setStatus(
  sql: Sql,
  findingId: number,
  status: ReviewStatus,
  action: ReviewAction,
): Promise<Finding> {
  const checked = checkAction(status, action);
  return sql.tx(() => applyStatus(sql, findingId, status, checked));
}

/** The most findings one bulk change may name: a form or a script, never the whole store by mistake. */
export const MAX_BULK = 1000;

/**
 * Set one status (with one note) on many findings, all or none. Findings already in that status
 * with no note are left alone; the answer says how many really changed.
 */
export async function setStatuses(
  sql: Sql,
  findingIds: readonly number[],
  status: ReviewStatus,
  action: ReviewAction,
): Promise<{ changed: number; unchanged: number }> {
  const checked = checkAction(status, action);
  const ids = [...new Set(findingIds)];
  if (ids.length === 0) throw new SyndicateError('usage', 'choose at least one finding');
  if (ids.length > MAX_BULK) throw new SyndicateError('usage', `at most ${MAX_BULK} findings at once`);
  return sql.tx(async () => {
    let changed = 0;
    // In id order: two bulk changes that share findings lock them in the same order.
    for (const id of [...ids].sort((a, b) => a - b)) {
      const before = (await getRow(sql, id, true)).status;
      await applyStatus(sql, id, status, checked);
      if (before !== status || checked.note !== undefined) changed++;
    }
    return { changed, unchanged: ids.length - changed };
  });
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

async function applyStatus(
  sql: Sql,
  findingId: number,
  status: ReviewStatus,
  action: CheckedAction,
): Promise<Finding> {
  const row = await getRow(sql, findingId, true);
  if (row.status === status && action.note === undefined) return toFinding(row);
  const before = row.status as ReviewStatus;
  const next = nextState(
    { status: before, resolvedWhy: row.resolved_why as ResolvedWhy | null, hash: row.reprint_hash },
    { kind: 'reviewed', status },
  );
  if (next.status === 'resolved' && before !== 'resolved') {
    await sql.run('UPDATE findings SET status = ?, resolved_at = ?, resolved_why = ? WHERE id = ?', [
      next.status,
      action.now,
      next.resolvedWhy,
      findingId,
    ]);
  } else if (next.status !== 'resolved') {
    // Back to open or contacted (or dismissed, licensed): the resolution no longer holds.
    await sql.run('UPDATE findings SET status = ?, resolved_at = NULL, resolved_why = NULL WHERE id = ?', [
      next.status ?? status,
      findingId,
    ]);
  }
  await appendAudit(sql, findingId, action.who, action.now, before, status, action.note);
  return toFinding(await getRow(sql, findingId));
}

/** Add a note to a finding without changing its status (an audit entry from a status to itself). */
export async function addNote(
  sql: Sql,
  findingId: number,
  note: string,
  action: Omit<ReviewAction, 'note'>,
): Promise<AuditEntry> {
  const who = checkWho(action.who);
  const text = checkNote(note);
  if (!text) throw new SyndicateError('usage', 'a note cannot be empty');
  const now = (action.now ?? new Date()).toISOString();
  return sql.tx(async () => {
    // Locked: the entry's status is the finding's status when the note is written.
    const row = await getRow(sql, findingId, true);
    const status = row.status as ReviewStatus;
    const id = await appendAudit(sql, findingId, who, now, status, status, text);
    return toAudit((await sql.get<AuditRow>('SELECT * FROM audit WHERE id = ?', [id]))!);
  });
}

export async function getFinding(sql: Sql, findingId: number): Promise<Finding | undefined> {
  const row = await sql.get<FindingRow>('SELECT * FROM findings WHERE id = ?', [findingId]);
  return row && toFinding(row);
}

/** A finding's audit log, oldest first. */
export async function auditLog(sql: Sql, findingId: number): Promise<AuditEntry[]> {
  return (await sql.all<AuditRow>('SELECT * FROM audit WHERE finding_id = ? ORDER BY id', [findingId])).map(
    toAudit,
  );
}

/** The notes people wrote on a finding, oldest first. */
export async function notesOf(sql: Sql, findingId: number): Promise<AuditEntry[]> {
  return (await auditLog(sql, findingId)).filter((entry) => entry.note !== null && entry.note !== '');
}

/** Append to the audit log (which only ever grows: both engines refuse to change or delete an entry). */
export async function appendAudit(
  sql: Sql,
  findingId: number,
  who: string,
  at: string,
  from: ReviewStatus | null,
  to: ReviewStatus,
  note: string | undefined,
): Promise<number> {
  const row = await sql.get<{ id: number }>(
    'INSERT INTO audit (finding_id, who, at, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
    [findingId, who, at, from, to, note ?? null],
  );
  return row!.id;
}

/** The finding's row, or a usage error; `lock` (inside a transaction that changes it) locks it. */
async function getRow(sql: Sql, findingId: number, lock = false): Promise<FindingRow> {
  const row = await sql.get<FindingRow>(
    `SELECT * FROM findings WHERE id = ?${lock ? sql.dialect.forUpdate : ''}`,
    [findingId],
  );
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
