import { appendFileSync, cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE } from '../../src/feed/build.ts';
import { removeArticles, upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { fixtureArticles } from '../helpers/fixture-store.ts';
import { freshSchema } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * `import`, `build` and `remove` run as a user runs them, on a SQLite file and on a PostgreSQL
 * database, from the same input: the feeds written must be the same bytes. Only the time of a
 * removal (Atom's tombstone `when`) is the clock's; it is checked to be a date and set aside.
 */

const ARTICLES = join(import.meta.dirname, '..', '..', 'examples', 'articles');
const JSONL = join(import.meta.dirname, '..', 'fixtures', 'articles.jsonl');
/** The project's own feeds, each asking for tombstones (off by default), so that a removal shows in Atom too. */
function feedsWithTombstones(dir: string): string {
  const feeds = join(dir, 'feeds');
  cpSync(join(import.meta.dirname, '..', '..', 'feeds'), feeds, { recursive: true });
  for (const name of readdirSync(feeds).filter((file) => file.endsWith('.yaml') && file !== 'publisher.yaml'))
    appendFileSync(join(feeds, name), '\ntombstones: true\n');
  return feeds;
}

/** Every file a build wrote (its manifest holds times and the store's id, so it is left out). */
function written(out: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(out).sort()) {
    // The build's own bookkeeping, not output: the fragment cache records the written files' mtimes.
    if (name === MANIFEST_FILE || /^\..+\.fragments\.json$/.test(name)) continue;
    const text = readFileSync(join(out, name), 'utf8');
    const whens = [...text.matchAll(/ when="([^"]*)"/g)].map((match) => match[1]!);
    for (const when of whens) expect(Date.parse(when), `${name}: ${when}`).not.toBeNaN();
    files.set(name, text.replaceAll(/ when="[^"]*"/g, ' when="…"'));
  }
  return files;
}

async function publish(store: string, dir: string) {
  const feeds = feedsWithTombstones(dir);
  const cli = (...argv: string[]) => runCli(['--store', store, '--feeds', feeds, ...argv]);
  const imported = await cli('import', ARTICLES, JSONL);
  expect(imported.stderr).toBe('');
  expect(imported.code).toBe(0);
  const first = join(dir, 'first');
  expect((await cli('build', '--out', first, '--no-ping')).code).toBe(0);
  // An article of the water feed goes; the next build drops it and leaves a tombstone.
  const removed = await cli('remove', 'https://northwind.example/2025/04/mekong-sediment-dams/');
  expect(removed.stderr).toBe('');
  expect(removed.code).toBe(0);
  const second = join(dir, 'second');
  expect((await cli('build', '--out', first, '--no-ping')).code).toBe(0);
  expect((await cli('build', '--out', second, '--no-ping')).code).toBe(0);
  return {
    imported: imported.stdout,
    removed: removed.stdout,
    first: written(first),
    second: written(second),
  };
}

describe('import, build and remove on SQLite and on PostgreSQL', () => {
  it('write the same feeds, byte for byte, from the same input', async () => {
    const dir = tempDir();
    const sqlite = await publish(join(dir, 'store.sqlite'), join(dir, 'sqlite'));
    const database = await freshSchema();
    try {
      const postgres = await publish(database.url, join(dir, 'postgres'));
      expect(postgres.imported.replaceAll(database.url, '')).toBe(sqlite.imported);
      expect(postgres.removed).toBe(sqlite.removed);
      expect([...postgres.first.keys()]).toEqual([...sqlite.first.keys()]);
      for (const [name, text] of sqlite.first) expect(postgres.first.get(name), name).toBe(text);
      for (const [name, text] of sqlite.second) expect(postgres.second.get(name), name).toBe(text);
    } finally {
      await database.drop();
    }
    // The input made real feeds: the removal shows in them.
    expect(sqlite.first.get('water-security.atom')).toContain('deleted-entry');
    expect(sqlite.first.get('all.xml')).not.toContain('mekong-sediment-dams');
    expect(sqlite.second.get('all.xml')).toContain('<item>');
  });

  it('build writes the same feeds, byte for byte, from the same articles, before and after a removal', async () => {
    const dir = tempDir();
    const articles = fixtureArticles();
    // The newest article: in the "all" feed, so that the removal shows there.
    const gone = articles.reduce((newest, entry) => (entry.published > newest.published ? entry : newest));
    const outputs = [];
    const feeds = feedsWithTombstones(dir);
    const database = await freshSchema();
    try {
      for (const store of [join(dir, 'store.sqlite'), database.url]) {
        const sql = await openSql(store);
        await upsertArticles(sql, articles);
        await sql.close();
        const out = join(dir, `out-${outputs.length}`);
        const cli = (...argv: string[]) => runCli(['--store', store, '--feeds', feeds, ...argv]);
        expect((await cli('build', '--out', out, '--no-ping')).code).toBe(0);
        const first = written(out);
        const again = await openSql(store);
        await removeArticles(again, [gone.id], { now: new Date('2026-04-01T00:00:00Z') });
        await again.close();
        expect((await cli('build', '--out', out, '--no-ping')).code).toBe(0);
        outputs.push({ first, second: written(out) });
      }
    } finally {
      await database.drop();
    }
    const [sqlite, postgres] = outputs;
    expect([...postgres!.first.keys()]).toEqual([...sqlite!.first.keys()]);
    expect(sqlite!.first.get('all.xml')).toContain('<item>');
    for (const [name, text] of sqlite!.first) expect(postgres!.first.get(name), name).toBe(text);
    for (const [name, text] of sqlite!.second) expect(postgres!.second.get(name), name).toBe(text);
    expect(sqlite!.second.get('all.atom')).toContain('deleted-entry');
  });
});
