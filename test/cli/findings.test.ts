import { expect, it } from 'vitest';
import { auditLog } from '../../src/findings/index.ts';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { describeEngines, type EngineUnderTest } from '../helpers/engines.ts';
import { tempDir } from '../helpers/tmp.ts';
import { parseCsv } from '../report/_csv.ts';
import { seededStore, urls } from '../report/_store.ts';

setLogLevel('silent');

/** The report fixtures' store, as a `--store` value of the engine under test. */
async function seeded(engine: EngineUnderTest): Promise<string> {
  const { db, file } = await seededStore(tempDir(), await engine.target());
  await db.close();
  return file;
}

describeEngines('syndicate findings', (engine) => {
  const store = () => seeded(engine);

  it('lists findings with filters, as JSON, CSV and text', async () => {
    const file = await store();
    const json = await runCli(['--store', file, 'findings', '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const all = JSON.parse(json.stdout) as Array<{
      id: number;
      status: string;
      verdict: string;
      pageUrl: string;
      site: string;
    }>;
    expect(all.map((finding) => finding.pageUrl).sort()).toEqual(Object.values(urls).sort());

    const open = JSON.parse(
      (await runCli(['--store', file, 'findings', '--status', 'open', '--format', 'json'])).stdout,
    ) as typeof all;
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((finding) => finding.status === 'open')).toBe(true);
    expect(open.length).toBe(all.filter((finding) => finding.status === 'open').length);

    const compliant = JSON.parse(
      (await runCli(['--store', file, 'findings', '--verdict', 'compliant', '--format', 'json'])).stdout,
    ) as typeof all;
    expect(compliant.map((finding) => finding.pageUrl)).toEqual([urls.fixed]);

    const market = JSON.parse(
      (await runCli(['--store', file, 'findings', '--site', 'market-news', '--format', 'json'])).stdout,
    ) as typeof all;
    expect(market.map((finding) => finding.pageUrl)).toEqual([urls.commercial]);

    const csv = await runCli(['--store', file, 'findings', '--format', 'csv']);
    const rows = parseCsv(csv.stdout);
    expect(rows[0]).toEqual([
      'id',
      'status',
      'verdict',
      'site',
      'rules',
      'page_url',
      'article_id',
      'article_url',
      'first_seen',
      'last_seen',
    ]);
    expect(
      rows
        .slice(1)
        .map((row) => row[5])
        .sort(),
    ).toEqual(Object.values(urls).sort());

    const text = await runCli(['--store', file, 'findings']);
    expect(text.stdout).toContain(`${all.length} finding(s)`);
    // Text from crawled pages cannot drive a terminal: no raw control characters.
    expect(text.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('sets a deadline with the status, in one transaction: a bad day changes nothing', async () => {
    const file = await store();
    const open = JSON.parse(
      (await runCli(['--store', file, 'findings', '--status', 'open', '--format', 'json'])).stdout,
    ) as Array<{ id: number; status: string; deadline: string | null }>;
    const target = open[0]!;
    const args = (day: string) => [
      '--store',
      file,
      'findings',
      'set',
      String(target.id),
      '--status',
      'contacted',
      '--deadline',
      day,
      '--who',
      'maria',
    ];
    const bad = await runCli(args('2026-02-30'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('2026-02-30');
    let db = await openSql(file);
    const before = (await auditLog(db, target.id)).length;
    await db.close();
    const after = JSON.parse(
      (await runCli(['--store', file, 'findings', '--format', 'json'])).stdout,
    ) as typeof open;
    expect(after.find((finding) => finding.id === target.id)).toMatchObject({
      status: 'open',
      deadline: null,
    });

    const good = await runCli(args('2027-01-15'));
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toBe(`finding ${target.id}: contacted, deadline 2027-01-15\n`);
    db = await openSql(file);
    try {
      const log = await auditLog(db, target.id);
      expect(log.slice(before).map((entry) => [entry.toStatus, entry.note])).toEqual([
        ['contacted', null],
        ['contacted', 'deadline set: 2027-01-15'],
      ]);
    } finally {
      await db.close();
    }
    const listed = await runCli(['--store', file, 'findings', '--deadline', '2027-01-15']);
    expect(listed.code).toBe(2);
  });

  it('changes statuses with one audit entry each, and changes none when an id is wrong', async () => {
    const file = await store();
    const all = JSON.parse(
      (await runCli(['--store', file, 'findings', '--format', 'json'])).stdout,
    ) as Array<{ id: number; status: string }>;
    const [first, second] = all;
    let db = await openSql(file);
    const before = (await auditLog(db, first!.id)).length;
    await db.close();
    const wrong = await runCli([
      '--store',
      file,
      'findings',
      'set',
      String(first!.id),
      '9999',
      '--status',
      'dismissed',
      '--who',
      'maria',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('syndicate: no finding 9999\n');
    db = await openSql(file);
    expect(await auditLog(db, first!.id)).toHaveLength(before);
    expect(
      JSON.parse((await runCli(['--store', file, 'findings', '--format', 'json'])).stdout)[0].status,
    ).toBe(first!.status);
    await db.close();

    const set = await runCli([
      '--store',
      file,
      'findings',
      'set',
      String(first!.id),
      String(second!.id),
      '--status',
      'dismissed',
      '--note',
      'a quotation, <b>not</b> a reprint',
      '--who',
      'maria',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(`finding ${first!.id}: dismissed\nfinding ${second!.id}: dismissed\n`);
    db = await openSql(file);
    try {
      const log = await auditLog(db, first!.id);
      expect(log).toHaveLength(before + 1);
      expect(log.at(-1)).toMatchObject({
        who: 'maria',
        toStatus: 'dismissed',
        note: 'a quotation, <b>not</b> a reprint',
      });
      expect((await auditLog(db, second!.id)).at(-1)).toMatchObject({ who: 'maria', toStatus: 'dismissed' });
    } finally {
      await db.close();
    }
  });

  it('refuses a set without --who, without one status, or with an unknown action', async () => {
    const file = await store();
    for (const args of [
      ['findings', 'set', '1', '--status', 'open'],
      ['findings', 'set', '1', '--who', 'maria'],
      ['findings', 'set', '1', '--status', 'open', 'resolved', '--who', 'maria'],
      ['findings', 'set', '--status', 'open', '--who', 'maria'],
      ['findings', 'sett', '1'],
      ['findings', '--status', 'bogus'],
    ]) {
      const result = await runCli(['--store', file, ...args]);
      expect(result.code, args.join(' ')).toBe(2);
    }
  });
});
