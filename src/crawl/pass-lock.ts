import { SyndicateError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { holderIsGone, holderToken, parseHolderToken } from '../store/process-lock.ts';
import { statement } from './statements.ts';

/**
 * Who works on a crawl pass (`crawl_locks`): two processes crawling the same pass would fetch
 * every page twice and race on the frontier.
 */

/** Who is working on a pass: this host, this process, this call. */
export function lockHolder(): string {
  return holderToken();
}

/**
 * Take the pass for `holder`, or throw a 'locked' error naming the live process that has it. A
 * lock left by a process that died (SIGKILL, power cut) is taken over.
 */
export function lockPass(db: Db, passId: number, holder: string, now: Date): void {
  db.transaction(() => {
    const current = statement(db, 'SELECT holder FROM crawl_locks WHERE pass_id = ?').get(passId) as
      | { holder: string }
      | undefined;
    if (current && current.holder !== holder && !holderIsGone(parseHolderToken(current.holder))) {
      throw new SyndicateError(
        'locked',
        `crawl pass ${passId} is being worked on by another process (${current.holder.split(':').slice(0, 2).join(':')})`,
      );
    }
    statement(
      db,
      `INSERT INTO crawl_locks (pass_id, holder, acquired_at) VALUES (?, ?, ?)
       ON CONFLICT (pass_id) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at`,
    ).run(passId, holder, now.toISOString());
  })();
}

export function unlockPass(db: Db, passId: number, holder: string): void {
  statement(db, 'DELETE FROM crawl_locks WHERE pass_id = ? AND holder = ?').run(passId, holder);
}
