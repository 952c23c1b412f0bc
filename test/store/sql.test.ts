import { describe, expect, it } from 'vitest';
import { openSql } from '../../src/store/db.ts';
import { numberParameters } from '../../src/store/postgres.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines } from '../helpers/engines.ts';

describe('numberParameters', () => {
  it('numbers ? in order and leaves literals, quoted names and comments alone', () => {
    const { text, names } = numberParameters(
      `SELECT '?', "a?b", x FROM t -- what?\n WHERE a = ? AND b /* ? */ = ? AND c = 'it''s ?'`,
    );
    expect(text).toBe(
      `SELECT '?', "a?b", x FROM t -- what?\n WHERE a = $1 AND b /* ? */ = $2 AND c = 'it''s ?'`,
    );
    expect(names).toBeUndefined();
  });

  it('gives a name used twice one number', () => {
    const { text, names } = numberParameters('UPDATE t SET a = @now, b = @id WHERE c = @now');
    expect(text).toBe('UPDATE t SET a = $1, b = $2 WHERE c = $1');
    expect(names).toEqual(['now', 'id']);
  });

  it('refuses a statement that mixes ? and @name', () => {
    expect(() => numberParameters('SELECT ? , @a')).toThrow(/mixes/);
  });
});

async function table(sql: Sql): Promise<void> {
  const { bigint, bytes, serialKey } = sql.dialect;
  await sql.exec(
    `CREATE TABLE things (id ${serialKey}, name TEXT NOT NULL UNIQUE, size ${bigint}, flag INTEGER, data ${bytes}, ratio REAL)`,
  );
}

describeEngines('Sql', (engine) => {
  it('binds positional and named parameters and gives ids back with RETURNING', async () => {
    const sql = await engine.open();
    await table(sql);
    const first = await sql.get<{ id: number }>(
      'INSERT INTO things (name, size) VALUES (?, ?) RETURNING id',
      ['a', 1],
    );
    const second = await sql.get<{ id: number }>(
      'INSERT INTO things (name, size, flag) VALUES (@name, @size, @flag) RETURNING id',
      { name: 'b', size: 2, flag: true },
    );
    expect(typeof first?.id).toBe('number');
    expect(second!.id).toBeGreaterThan(first!.id);
    const rows = await sql.all<{ name: string; size: number; flag: number | null }>(
      'SELECT name, size, flag FROM things ORDER BY id',
    );
    expect(rows).toEqual([
      { name: 'a', size: 1, flag: null },
      { name: 'b', size: 2, flag: 1 },
    ]);
  });

  it('keeps counts, 64-bit integers, reals and bytes as the same JavaScript values', async () => {
    const sql = await engine.open();
    await table(sql);
    const big = 2 ** 52 + 3;
    await sql.run('INSERT INTO things (name, size, data, ratio) VALUES (?, ?, ?, ?)', [
      'x',
      big,
      Buffer.from([0, 1, 255]),
      0.25,
    ]);
    const row = await sql.get<{ size: number; data: Buffer; ratio: number; n: number; total: number }>(
      'SELECT size, data, ratio, (SELECT COUNT(*) FROM things) AS n, (SELECT SUM(size) FROM things) AS total FROM things',
    );
    expect(row).toEqual({ size: big, data: Buffer.from([0, 1, 255]), ratio: 0.25, n: 1, total: big });
    expect(Buffer.isBuffer(row!.data)).toBe(true);
  });

  it('keeps the case of quoted aliases', async () => {
    const sql = await engine.open();
    expect(await sql.get('SELECT 1 AS "pageUrl"')).toEqual({ pageUrl: 1 });
  });

  it('upserts with ON CONFLICT and counts the rows a statement changed', async () => {
    const sql = await engine.open();
    await table(sql);
    const insert = 'INSERT INTO things (name, size) VALUES (?, ?) ON CONFLICT (name) DO NOTHING';
    expect((await sql.run(insert, ['a', 1])).changes).toBe(1);
    expect((await sql.run(insert, ['a', 2])).changes).toBe(0);
    const update =
      'INSERT INTO things (name, size) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET size = excluded.size';
    await sql.run(update, ['a', 3]);
    expect(await sql.get('SELECT size FROM things WHERE name = ?', ['a'])).toEqual({ size: 3 });
    const batch = await sql.batch(insert, [
      ['b', 1],
      ['c', 1],
      ['a', 9],
    ]);
    expect(batch.changes).toBe(2);
  });

  it('speaks the dialect for JSON lists and case-insensitive comparison', async () => {
    const sql = await engine.open();
    await table(sql);
    await sql.batch('INSERT INTO things (name, size) VALUES (?, ?)', [
      ['Alpha', 1],
      ['beta_2', 2],
      ['gamma', 3],
    ]);
    const { dialect } = sql;
    const named = await sql.all<{ name: string }>(
      `SELECT name FROM things WHERE name IN ${dialect.jsonValues('?')} ORDER BY name`,
      [JSON.stringify(['gamma', 'Alpha', 'nothing'])],
    );
    expect(named.map((row) => row.name)).toEqual(['Alpha', 'gamma']);
    expect(
      await sql.all(`SELECT name FROM things WHERE ${dialect.equalsIgnoringCase('name', '?')}`, ['ALPHA']),
    ).toEqual([{ name: 'Alpha' }]);
    // The escape character makes the reviewer's `_` a letter, not a wildcard.
    expect(
      await sql.all(`SELECT name FROM things WHERE ${dialect.likeIgnoringCase('name', '?')}`, ['%A\\_2']),
    ).toEqual([{ name: 'beta_2' }]);
    expect(
      await sql.all(`SELECT name FROM things WHERE ${dialect.likeIgnoringCase('name', '?')}`, ['%a\\_']),
    ).toEqual([]);
  });

  it('commits a transaction, and rolls back all of it when the work throws', async () => {
    const sql = await engine.open();
    await table(sql);
    await sql.tx(async () => {
      await sql.run('INSERT INTO things (name) VALUES (?)', ['kept']);
    });
    await expect(
      sql.tx(async () => {
        await sql.run('INSERT INTO things (name) VALUES (?)', ['lost']);
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect(await sql.all('SELECT name FROM things')).toEqual([{ name: 'kept' }]);
  });

  it('rolls back only a nested transaction that throws', async () => {
    const sql = await engine.open();
    await table(sql);
    await sql.tx(async () => {
      await sql.run('INSERT INTO things (name) VALUES (?)', ['outer']);
      await sql
        .tx(async () => {
          await sql.run('INSERT INTO things (name) VALUES (?)', ['inner']);
          throw new Error('inner fails');
        })
        .catch(() => {});
      await sql.run('INSERT INTO things (name) VALUES (?)', ['after']);
    });
    const names = (await sql.all<{ name: string }>('SELECT name FROM things ORDER BY name')).map(
      (row) => row.name,
    );
    expect(names).toEqual(['after', 'outer']);
  });

  it('keeps a transaction apart from work that runs beside it', async () => {
    const sql = await engine.open();
    await table(sql);
    let release!: () => void;
    const inside = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = sql.tx(async () => {
      await sql.run('INSERT INTO things (name) VALUES (?)', ['pending']);
      await inside;
      throw new Error('rolled back');
    });
    // Outside the transaction: its row is not seen, whether the engine waits or isolates.
    const seen = sql.all('SELECT name FROM things');
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await expect(transaction).rejects.toThrow('rolled back');
    expect(await seen).toEqual([]);
  });

  it('reads fields of the objects of a JSON array, and orders ignoring ASCII case only', async () => {
    const sql = await engine.open();
    await sql.exec('CREATE TABLE lists (id INTEGER PRIMARY KEY, title TEXT NOT NULL, items TEXT NOT NULL)');
    await sql.batch('INSERT INTO lists (id, title, items) VALUES (?, ?, ?)', [
      [1, 'beta', JSON.stringify([{ rule: 'b' }, { rule: 'a', more: 1 }])],
      [2, 'Alpha', JSON.stringify([{ rule: 'c' }])],
      [3, 'alpha', '[]'],
      [4, 'Éclair', JSON.stringify([{ other: 'x' }])],
      [5, 'zeta', '[]'],
    ]);
    const { dialect } = sql;
    const rules = await sql.all<{ rule: string | null }>(
      `SELECT ${dialect.jsonItemField('v', 'rule')} AS rule FROM lists l, ${dialect.jsonArrayItems('l.items', 'v')}
       ORDER BY l.id, rule`,
    );
    expect(rules.map((row) => row.rule)).toEqual(['a', 'b', 'c', null]);
    const having = await sql.all<{ id: number }>(
      `SELECT id FROM lists l WHERE EXISTS (SELECT 1 FROM ${dialect.jsonArrayItems('l.items', 'v')}
         WHERE ${dialect.jsonItemField('v', 'rule')} = ?) ORDER BY id`,
      ['a'],
    );
    expect(having).toEqual([{ id: 1 }]);
    // Code point order past ASCII (É after z), whatever the PostgreSQL database's collation.
    const ordered = await sql.all<{ title: string }>(
      `SELECT title FROM lists ORDER BY ${dialect.orderIgnoringCase('title')}, id`,
    );
    expect(ordered.map((row) => row.title)).toEqual(['Alpha', 'alpha', 'beta', 'zeta', 'Éclair']);
  });

  it('makes a second writer of a row read with forUpdate wait for the first to commit', async () => {
    const target = await engine.target();
    const first = await openSql(target);
    // SQLite: one connection, whose writing transactions take turns; PostgreSQL: a second pool.
    const second = engine.engine === 'postgres' ? await openSql(target) : first;
    try {
      await first.exec('CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
      await first.run('INSERT INTO counters (id, n) VALUES (1, 0)');
      const add = (sql: Sql, hold?: Promise<void>) =>
        sql.tx(async () => {
          const row = await sql.get<{ n: number }>(
            `SELECT n FROM counters WHERE id = 1${sql.dialect.forUpdate}`,
          );
          await hold;
          await sql.run('UPDATE counters SET n = ? WHERE id = 1', [row!.n + 1]);
        });
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const one = add(first, held);
      // The first holds the row; the second reads it only after the first has written it back.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const two = add(second);
      if (engine.engine === 'postgres') {
        // Seen waiting on the row lock by the server itself, not guessed from time.
        await waitForLockWaiter(first);
      }
      release();
      await Promise.all([one, two]);
      expect(await first.get('SELECT n FROM counters WHERE id = 1')).toEqual({ n: 2 });
    } finally {
      await first.close();
      if (second !== first) await second.close();
    }
  });
  it('hands each queued row to one claimer, however many claim at once', async () => {
    const target = await engine.target();
    const first = await openSql(target);
    const second = await openSql(target);
    try {
      await table(first);
      await first.batch(
        'INSERT INTO things (name) VALUES (?)',
        Array.from({ length: 40 }, (_, i) => [`row ${i}`]),
      );
      const claim = (sql: Sql, who: string) =>
        sql.all<{ id: number }>(
          `UPDATE things SET flag = 1, size = ? WHERE id IN (
             SELECT id FROM things WHERE flag IS NULL ORDER BY id LIMIT 3 ${sql.dialect.skipLocked})
           RETURNING id`,
          [who === 'first' ? 1 : 2],
        );
      const taken = new Map<number, string>();
      // Eight claimers on two connections (and on PostgreSQL, on several pooled connections each).
      await Promise.all(
        ['first', 'second', 'first', 'second', 'first', 'second', 'first', 'second'].map(async (who) => {
          const sql = who === 'first' ? first : second;
          for (;;) {
            const rows = await claim(sql, who);
            if (rows.length === 0) return;
            for (const row of rows) {
              expect(taken.has(row.id)).toBe(false);
              taken.set(row.id, who);
            }
          }
        }),
      );
      expect(taken.size).toBe(40);
      const claimed = await first.get<{ n: number }>('SELECT COUNT(*) AS n FROM things WHERE flag = 1');
      expect(claimed!.n).toBe(40);
    } finally {
      await first.close();
      await second.close();
    }
  });

  if (engine.engine === 'postgres') {
    it('lets a claimer pass rows another transaction holds, without waiting for it', async () => {
      const target = await engine.target();
      const holder = await openSql(target);
      const other = await openSql(target);
      try {
        await table(holder);
        await holder.batch(
          'INSERT INTO things (name) VALUES (?)',
          Array.from({ length: 4 }, (_, i) => [`row ${i}`]),
        );
        const claim = (sql: Sql) =>
          sql.all<{ id: number }>(
            `UPDATE things SET flag = 1 WHERE id IN (
               SELECT id FROM things WHERE flag IS NULL ORDER BY id LIMIT 2 ${sql.dialect.skipLocked})
             RETURNING id`,
          );
        let release!: () => void;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let holderIds: number[] = [];
        let claimedHeld!: () => void;
        const holderClaimed = new Promise<void>((resolve) => {
          claimedHeld = resolve;
        });
        const transaction = holder.tx(async () => {
          holderIds = (await claim(holder)).map((row) => row.id);
          claimedHeld();
          await held;
        });
        await holderClaimed;
        // The holder's transaction is still open: its two rows are locked, and skipped.
        const otherIds = (await claim(other)).map((row) => row.id);
        release();
        await transaction;
        expect(holderIds.sort()).toHaveLength(2);
        expect(otherIds).toHaveLength(2);
        expect(otherIds.some((id) => holderIds.includes(id))).toBe(false);
      } finally {
        await holder.close();
        await other.close();
      }
    });
  }
});

/** Until the server shows a session of this database waiting for a row lock. */
async function waitForLockWaiter(sql: Sql): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    const waiting = await sql.get<{ n: number }>(
      `SELECT count(*) AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'SELECT n FROM counters%'`,
    );
    if (waiting!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no session ever waited for the lock');
}
