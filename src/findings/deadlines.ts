import { SyndicateError } from '../errors.ts';
import type { Sql } from '../store/sql.ts';
import { type FindingRow, toFinding } from './_rows.ts';
import { SCAN_ACTOR } from './record.ts';
import { appendAudit } from './review.ts';
import type { Finding, ReviewStatus } from './types.ts';

/**
 * Deadlines: a rights manager who contacts a site may give it until a day to fix the reprint. The
 * first scan after that day that checks the page again either finds it fixed (the finding is
 * resolved, as any compliant page resolves it) or still violating: the finding is then marked
 * overdue, once, with a line in its audit log.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A real day of the calendar: `Date` alone reads 2026-02-30 as 2 March. */
function isCalendarDay(text: string): boolean {
  const time = Date.parse(`${text}T00:00:00Z`);
  return DAY.test(text) && !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === text;
}

/** Set (or with `null` clear) a finding's deadline, logged like a note. Only open or contacted findings take one. */
export async function setDeadline(
  sql: Sql,
  findingId: number,
  deadline: string | null,
  action: { who: string; now?: Date },
): Promise<Finding> {
  if (deadline !== null && !isCalendarDay(deadline)) {
    throw new SyndicateError(
      'usage',
      `deadline ${JSON.stringify(deadline)}: must be a day such as 2026-02-01`,
    );
  }
  const who = action.who.trim();
  if (!who) throw new SyndicateError('usage', 'say who sets the deadline');
  const now = (action.now ?? new Date()).toISOString();
  return sql.tx(async () => {
    const row = await sql.get<FindingRow>(`SELECT * FROM findings WHERE id = ?${sql.dialect.forUpdate}`, [
      findingId,
    ]);
    if (!row) throw new SyndicateError('usage', `no finding ${findingId}`);
    if (deadline !== null && row.status !== 'open' && row.status !== 'contacted') {
      throw new SyndicateError(
        'usage',
        `finding ${findingId} is ${row.status}: only an open or contacted finding takes a deadline`,
      );
    }
    await sql.run('UPDATE findings SET deadline = ?, overdue_since = NULL WHERE id = ?', [
      deadline,
      findingId,
    ]);
    const status = row.status as ReviewStatus;
    await appendAudit(
      sql,
      findingId,
      who,
      now,
      status,
      status,
      deadline ? `deadline set: ${deadline}` : 'deadline cleared',
    );
    return toFinding((await sql.get<FindingRow>('SELECT * FROM findings WHERE id = ?', [findingId]))!);
  });
}

export interface DeadlineOutcome {
  /** Contacted findings past their deadline that this scan found still violating. */
  overdue: Finding[];
  /** Findings past their deadline that this scan resolved (fixed or gone). */
  resolved: Finding[];
}

/**
 * After a scan has recorded its results: mark overdue every contacted finding of `sites` whose
 * deadline has passed and which this scan checked and found still violating. A finding the scan
 * could not check (its site unreachable) is left as it was: a failed fetch is not a refusal.
 */
export async function applyDeadlines(
  sql: Sql,
  scanId: number,
  options: { sites: readonly string[]; now?: Date },
): Promise<DeadlineOutcome> {
  const now = options.now ?? new Date();
  const today = now.toISOString().slice(0, 10);
  const at = now.toISOString();
  const sites = JSON.stringify(options.sites);
  return sql.tx(async () => {
    // Resolved this scan, as 0 or 1 in both engines (a bare EXISTS is a boolean in PostgreSQL).
    const late = await sql.all<FindingRow & { resolved_now: number }>(
      `SELECT f.*, CASE WHEN EXISTS (SELECT 1 FROM observations o WHERE o.finding_id = f.id
           AND o.scan_id = @scan AND o.change = 'resolved') THEN 1 ELSE 0 END AS resolved_now
         FROM findings f
         WHERE f.deadline IS NOT NULL AND f.deadline < @today
           AND f.site IN ${sql.dialect.jsonValues('@sites')} AND f.last_scan = @scan
         ORDER BY f.id${sql.dialect.forUpdate}`,
      { today, sites, scan: scanId },
    );
    const outcome: DeadlineOutcome = { overdue: [], resolved: [] };
    for (const row of late) {
      const status = row.status as ReviewStatus;
      if (status === 'resolved' && row.resolved_now) {
        outcome.resolved.push(toFinding(row));
        continue;
      }
      if (status !== 'contacted' || row.verdict !== 'violation' || row.overdue_since) continue;
      await sql.run('UPDATE findings SET overdue_since = ? WHERE id = ?', [at, row.id]);
      await appendAudit(
        sql,
        row.id,
        SCAN_ACTOR,
        at,
        status,
        status,
        `overdue: the deadline ${row.deadline} has passed and the reprint still violates the terms (scan ${scanId})`,
      );
      outcome.overdue.push(toFinding({ ...row, overdue_since: at }));
    }
    return outcome;
  });
}
