import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acquireScanLock,
  countFindings,
  currentScanLock,
  findingFacets,
  listFindings,
  recordPageResults,
  releaseScanLock,
  startScan,
} from '../../src/findings/index.ts';
import { openStore } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';
import { linkViolation, page, sites } from './_pages.ts';

describe('finding queries', () => {
  it('filters by scan, site, rule and status', () => {
    const db = openStore(join(tempDir(), 'store.sqlite'));
    const s1 = startScan(db, { sites: [] });
    recordPageResults(
      db,
      s1.id,
      [
        page('https://peaceblog.example/1', 'violation'),
        page('https://marketnews.example/2', 'violation', {
          violations: [
            linkViolation({ rule: 'commercial-use' }),
            linkViolation({ rule: 'copyright-notice' }),
          ],
        }),
      ],
      { sites },
    );
    const s2 = startScan(db, { sites: [] });
    recordPageResults(db, s2.id, [page('https://peaceblog.example/3', 'violation')], { sites });

    expect(listFindings(db, { site: 'market-news' }).map((f) => f.pageUrl)).toEqual([
      'https://marketnews.example/2',
    ]);
    expect(listFindings(db, { rule: 'copyright-notice' })).toHaveLength(1);
    expect(listFindings(db, { rule: 'link-to-original' })).toHaveLength(2);
    expect(listFindings(db, { scan: s1.id })).toHaveLength(2);
    expect(listFindings(db, { scan: s2.id, change: 'new' }).map((f) => f.pageUrl)).toEqual([
      'https://peaceblog.example/3',
    ]);
    expect(countFindings(db, { status: ['open', 'contacted'] })).toBe(3);
    expect(countFindings(db, { status: 'dismissed' })).toBe(0);
    expect(listFindings(db, { limit: 1, offset: 1 })).toHaveLength(1);
    expect(findingFacets(db)).toEqual({
      sites: ['market-news', 'peace-blog'],
      rules: ['commercial-use', 'copyright-notice', 'link-to-original'],
    });
    db.close();
  });
});

describe('scan lock', () => {
  it('lets one holder in, takes over from a dead pid on this host, not from another host', () => {
    const file = join(tempDir(), 'store.sqlite');
    const db = openStore(file);
    const other = openStore(file);
    const lock = acquireScanLock(db, { pid: 111, host: 'here', isAlive: () => true });
    expect(() => acquireScanLock(other, { pid: 222, host: 'here', isAlive: () => true })).toThrow(
      /pid 111 on here/,
    );
    // The holder died: the next scan on the same host takes over.
    const taken = acquireScanLock(other, { pid: 222, host: 'here', isAlive: (pid) => pid !== 111 });
    expect(currentScanLock(db)).toMatchObject({ pid: 222, host: 'here' });
    // The old holder cannot release what it no longer holds.
    expect(releaseScanLock(db, lock)).toBe(false);
    // A holder on another host cannot be checked, so its lock stands.
    expect(() => acquireScanLock(db, { pid: 333, host: 'elsewhere', isAlive: () => false })).toThrow(
      /locked|holds/,
    );
    expect(releaseScanLock(other, taken)).toBe(true);
    expect(currentScanLock(db)).toBeUndefined();
    db.close();
    other.close();
  });

  it('sees a real dead process as dead', async () => {
    const { spawnSync } = await import('node:child_process');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    const db = openStore(join(tempDir(), 'store.sqlite'));
    acquireScanLock(db, { pid: deadPid });
    const mine = acquireScanLock(db);
    expect(mine.pid).toBe(process.pid);
    expect(() => acquireScanLock(db, { pid: process.ppid })).toThrow(/another scan/);
    db.close();
  });
});
