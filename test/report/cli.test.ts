import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';
import { parseCsv } from './_csv.ts';
import { seededStore, urls } from './_store.ts';

describe('syndicate report', () => {
  it('writes each format to a file or to standard output', async () => {
    const dir = tempDir();
    const { db, file, scans } = await seededStore(dir);
    await db.close();
    const rules = join(dir, 'rules');
    const out = join(dir, 'out', 'report.html');
    const html = await runCli([
      '--store',
      file,
      '--rules',
      rules,
      'report',
      '--format',
      'html',
      '--out',
      out,
    ]);
    expect(html).toMatchObject({ code: 0, stdout: '' });
    expect(load(readFileSync(out, 'utf8'))('#violations article').length).toBe(3);
    expect(readdirSync(join(dir, 'out'))).toEqual(['report.html']);

    const csv = await runCli([
      '--store',
      file,
      '--rules',
      rules,
      'report',
      '--format',
      'csv',
      '--scan',
      String(scans[0]),
    ]);
    expect(csv.code).toBe(0);
    const [header, ...rows] = parseCsv(csv.stdout);
    const record = header!.indexOf('record');
    // The first scan's three violations, then its two sites.
    expect(rows.map((row) => row[record])).toEqual(['finding', 'finding', 'finding', 'site', 'site']);

    const json = await runCli(['--store', file, '--rules', rules, 'report', '--format', 'json']);
    expect(JSON.parse(json.stdout).newFindings[0].pageUrl).toBe(urls.hostile);

    const md = await runCli(['--store', file, '--rules', rules, 'report', '--format', 'md']);
    expect(md.stdout).toContain('# Reprint compliance report: scan');
  });

  it('fails with exit 2 on a bad format, an unknown scan or a broken notice template, writing nothing', async () => {
    const dir = tempDir();
    const { db, file } = await seededStore(dir);
    await db.close();
    const out = join(dir, 'report.html');
    expect((await runCli(['--store', file, 'report', '--format', 'pdf'])).code).toBe(2);
    expect((await runCli(['--store', file, 'report'])).code).toBe(2);
    const missing = await runCli([
      '--store',
      file,
      '--rules',
      dir,
      'report',
      '--format',
      'json',
      '--scan',
      '99',
    ]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('no scan 99');
    writeFileSync(join(dir, 'notice.md'), 'Hello\n{{nope}}\n');
    const broken = await runCli([
      '--store',
      file,
      '--rules',
      dir,
      'report',
      '--format',
      'html',
      '--out',
      out,
    ]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${join(dir, 'notice.md')}:2: unknown placeholder {{nope}}`);
    expect(existsSync(out)).toBe(false);
  });
});
