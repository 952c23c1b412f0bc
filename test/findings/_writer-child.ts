/**
 * One of the processes of concurrency.test.ts: opens the store, says `ready`, waits for a line on
 * its standard input (so that the processes start together), records the given rounds of pages
 * into one scan and after each round changes findings as a reviewer would, then prints `done` and
 * what it recorded. Run as `node --import tsx _writer-child.ts PLAN_JSON`.
 */
import { once } from 'node:events';
import { listFindings, recordPageResults, setStatus } from '../../src/findings/index.ts';
import type { ReviewStatus } from '../../src/findings/types.ts';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import { page, sites } from './_pages.ts';

interface Plan {
  target: string;
  scanId: number;
  name: string;
  /** Each round: the pages to record, as [url, verdict] pairs. */
  rounds: Array<Array<[string, 'violation' | 'compliant']>>;
  /** After each round, set this status on every finding whose page ends with one of these digits. */
  review: { status: ReviewStatus; digits: string };
}

setLogLevel('silent');
const plan = JSON.parse(process.argv[2]!) as Plan;
const sql = await openSql(plan.target);
process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.destroy();
let pages = 0;
let reviewed = 0;
try {
  for (const [index, round] of plan.rounds.entries()) {
    await recordPageResults(
      sql,
      plan.scanId,
      round.map(([url, verdict]) => page(url, verdict, { hash: `${verdict}-${index}` })),
      { sites },
    );
    pages += round.length;
    for (const finding of await listFindings(sql)) {
      if (!plan.review.digits.includes(finding.pageUrl.at(-1)!)) continue;
      await setStatus(sql, finding.id, plan.review.status, { who: plan.name, note: `round ${index}` });
      reviewed++;
    }
  }
} finally {
  await sql.close();
}
process.stdout.write(`done ${JSON.stringify({ pages, reviewed })}\n`);
