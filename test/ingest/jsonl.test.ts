import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSources } from '../../src/ingest/import.ts';
import { countArticles, getArticle } from '../../src/store/articles.ts';
import { freshStore, snapshot } from './_store.ts';

function line(index: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: `nw-${index}`,
    url: `https://northwind.example/2025/${String((index % 12) + 1).padStart(2, '0')}/piece-${index}/`,
    title: `Piece ${index}`,
    published: `2025-${String((index % 12) + 1).padStart(2, '0')}-0${(index % 9) + 1}T08:00:00Z`,
    authors:
      index % 2 ? ['Ana Lima'] : [{ name: 'Jonas Berg', url: 'https://northwind.example/authors/berg/' }],
    categories: [{ term: 'Sahel', scheme: 'Region' }],
    markdown: `Paragraph for piece ${index}.`,
    ...extra,
  });
}

/** 600 lines, with `bad` in place of line 500. */
function bigFile(bad: string): string {
  const lines = Array.from({ length: 600 }, (_, index) => line(index + 1));
  lines[499] = bad;
  return `${lines.join('\n')}\n`;
}

describe('JSONL reader', () => {
  it('round-trips records, skipping blank lines, html and markdown alike', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'articles.jsonl');
    writeFileSync(
      file,
      [line(1), '', '   ', line(2, { markdown: undefined, html: '<p>Raw <b>html</b></p>' }), ''].join('\n'),
    );
    const summary = await importSources(db, [file]);
    expect(summary.failed).toBe(0);
    expect(summary.files[0]).toMatchObject({ kind: 'jsonl', inserted: ['nw-1', 'nw-2'] });
    expect((await getArticle(db, 'nw-1'))?.html).toBe('<p>Paragraph for piece 1.</p>');
    expect((await getArticle(db, 'nw-2'))?.html).toBe('<p>Raw <b>html</b></p>');
    expect((await getArticle(db, 'nw-1'))?.authors).toEqual([{ name: 'Ana Lima' }]);
    await db.close();
  });

  const faults: Array<[string, string, RegExp]> = [
    ['a line that is not JSON', '{"id": "nw-500", "url": ', /^big\.jsonl:500: invalid JSON/],
    ['a line that is not an object', '[1, 2, 3]', /^big\.jsonl:500: each line must be one JSON object/],
    [
      'a bad date',
      line(500, { published: 'yesterday' }),
      /^big\.jsonl:500: published: not an ISO 8601 date: "yesterday"/,
    ],
    ['a missing title', line(500, { title: undefined }), /^big\.jsonl:500: title: /],
    ['a bad category', line(500, { categories: [{ scheme: 'Region' }] }), /^big\.jsonl:500: categories\[0\]/],
    [
      'a duplicate id',
      line(500, { id: 'nw-7' }),
      /^big\.jsonl:500: id: duplicate id "nw-7": also at line 7$/,
    ],
    [
      'a duplicate url',
      line(500, { url: 'https://northwind.example/2025/04/piece-3/' }),
      /^big\.jsonl:500: url: duplicate url ".*piece-3\/": also at line 3$/,
    ],
  ];

  it.each(faults)(
    'refuses a 600-line file with %s at line 500, importing none of it',
    async (_name, bad, message) => {
      const { db, dir } = await freshStore();
      const seed = join(dir, 'seed.jsonl');
      writeFileSync(seed, `${line(1, { title: 'Already stored' })}\n`);
      await importSources(db, [seed]);
      const before = await snapshot(db);
      const file = join(dir, 'big.jsonl');
      writeFileSync(file, bigFile(bad));
      const summary = await importSources(db, [file]);
      expect(summary.failed).toBe(1);
      expect(summary.files[0]!.error!.toString().replace(`${dir}/`, '')).toMatch(message);
      expect(await snapshot(db)).toEqual(before);
      expect((await getArticle(db, 'nw-1'))?.title).toBe('Already stored');
      await db.close();
    },
  );

  it('imports the same 600-line file cleanly when line 500 is good', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'big.jsonl');
    writeFileSync(file, bigFile(line(500)));
    const summary = await importSources(db, [file]);
    expect(summary.failed).toBe(0);
    expect(summary.inserted).toBe(600);
    expect(await countArticles(db)).toBe(600);
    await db.close();
  });
});
