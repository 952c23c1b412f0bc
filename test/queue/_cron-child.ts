/**
 * One process running a schedule, for test/queue/schedule.test.ts: every minute (UTC) it would
 * run a "scan" that records which process ran it and when; as `scan --schedule` does on a
 * PostgreSQL store, the schedule is the cluster's, not this process's.
 */
import { JobQueue } from '../../src/queue/queue.ts';
import { openSql } from '../../src/store/db.ts';

const [store, name] = [process.argv[2]!, process.argv[3]!];
const sql = await openSql(store);
const queue = await JobQueue.open(store, {
  schedule: true,
  cronCheckSeconds: 1,
  pollingIntervalSeconds: 0.5,
});
await queue.everyCron('* * * * *', async () => {
  await sql.run(
    "INSERT INTO test_runs (worker, minute) VALUES (?, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'))",
    [name],
  );
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void queue
    .stop()
    .then(() => sql.close())
    .then(() => process.exit(0));
});
