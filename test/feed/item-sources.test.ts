import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildFeeds, MANIFEST_FILE } from '../../src/feed/build.ts';
import { fragmentsFileName } from '../../src/feed/fragments.ts';
import { itemSourceCode, prepareItemSources, staleItemSources } from '../../src/feed/item-sources.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { getArticle, removeArticles, upsertArticles } from '../../src/store/articles.ts';
import type { Sql } from '../../src/store/sql.ts';
import { runCli } from '../helpers/cli.ts';
import { describeEngines } from '../helpers/engines.ts';
import { tempDir } from '../helpers/tmp.ts';
import { sampleArticles } from './_sample.ts';
import { articles, feedConfig } from './_support.ts';

/**
 * Item sources: each article's HTML cleaned once per version and kept in the store. A build must
 * write what it would write cleaning every record again (a forced build), take a stored source
 * only when it was made from the article's current version by the current code, and read only
 * the sources of the items it has to prepare.
 */

const config = feedConfig(
  { id: 'all', title: 'All', limit: 12 },
  { id: 'summaries', title: 'Summaries', content: 'summary', limit: 12 },
  { id: 'ana', title: 'Ana', filter: { authors: ['Ana Lima'] } },
);

const isCache = (name: string) => name === MANIFEST_FILE || name.endsWith('.fragments.json');

/** The build's files, and those of a forced build of the same store into a copy of the folder. */
async function expectSameAsForced(sql: Sql, out: string): Promise<void> {
  const fresh = join(tempDir(), 'forced');
  cpSync(out, fresh, { recursive: true });
  await buildFeeds(sql, config, { out: fresh, force: true });
  const names = readdirSync(out).filter((name) => !isCache(name));
  expect(names.sort()).toEqual(
    readdirSync(fresh)
      .filter((name) => !isCache(name))
      .sort(),
  );
  for (const name of names)
    expect(readFileSync(join(out, name), 'utf8'), name).toBe(readFileSync(join(fresh, name), 'utf8'));
}

async function byUrl(sql: Sql, url: string): Promise<Article> {
  const row = await sql.get<{ id: string }>('SELECT id FROM articles WHERE url = ?', [url]);
  return (await getArticle(sql, row!.id))!;
}

describeEngines('feed item sources', (engine) => {
  async function seeded(): Promise<Sql> {
    const sql = await engine.open();
    await upsertArticles(sql, [...articles, ...sampleArticles(20)].map(toArticle));
    return sql;
  }

  it('are made by the first build that needs them, stored, and read by the next', async () => {
    const sql = await seeded();
    const total = Number((await sql.get<{ n: number }>('SELECT count(*) AS n FROM articles'))!.n);
    expect((await staleItemSources(sql)).length).toBe(total);
    const first = await buildFeeds(sql, config, { out: join(tempDir(), 'one') });
    expect(first.sources.made).toBeGreaterThan(0);
    expect(first.sources.made).toBe(first.sources.read);
    expect((await staleItemSources(sql)).length).toBe(total - first.sources.made);
    // Another folder: nothing to take from files, every source taken from the store.
    const out = join(tempDir(), 'two');
    const second = await buildFeeds(sql, config, { out });
    expect(second.sources).toEqual({ read: first.sources.read, made: 0 });
    await expectSameAsForced(sql, out);
  });

  it('are made for what import writes, and not again while the article stays as it is', async () => {
    const sql = await seeded();
    const ids = (await sql.all<{ id: string }>('SELECT id FROM articles ORDER BY id')).map(({ id }) => id);
    expect(await prepareItemSources(sql, ids)).toBe(ids.length);
    expect(await prepareItemSources(sql, ids)).toBe(0);
    expect(await staleItemSources(sql)).toEqual([]);
    const water = await byUrl(sql, articles[1]!.url);
    await upsertArticles(sql, [{ ...water, html: `${water.html}<p>Added later.</p>` }]);
    expect(await staleItemSources(sql)).toEqual([water.id]);
    expect(await prepareItemSources(sql, ids)).toBe(1);
  });

  it('are taken only from the article’s current version, made by the current code', async () => {
    const sql = await seeded();
    const out = join(tempDir(), 'public');
    await buildFeeds(sql, config, { out });
    const water = await byUrl(sql, articles[1]!.url);
    // A source of another version of the code, with other text in it: never read.
    const row = (await sql.get<{ source: string }>(
      'SELECT source FROM feed_item_sources WHERE article_id = ?',
      [water.id],
    ))!;
    const planted = JSON.parse(row.source) as { body: string };
    planted.body = '<p>planted by older code</p>';
    await sql.run('UPDATE feed_item_sources SET code = ?, source = ? WHERE article_id = ?', [
      'older code',
      JSON.stringify(planted),
      water.id,
    ]);
    // Changed afterwards: the source stored before the change is stale too.
    const ana = await byUrl(sql, articles[3]!.url);
    await upsertArticles(sql, [
      { ...water, title: 'Water, revised' },
      { ...ana, html: `${ana.html}<p>A postscript <img src=x onerror=alert(1)>.</p>` },
    ]);
    const rebuilt = await buildFeeds(sql, config, { out, force: false });
    expect(rebuilt.sources.made).toBe(2);
    for (const name of readdirSync(out).filter((file) => !isCache(file))) {
      const text = readFileSync(join(out, name), 'utf8');
      expect(text, name).not.toContain('planted by older code');
      expect(text, name).not.toContain('onerror');
    }
    expect(readFileSync(join(out, 'ana.xml'), 'utf8')).toContain('A postscript');
    const stored = await sql.get<{ code: string }>(
      'SELECT code FROM feed_item_sources WHERE article_id = ?',
      [water.id],
    );
    expect(stored?.code).toBe(itemSourceCode());
    await expectSameAsForced(sql, out);
  });

  it('leave the store with their article', async () => {
    const sql = await seeded();
    await buildFeeds(sql, config, { out: join(tempDir(), 'public') });
    const ana = await byUrl(sql, articles[3]!.url);
    const count = async () =>
      Number(
        (await sql.get<{ n: number }>('SELECT count(*) AS n FROM feed_item_sources WHERE article_id = ?', [
          ana.id,
        ]))!.n,
      );
    expect(await count()).toBe(1);
    await removeArticles(sql, [ana.id]);
    expect(await count()).toBe(0);
  });

  it('are read, after one article changed, for that article alone; a piece gone missing is made again', async () => {
    const sql = await seeded();
    const out = join(tempDir(), 'public');
    await buildFeeds(sql, config, { out });
    const water = await byUrl(sql, articles[1]!.url);
    await upsertArticles(sql, [{ ...water, title: 'Water, revised once' }]);
    const one = await buildFeeds(sql, config, { out });
    expect(one.sources).toEqual({ read: 1, made: 1 });
    expect(one.fragments.prepared).toBe(1);
    await expectSameAsForced(sql, out);

    // A piece the index names is no longer what it says (the file's size and time as the index
    // records them, other text): its item is prepared after all, its document rendered again
    // with the sources of all its items read.
    const indexFile = join(out, fragmentsFileName('summaries'));
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as {
      files: Record<string, { pieces: number[]; mtimeMs: number }>;
    };
    const file = join(out, 'summaries.xml');
    const entry = index.files['summaries.xml']!;
    const start = entry.pieces[entry.pieces.length - 2]!; // the oldest item's piece, in bytes
    const bytes = readFileSync(file);
    const text = bytes.toString('utf8');
    bytes[start] = 'X'.charCodeAt(0);
    writeFileSync(file, bytes);
    entry.mtimeMs = statSync(file).mtimeMs;
    writeFileSync(indexFile, JSON.stringify(index));
    await upsertArticles(sql, [{ ...water, title: 'Water, revised twice' }]);
    const again = await buildFeeds(sql, config, { out });
    expect(again.fragments.prepared).toBe(2);
    const items = (text.match(/<item>/g) ?? []).length;
    expect(again.sources.read).toBe(items + 1);
    expect(readFileSync(file, 'utf8')).not.toContain(
      `${bytes.subarray(start - 10, start).toString('utf8')}X`,
    );
    await expectSameAsForced(sql, out);
  });

  it('are stored by `syndicate import`', async () => {
    const store = await engine.target();
    const file = join(tempDir(), 'articles.jsonl');
    const html = '<p>One<img src=x onerror=alert(1)><script>alert(2)</script></p>';
    writeFileSync(
      file,
      `${JSON.stringify({ url: 'https://northwind.example/a/1', title: 'One', published: '2026-01-02', html })}\n`,
    );
    expect((await runCli(['--store', store, 'import', file])).code).toBe(0);
    const { openSql } = await import('../../src/store/db.ts');
    const sql = await openSql(store);
    try {
      expect(await staleItemSources(sql)).toEqual([]);
      const row = await sql.get<{ source: string }>('SELECT source FROM feed_item_sources');
      expect((JSON.parse(row!.source) as { body: string }).body).toBe(
        '<p>One<img src="https://northwind.example/a/x"></p>',
      );
    } finally {
      await sql.close();
    }
  });
});
