import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSources } from '../../src/ingest/import.ts';
import { countArticles, getArticle } from '../../src/store/articles.ts';
import { freshStore, snapshot } from './_store.ts';

const markdown = (fields: string, body = 'Body text.') => `---\n${fields}\n---\n${body}\n`;

describe('re-importing', () => {
  it('upserts by id: a second identical import is unchanged, an edit is an update', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'one.md');
    const fields = 'id: nw-1\nurl: https://northwind.example/a/\ntitle: A\npublished: 2025-06-01';
    writeFileSync(file, markdown(fields));
    expect((await importSources(db, [file])).files[0]).toMatchObject({ inserted: ['nw-1'] });
    const again = await importSources(db, [file]);
    expect(again.files[0]).toMatchObject({ inserted: [], updated: [], unchanged: ['nw-1'] });
    expect(again.changed).toEqual([]);
    // The same id at a new URL moves the article.
    writeFileSync(file, markdown(fields.replace('/a/', '/a-moved/')));
    const moved = await importSources(db, [file]);
    expect(moved.files[0]).toMatchObject({ updated: ['nw-1'] });
    expect(moved.changed).toEqual(['nw-1']);
    expect((await getArticle(db, 'nw-1'))?.url).toBe('https://northwind.example/a-moved/');
    expect(await countArticles(db)).toBe(1);
    await db.close();
  });

  it('upserts by URL when a record has no id, and through an alias', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'articles.jsonl');
    const record = {
      url: 'https://northwind.example/b/',
      title: 'B',
      published: '2025-07-01',
      aliases: ['https://northwind.example/?p=2'],
    };
    writeFileSync(file, `${JSON.stringify(record)}\n`);
    expect((await importSources(db, [file])).files[0]?.inserted).toEqual(['https://northwind.example/b/']);
    expect((await importSources(db, [file])).files[0]?.unchanged).toEqual(['https://northwind.example/b/']);
    writeFileSync(file, `${JSON.stringify({ ...record, title: 'B, revised' })}\n`);
    expect((await importSources(db, [file])).files[0]?.updated).toEqual(['https://northwind.example/b/']);
    expect((await getArticle(db, 'https://northwind.example/b/'))?.title).toBe('B, revised');
    expect(await countArticles(db)).toBe(1);
    await db.close();
  });

  it('refuses a URL stored under another id, naming the line, and changes nothing', async () => {
    const { db, dir } = await freshStore();
    const first = join(dir, 'first.jsonl');
    writeFileSync(
      first,
      `${JSON.stringify({ id: 'nw-1', url: 'https://northwind.example/c/', title: 'C', published: '2025-01-01' })}\n`,
    );
    await importSources(db, [first]);
    const before = await snapshot(db);
    const second = join(dir, 'second.jsonl');
    writeFileSync(
      second,
      [
        JSON.stringify({
          id: 'nw-9',
          url: 'https://northwind.example/d/',
          title: 'D',
          published: '2025-01-02',
        }),
        JSON.stringify({
          id: 'nw-2',
          url: 'https://northwind.example/c/',
          title: 'C again',
          published: '2025-01-01',
        }),
      ].join('\n'),
    );
    const summary = await importSources(db, [second]);
    expect(summary.files[0]?.error?.toString()).toBe(
      `${second}:2: url: https://northwind.example/c/ is already stored as article "nw-1"; give that id, or another url`,
    );
    expect(await snapshot(db)).toEqual(before);
    await db.close();
  });

  it('imports each file on its own: one bad file does not stop the others', async () => {
    const { db, dir } = await freshStore();
    const good = join(dir, 'good.md');
    const bad = join(dir, 'bad.md');
    writeFileSync(good, markdown('url: https://northwind.example/e/\ntitle: E\npublished: 2025-02-02'));
    writeFileSync(bad, markdown('url: https://northwind.example/f/\ntitle: F\npublished: someday'));
    const reported: string[] = [];
    const summary = await importSources(db, [bad, good, join(dir, 'absent.md')], {
      onImported: (file) => reported.push(`${file.source}:${file.inserted.join(',')}`),
    });
    expect(summary.files.map((file) => [file.source, file.error?.where.line ?? null, file.inserted])).toEqual(
      [
        [bad, 4, []],
        [good, null, ['https://northwind.example/e/']],
        [join(dir, 'absent.md'), null, []],
      ],
    );
    expect(summary.files[2]?.error?.message).toBe('no such file or folder');
    expect(summary).toMatchObject({ failed: 2, inserted: 1, changed: ['https://northwind.example/e/'] });
    expect(reported).toEqual([`${good}:https://northwind.example/e/`]);
    await db.close();
  });

  it('imports nothing more once stopped, and says so for each file left', async () => {
    const { db, dir } = await freshStore();
    const one = join(dir, 'one.md');
    const two = join(dir, 'two.md');
    writeFileSync(one, markdown('url: https://northwind.example/i/\ntitle: I\npublished: 2025-02-02'));
    writeFileSync(two, markdown('url: https://northwind.example/j/\ntitle: J\npublished: 2025-02-02'));
    const stop = new AbortController();
    const summary = await importSources(db, [one, two], {
      signal: stop.signal,
      onImported: () => stop.abort(),
    });
    expect(summary.files.map((file) => [file.inserted.length, file.error?.message])).toEqual([
      [1, undefined],
      [0, 'not imported: stopped'],
    ]);
    expect(await countArticles(db)).toBe(1);
    await db.close();
  });

  it('keeps the earlier of two differing versions of one article in one run when it is as new, and says so', async () => {
    const { db, dir } = await freshStore();
    const one = join(dir, 'one.md');
    const two = join(dir, 'two.md');
    writeFileSync(
      one,
      markdown('id: same\nurl: https://northwind.example/g/\ntitle: G\npublished: 2025-02-02'),
    );
    writeFileSync(
      two,
      markdown('id: same\nurl: https://northwind.example/h/\ntitle: H\npublished: 2025-02-02'),
    );
    const summary = await importSources(db, [one, two]);
    expect(summary.files[1]?.error).toBeUndefined();
    expect(summary.files[1]?.unchanged).toEqual(['same']);
    expect(
      summary.files[1]?.warnings.map(
        (warning) =>
          `${warning.where.file}:${warning.where.line}: ${warning.where.field}: ${warning.message}`,
      ),
    ).toEqual([
      `${two}:1: id: article "same" is also in ${one} line 1, differently; that version is as new or newer (2025-02-02T00:00:00.000Z) and stays`,
    ]);
    expect((await getArticle(db, 'same'))?.title).toBe('G');
    await db.close();
  });
});
