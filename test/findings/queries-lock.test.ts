import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import {
  acquireScanLock,
  assertScanLock,
  countFindings,
  currentScanLock,
  findingFacets,
  keepScanLock,
  listFindings,
  recordPageResults,
  releaseScanLock,
  renewScanLock,
  SCAN_LEASE_MS,
  startScan,
} from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines } from '../helpers/engines.ts';
import { linkViolation, page, sites } from './_pages.ts';

const at = (iso: string) => new Date(iso);

describeEngines('finding queries', (engine) => {
  it('filters by scan, site, rule, status and words, and pages through a total order', async () => {
    const sql = await engine.open();
    const s1 = await startScan(sql, { sites: [] });
    await recordPageResults(
      sql,
      s1.id,
      [
        page('https://peaceblog.example/1', 'violation', { title: 'Palmyra 100% again' }),
        page('https://marketnews.example/2', 'violation', {
          title: 'palmyra_news',
          violations: [
            linkViolation({ rule: 'commercial-use' }),
            linkViolation({ rule: 'copyright-notice' }),
          ],
        }),
      ],
      { sites, now: at('2026-01-01T00:00:00.000Z') },
    );
    const s2 = await startScan(sql, { sites: [] });
    await recordPageResults(
      sql,
      s2.id,
      [page('https://peaceblog.example/3', 'violation', { title: 'Zenobia' })],
      { sites, now: at('2026-01-01T00:00:00.000Z') },
    );

    expect((await listFindings(sql, { site: 'market-news' })).map((f) => f.pageUrl)).toEqual([
      'https://marketnews.example/2',
    ]);
    expect(await listFindings(sql, { rule: 'copyright-notice' })).toHaveLength(1);
    expect(await listFindings(sql, { rule: 'link-to-original' })).toHaveLength(2);
    expect(await listFindings(sql, { scan: s1.id })).toHaveLength(2);
    expect((await listFindings(sql, { scan: s2.id, change: 'new' })).map((f) => f.pageUrl)).toEqual([
      'https://peaceblog.example/3',
    ]);
    expect(await countFindings(sql, { status: ['open', 'contacted'] })).toBe(3);
    expect(await countFindings(sql, { status: 'dismissed' })).toBe(0);
    // The reviewer's % and _ are letters; case is ignored.
    expect((await listFindings(sql, { search: '100%' })).map((f) => f.pageUrl)).toEqual([
      'https://peaceblog.example/1',
    ]);
    expect((await listFindings(sql, { search: 'PALMYRA_' })).map((f) => f.pageUrl)).toEqual([
      'https://marketnews.example/2',
    ]);
    // All three were seen at the same moment: the id orders them, the same on both engines.
    expect((await listFindings(sql)).map((f) => f.id)).toEqual([3, 2, 1]);
    expect((await listFindings(sql, { limit: 1, offset: 1 })).map((f) => f.id)).toEqual([2]);
    expect((await listFindings(sql, { sort: 'title', direction: 'asc' })).map((f) => f.pageTitle)).toEqual([
      'Palmyra 100% again',
      'palmyra_news',
      'Zenobia',
    ]);
    expect(await findingFacets(sql)).toEqual({
      sites: ['market-news', 'peace-blog'],
      rules: ['commercial-use', 'copyright-notice', 'link-to-original'],
    });
  });
});

describeEngines('scan lock', (engine) => {
  it('lets one holder in, takes over from a dead pid on this host, not from another host', async () => {
    const target = await engine.target();
    const sql = await openSql(target);
    const other = await openSql(target);
    try {
      const lock = await acquireScanLock(sql, { pid: 111, host: 'here', isAlive: () => true });
      await expect(acquireScanLock(other, { pid: 222, host: 'here', isAlive: () => true })).rejects.toThrow(
        /pid 111 on here/,
      );
      // The holder died: the next scan on the same host takes over.
      const taken = await acquireScanLock(other, { pid: 222, host: 'here', isAlive: (pid) => pid !== 111 });
      expect(await currentScanLock(sql)).toMatchObject({ pid: 222, host: 'here' });
      // The old holder can neither renew nor release what it no longer holds, nor record.
      expect(await renewScanLock(sql, lock)).toBe(false);
      expect(await releaseScanLock(sql, lock)).toBe(false);
      await expect(assertScanLock(sql, lock)).rejects.toThrow(/lost the store's scan lock to pid 222/);
      // A holder on another host cannot be checked: while its lease runs, its lock stands.
      await expect(
        acquireScanLock(sql, { pid: 333, host: 'elsewhere', isAlive: () => false }),
      ).rejects.toThrow(/another scan holds the store: pid 222 on here/);
      expect(await releaseScanLock(other, taken)).toBe(true);
      expect(await currentScanLock(sql)).toBeUndefined();
    } finally {
      await sql.close();
      await other.close();
    }
  });

  it('takes over a lease nobody renewed, from any host, and fences the holder that stalled', async () => {
    const target = await engine.target();
    const stalled = await openSql(target);
    const next = await openSql(target);
    try {
      const start = at('2026-03-01T03:00:00.000Z');
      const lock = await acquireScanLock(stalled, { pid: 1, host: 'machine-a', now: start });
      const scan = await startScan(stalled, { sites: [] });
      const later = (ms: number) => new Date(start.getTime() + ms);
      // Renewed in time: still held a lease later.
      expect(await renewScanLock(stalled, lock, { now: later(SCAN_LEASE_MS / 2) })).toBe(true);
      await expect(
        acquireScanLock(next, { pid: 2, host: 'machine-b', now: later(SCAN_LEASE_MS) }),
      ).rejects.toThrow(/pid 1 on machine-a/);
      // Not renewed: the lease runs out and a scan on another machine takes the store.
      const taken = await acquireScanLock(next, {
        pid: 2,
        host: 'machine-b',
        now: later(SCAN_LEASE_MS * 2),
      });
      expect(await currentScanLock(next)).toMatchObject({ pid: 2, host: 'machine-b', token: taken.token });
      // The stalled holder wakes up: its results are refused, and nothing of them is written.
      await expect(
        recordPageResults(stalled, scan.id, [page('https://peaceblog.example/late', 'violation')], {
          sites,
          lock,
        }),
      ).rejects.toThrow(/lost the store's scan lock/);
      expect(await countFindings(next)).toBe(0);
      await recordPageResults(next, scan.id, [page('https://peaceblog.example/late', 'violation')], {
        sites,
        lock: taken,
      });
      expect(await countFindings(next)).toBe(1);
    } finally {
      await stalled.close();
      await next.close();
    }
  });

  it('renews its lease on a heartbeat, and says so when another scan took it', async () => {
    const target = await engine.target();
    const sql = await openSql(target);
    const rival = await openSql(target);
    try {
      const start = at('2026-03-01T03:00:00.000Z');
      let beats = 0;
      const lock = await acquireScanLock(sql, { host: 'machine-a', now: start });
      const firstLease = lock.expires!;
      expect(firstLease).toBe(new Date(start.getTime() + SCAN_LEASE_MS).toISOString());
      let lost = 0;
      const heartbeat = keepScanLock(sql, lock, {
        intervalMs: 20,
        // Each beat a second later than the one before.
        now: () => new Date(start.getTime() + ++beats * 1000),
        onLost: () => lost++,
      });
      // Renewed: the stored lease now ends later than the first one did.
      await waitFor(async () => (await currentScanLock(rival))!.expires! > firstLease);
      // A rival takes the lock over (as after a stall); the next beat finds it gone.
      await rival.run("UPDATE scan_lock SET token = 'rival' WHERE id = 1");
      await waitFor(async () => lost > 0);
      await heartbeat.stop();
      expect(lost).toBe(1);
    } finally {
      await sql.close();
      await rival.close();
    }
  });

  it('lets exactly one of many processes racing for a free lock in', async () => {
    const target = await engine.target();
    // SQLite: one connection, whose transactions take turns; PostgreSQL: one pool each, at once.
    const connections: Sql[] = [];
    for (let index = 0; index < (engine.engine === 'postgres' ? 6 : 1); index++) {
      connections.push(await openSql(target));
    }
    try {
      const attempts = Array.from({ length: 6 }, (_, index) =>
        acquireScanLock(connections[index % connections.length]!, {
          pid: 1000 + index,
          host: `machine-${index}`,
        }),
      );
      const settled = await Promise.allSettled(attempts);
      const won = settled.filter((outcome) => outcome.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const outcome of settled) {
        if (outcome.status === 'rejected')
          expect(String(outcome.reason)).toMatch(/another scan holds the store/);
      }
      const holder = (won[0] as PromiseFulfilledResult<{ pid: number }>).value;
      expect((await currentScanLock(connections[0]!))?.pid).toBe(holder.pid);
    } finally {
      for (const connection of connections) await connection.close();
    }
  });

  it('sees a real dead process as dead', async () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    const sql = await engine.open();
    await acquireScanLock(sql, { pid: deadPid });
    const mine = await acquireScanLock(sql);
    expect(mine.pid).toBe(process.pid);
    await expect(acquireScanLock(sql, { pid: process.ppid })).rejects.toThrow(/another scan/);
    await releaseScanLock(sql, mine);
  });
});

/** Wait (up to five seconds) until `condition` holds. */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the condition never held');
}
