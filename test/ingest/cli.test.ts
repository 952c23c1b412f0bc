import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('syndicate import', () => {
  it('reports each file on stdout and exits 0 when all import', async () => {
    const dir = tempDir();
    const store = join(dir, 'store.sqlite');
    const file = join(dir, 'a.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ url: 'https://northwind.example/a/', title: 'A', published: '2025-01-01' })}\n`,
    );
    const first = await runCli(['--store', store, 'import', file]);
    expect(first).toEqual({
      code: 0,
      stdout: `${file}: 1 inserted, 0 updated, 0 unchanged\nimported 1 of 1 file(s): 1 inserted, 0 updated, 0 unchanged\n`,
      stderr: '',
    });
    const second = await runCli(['--store', store, 'import', file]);
    expect(second.stdout).toContain(`${file}: 0 inserted, 0 updated, 1 unchanged`);
  });

  it('prints what it decided for a feed as warnings on stderr, naming the item, and exits 0', async () => {
    const dir = tempDir();
    const store = join(dir, 'store.sqlite');
    const file = join(dir, 'undated.xml');
    writeFileSync(
      file,
      '<rss version="2.0"><channel><title>t</title><link>https://desk.example/</link><description>d</description>\n' +
        '<pubDate>Fri, 06 Mar 2026 09:00:00 GMT</pubDate>\n' +
        '<item><title>No date</title><link>https://desk.example/1</link></item></channel></rss>\n',
    );
    const result = await runCli(['--store', store, 'import', file]);
    expect(result).toEqual({
      code: 0,
      stdout: `${file}: 1 inserted, 0 updated, 0 unchanged\nimported 1 of 1 file(s): 1 inserted, 0 updated, 0 unchanged\n`,
      stderr: `syndicate: warning: ${file}:3: item[0].published: the item has no pubDate or dc:date: it takes the feed's own date, 2026-03-06T09:00:00.000Z\n`,
    });
  });

  it('prints file:line: field: message on stderr and exits 2, still importing the good files', async () => {
    const dir = tempDir();
    const store = join(dir, 'store.sqlite');
    const good = join(dir, 'good.jsonl');
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      good,
      `${JSON.stringify({ url: 'https://northwind.example/a/', title: 'A', published: '2025-01-01' })}\n`,
    );
    writeFileSync(
      bad,
      `\n${JSON.stringify({ url: 'https://northwind.example/b/', title: 'B', published: '2025-13-01' })}\n`,
    );
    const result = await runCli(['--store', store, 'import', bad, good]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`syndicate: ${bad}:2: published: not an ISO 8601 date: "2025-13-01"\n`);
    expect(result.stdout).toBe(
      `${good}: 1 inserted, 0 updated, 0 unchanged\nimported 1 of 2 file(s): 1 inserted, 0 updated, 0 unchanged; 1 failed, nothing imported from them\n`,
    );
    const db = await openSql(store);
    expect(await countArticles(db)).toBe(1);
    await db.close();
  });

  it('exits 2 with usage help when no source is given', async () => {
    const result = await runCli(['--store', join(tempDir(), 's.sqlite'), 'import']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/missing required argument 'sources'/);
  });

  it('names a file of unknown kind', async () => {
    const dir = tempDir();
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'just words');
    const result = await runCli(['--store', join(dir, 's.sqlite'), 'import', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^syndicate: ${file}: not something to import`));
  });
});
