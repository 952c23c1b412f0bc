import { expect, it } from 'vitest';
import { lockPass, renewPassLock, unlockPass } from '../../src/crawl/pass-lock.ts';
import { budgetStops, noteBudgetStop, openPass } from '../../src/crawl/passes.ts';
import {
  claimItems,
  complete,
  type FrontierItem,
  hasQueuedItems,
  itemTotals,
  knownUrls,
  type NewItem,
  passCounts,
  releaseClaims,
  renewClaims,
} from '../../src/crawl/queue.ts';
import { cachedRobots, saveRobots } from '../../src/crawl/robots-store.ts';
import { landedUrls, previousSnapshot } from '../../src/crawl/snapshots.ts';
import { isSyndicateError } from '../../src/errors.ts';
import { failuresOf, goneOf, queuedBySite, reachedIn, snapshotsOf } from '../../src/snapshot/index.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines, type EngineUnderTest } from '../helpers/engines.ts';
import { collect } from './_collect.ts';

/**
 * The crawl's store on both engines: passes, the frontier and its claims, the pass lock, robots.txt
 * and snapshots. Several processes are played by several connections to one store.
 */

const NOW = new Date('2026-12-02T00:00:00Z');

const page = (url: string, siteId = 'north'): NewItem => ({ siteId, url, kind: 'page', source: 'sitemap' });

async function passWith(sql: Sql, urls: string[]): Promise<number> {
  const { pass } = await openPass(sql, ['north'], NOW, () => urls.map((url) => page(url)));
  return pass.id;
}

function snapshotOf(url: string, body: string, fetchedAt = NOW.toISOString()) {
  return {
    snapshot: {
      url,
      finalUrl: url,
      status: 200,
      headers: { etag: `"${body}"`, 'content-type': 'text/html' },
      fetchedAt,
      contentType: 'text/html',
      body,
      bodyHash: `hash of ${body}`,
      siteId: 'north',
    },
    httpStatus: 200,
    changed: true,
  };
}

/**
 * Two processes on one store. On PostgreSQL, two pools of connections. On SQLite, one connection
 * twice: two connections in one thread cannot interleave transactions (the second waits for a
 * lock that the first can only release when the thread is free), so there the engine's own
 * queueing of transactions is what is shown; separate SQLite processes are the CLI tests'.
 */
async function twoProcesses(engine: EngineUnderTest): Promise<[Sql, Sql, () => Promise<void>]> {
  const target = await engine.target();
  const one = await openSql(target);
  const two = engine.engine === 'sqlite' ? one : await openSql(target);
  return [
    one,
    two,
    async () => {
      await one.close();
      if (two !== one) await two.close();
    },
  ];
}

describeEngines('the crawl store', (engine) => {
  it('opens one pass a set of sites, resumes it, and seeds it once', async () => {
    const sql = await engine.open();
    const first = await openPass(sql, ['south', 'north'], NOW, () => [
      page('http://n/1'),
      page('http://n/1'),
    ]);
    const again = await openPass(sql, ['north', 'south'], NOW, () => [page('http://n/2')]);
    expect(first.resumed).toBe(false);
    expect(again).toEqual({ pass: first.pass, resumed: true });
    expect(first.pass.siteIds).toEqual(['north', 'south']);
    expect(await knownUrls(sql, first.pass.id, 'page')).toEqual([{ siteId: 'north', url: 'http://n/1' }]);
    expect(await itemTotals(sql, first.pass.id)).toEqual({ total: 1, done: 0 });
  });

  it('gives two processes opening the same crawl at once the same pass', async () => {
    const [one, two, close] = await twoProcesses(engine);
    try {
      const opened = await Promise.all(
        [one, two, one, two].map((sql) => openPass(sql, ['north'], NOW, () => [page('http://n/1')])),
      );
      expect(new Set(opened.map((open) => open.pass.id)).size).toBe(1);
      expect(opened.filter((open) => !open.resumed)).toHaveLength(1);
      expect(await itemTotals(one, opened[0]!.pass.id)).toEqual({ total: 1, done: 0 });
    } finally {
      await close();
    }
  });

  it('hands each queued item to one process, and one done to nobody again', async () => {
    const [one, two, close] = await twoProcesses(engine);
    try {
      const urls = Array.from({ length: 30 }, (_, i) => `http://n/${i}`);
      const passId = await passWith(one, urls);
      const taken: FrontierItem[] = [];
      await Promise.all(
        [one, two, one, two].map(async (sql, worker) => {
          const claim = { holder: `worker ${worker}`, untilMs: 10_000 };
          for (;;) {
            const items = await claimItems(sql, passId, claim, { nowMs: 1_000, limit: 2 });
            if (items.length === 0) return;
            taken.push(...items);
            for (const item of items) await complete(sql, item, { state: 'skipped', reason: 'test' }, []);
          }
        }),
      );
      const ids = taken.map((item) => item.id);
      expect(new Set(ids).size).toBe(30);
      expect(ids).toHaveLength(30);
      expect(await hasQueuedItems(one, passId)).toBe(false);
      // Done items are handed out to nobody, whoever asks and whenever.
      expect(await claimItems(two, passId, { holder: 'late', untilMs: 99_000 }, { nowMs: 50_000 })).toEqual(
        [],
      );
    } finally {
      await close();
    }
  });

  it('hands an item out again once its holder’s lease runs out, or its holder gives it back', async () => {
    const sql = await engine.open();
    const passId = await passWith(sql, ['http://n/a', 'http://n/b']);
    const dead = { holder: 'killed', untilMs: 5_000 };
    expect((await claimItems(sql, passId, dead, { nowMs: 1_000 })).map((item) => item.url)).toEqual([
      'http://n/a',
      'http://n/b',
    ]);
    const other = { holder: 'other', untilMs: 20_000 };
    expect(await claimItems(sql, passId, other, { nowMs: 4_000 })).toEqual([]);
    // The holder renews its lease while it works; once it stops, the lease runs out.
    expect(await renewClaims(sql, passId, { holder: 'killed', untilMs: 8_000 })).toBe(2);
    expect(await claimItems(sql, passId, other, { nowMs: 7_000 })).toEqual([]);
    const back = await claimItems(sql, passId, other, { nowMs: 9_000, limit: 1 });
    expect(back.map((item) => item.url)).toEqual(['http://n/a']);
    expect(await releaseClaims(sql, passId, { except: 'third' })).toBe(2);
    const third = await claimItems(sql, passId, { holder: 'third', untilMs: 20_000 }, { nowMs: 9_000 });
    expect(third.map((item) => item.url)).toEqual(['http://n/a', 'http://n/b']);
    expect(await releaseClaims(sql, passId, { holder: 'third' })).toBe(2);
  });

  it('records an outcome once: a second holder of a done item records nothing', async () => {
    const sql = await engine.open();
    const passId = await passWith(sql, ['http://n/a']);
    const [item] = await claimItems(sql, passId, { holder: 'first', untilMs: 10 }, { nowMs: 0 });
    const found = [page('http://n/b'), page('http://n/b'), page('http://n/a')];
    const fresh = await complete(
      sql,
      item!,
      { state: 'done', snapshot: snapshotOf('http://n/a', 'A') },
      found,
      {
        holder: 'first',
        untilMs: 10,
      },
    );
    expect(fresh.map((added) => [added.url, added.passId, typeof added.id])).toEqual([
      ['http://n/b', passId, 'number'],
    ]);
    const twice = await complete(sql, item!, { state: 'done', snapshot: snapshotOf('http://n/a', 'A2') }, [
      page('http://n/c'),
    ]);
    expect(twice).toEqual([]);
    const snapshots = await collect(snapshotsOf(sql, passId));
    expect(snapshots.map((snapshot) => [snapshot.url, snapshot.body])).toEqual([['http://n/a', 'A']]);
    expect((await knownUrls(sql, passId, 'page')).map((known) => known.url)).toEqual([
      'http://n/a',
      'http://n/b',
    ]);
    // The discovered item is its finder's to work.
    expect(await claimItems(sql, passId, { holder: 'other', untilMs: 10 }, { nowMs: 5 })).toEqual([]);
  });

  it('counts outcomes, failures, gone pages and what is left per site', async () => {
    const sql = await engine.open();
    const { pass } = await openPass(sql, ['north', 'south'], NOW, () => [
      page('http://n/ok'),
      page('http://n/gone'),
      page('http://n/broken'),
      page('http://s/left', 'south'),
      page('http://s/robots', 'south'),
    ]);
    const items = await claimItems(sql, pass.id, { holder: 'me', untilMs: 10 }, { nowMs: 0 });
    const byUrl = new Map(items.map((item) => [item.url, item]));
    await complete(
      sql,
      byUrl.get('http://n/ok')!,
      { state: 'done', snapshot: snapshotOf('http://n/ok', 'ok') },
      [],
    );
    await complete(
      sql,
      byUrl.get('http://n/gone')!,
      { state: 'failed', reason: 'http-status', message: 'HTTP 404', status: 404 },
      [],
    );
    await complete(
      sql,
      byUrl.get('http://n/broken')!,
      { state: 'failed', reason: 'parse', message: 'bad' },
      [],
    );
    await complete(sql, byUrl.get('http://s/robots')!, { state: 'skipped', reason: 'robots' }, []);
    expect(await passCounts(sql, pass.id)).toEqual({
      pagesFetched: 1,
      notModified: 0,
      skipped: { robots: 1 },
      failed: { 'http-status': 1, parse: 1 },
      queued: 1,
    });
    expect(await itemTotals(sql, pass.id)).toEqual({ total: 5, done: 4 });
    expect(await failuresOf(sql, pass.id)).toEqual([
      { siteId: 'north', url: 'http://n/gone', kind: 'http-status', message: 'HTTP 404', status: 404 },
      { siteId: 'north', url: 'http://n/broken', kind: 'parse', message: 'bad', status: null },
    ]);
    expect(await goneOf(sql, pass.id)).toEqual([{ siteId: 'north', url: 'http://n/gone' }]);
    expect(await queuedBySite(sql, pass.id)).toEqual(new Map([['south', 1]]));
    expect(await reachedIn(sql, pass.id, 'http://n/broken')).toBe(true);
    expect(await reachedIn(sql, pass.id, 'http://s/left')).toBe(false);
    await noteBudgetStop(sql, pass.id, 'south', 'pages');
    await noteBudgetStop(sql, pass.id, 'south', 'sitemaps');
    expect(await budgetStops(sql, pass.id)).toEqual({ south: 'pages' });
  });

  it('finds the previous pass’s snapshot of a page, and where redirects landed', async () => {
    const sql = await engine.open();
    const { pass: first } = await openPass(sql, ['north'], NOW, () => [page('http://n/a')]);
    const [item] = await claimItems(sql, first.id, { holder: 'me', untilMs: 10 }, { nowMs: 0 });
    const moved = snapshotOf('http://n/a', 'body A');
    moved.snapshot.finalUrl = 'http://n/a-moved';
    await complete(sql, item!, { state: 'done', snapshot: moved }, []);
    await sql.run('UPDATE crawl_passes SET finished_at = ? WHERE id = ?', [NOW.toISOString(), first.id]);
    const { pass: second } = await openPass(sql, ['north'], NOW, () => [page('http://n/a')]);
    expect(second.id).toBeGreaterThan(first.id);
    const previous = await previousSnapshot(sql, 'http://n/a', second.id);
    expect(previous).toMatchObject({
      passId: first.id,
      url: 'http://n/a',
      finalUrl: 'http://n/a-moved',
      body: 'body A',
      headers: { etag: '"body A"', 'content-type': 'text/html' },
      changed: true,
      notModified: false,
    });
    expect(await previousSnapshot(sql, 'http://n/a', first.id)).toBeUndefined();
    expect(await landedUrls(sql, first.id)).toEqual(['http://n/a-moved']);
  });

  it('keeps robots.txt per origin, the newest answer winning', async () => {
    const sql = await engine.open();
    expect(await cachedRobots(sql, 'http://n')).toBeUndefined();
    await saveRobots(sql, 'http://n', { fetchedAt: 'then', status: 200, body: 'User-agent: *' });
    await saveRobots(sql, 'http://n', { fetchedAt: 'now', status: 404, body: '' });
    expect(await cachedRobots(sql, 'http://n')).toEqual({ fetchedAt: 'now', status: 404, body: '' });
  });

  it('lets one process of many take the pass lock, and another take it once its lease runs out', async () => {
    const [one, two, close] = await twoProcesses(engine);
    try {
      const passId = await passWith(one, []);
      // Holders on another machine: whether their process lives cannot be asked, only their lease.
      const holders = ['far:1:a', 'far:2:b', 'far:3:c', 'far:4:d'];
      const results = await Promise.allSettled(
        holders.map((holder, i) =>
          lockPass(i % 2 ? two : one, passId, holder, NOW, { nowMs: 1_000, leaseMs: 1_000 }),
        ),
      );
      const won = results.flatMap((result, i) => (result.status === 'fulfilled' ? [holders[i]!] : []));
      expect(won).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected')
          expect(isSyndicateError(result.reason) && result.reason.code).toBe('locked');
      }
      const winner = won[0]!;
      const late = 'far:9:z';
      await expect(lockPass(two, passId, late, NOW, { nowMs: 1_500 })).rejects.toThrow(
        /another process \(far:/,
      );
      // Renewed, it holds; once its holder stops renewing, the lease runs out and the pass is taken.
      expect(await renewPassLock(one, passId, winner, 3_000)).toBe(true);
      await expect(lockPass(two, passId, late, NOW, { nowMs: 2_500 })).rejects.toThrow(/locked|another/);
      expect(await lockPass(two, passId, late, NOW, { nowMs: 3_500 })).toEqual({ previous: winner });
      // The old holder learns it lost the pass when it next renews.
      expect(await renewPassLock(one, passId, winner, 9_000)).toBe(false);
      await unlockPass(one, passId, winner);
      expect(await one.get('SELECT holder FROM crawl_locks WHERE pass_id = ?', [passId])).toEqual({
        holder: late,
      });
      await unlockPass(two, passId, late);
      expect(await one.get('SELECT holder FROM crawl_locks WHERE pass_id = ?', [passId])).toBeUndefined();
    } finally {
      await close();
    }
  });
});
