import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFeeds, MANIFEST_FILE } from '../../src/feed/build.ts';
import { nameUuid } from '../../src/feed/model.ts';
import { forgetArticles, indexArticles } from '../../src/match/fingerprint-index.ts';
import { allPostings } from '../../src/match/postings.ts';
import { toArticle } from '../../src/store/article.ts';
import { countArticles, getArticle, removeArticles, upsertArticles } from '../../src/store/articles.ts';
import type { Sql } from '../../src/store/sql.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';
import { orphanPostings } from '../match/_articles.ts';
import { articles, FEED_YAMLS, feedConfig, parseXml, seededStore, writeFeedsFolder } from './_support.ts';

const TOMBSTONES = 'http://purl.org/atompub/tombstones/1.0';
const config = feedConfig(
  { id: 'all', title: 'All', tombstones: true },
  { id: 'ana', title: 'Ana', filter: { authors: ['Ana Lima'] }, tombstones: true },
);
const water = toArticle(articles[1]!);
const note = toArticle(articles[2]!);

/** The removal's hook as `syndicate remove` gives it: the index entries of the articles go. */
function forget(sql: Sql) {
  return (ids: readonly string[]) => forgetArticles(sql, ids);
}

/** `SELECT count(*) AS n …`'s n. */
async function count(sql: Sql, query: string, params: string[] = []): Promise<number> {
  return Number((await sql.get<{ n: number }>(query, params))!.n);
}

async function fingerprintRows(sql: Sql): Promise<{ docs: number; prints: number }> {
  return {
    docs: await count(sql, 'SELECT count(*) AS n FROM fingerprinted_articles'),
    prints: (await allPostings(sql)).length,
  };
}

async function foreignKeysOn(sql: Sql): Promise<boolean> {
  return (await sql.get<{ foreign_keys: number }>('PRAGMA foreign_keys'))?.foreign_keys === 1;
}

describe('removing articles', () => {
  it('removes by id, URL or alias, with the article’s terms, aliases and fingerprints', async () => {
    const sql = await seededStore(join(tempDir(), 'store.sqlite'));
    // Long enough to be fingerprinted (short texts are not).
    const body = Array.from(
      { length: 60 },
      (_, index) => `Rivers cross borders in sentence number ${index}.`,
    ).join(' ');
    await upsertArticles(sql, [
      { ...water, html: `<p>${body}</p>`, aliases: ['https://northwind.example/?p=7'] },
    ]);
    await indexArticles(sql);
    const before = await fingerprintRows(sql);
    const waterDoc = (await sql.get<{ doc: number }>(
      'SELECT doc FROM fingerprinted_articles WHERE article_id = ?',
      [water.id],
    ))!.doc;
    const waterPrints = (await allPostings(sql)).filter((posting) => posting.doc === waterDoc).length;
    expect(waterPrints).toBeGreaterThan(0);
    const removed = await removeArticles(sql, ['https://northwind.example/?p=7', 'nw-1234'], {
      now: new Date('2026-04-01T00:00:00Z'),
      alsoRemove: forget(sql),
    });
    expect(removed).toEqual([water.id, 'nw-1234']);
    expect(await getArticle(sql, water.id)).toBeUndefined();
    expect(await getArticle(sql, 'nw-1234')).toBeUndefined();
    expect(await countArticles(sql)).toBe(articles.length - 2);
    for (const table of ['article_terms', 'article_aliases', 'fingerprinted_articles']) {
      const left = await count(sql, `SELECT count(*) AS n FROM ${table} WHERE article_id IN (?, ?)`, [
        water.id,
        'nw-1234',
      ]);
      expect(left, table).toBe(0);
    }
    const after = await fingerprintRows(sql);
    expect(after.docs).toBe(before.docs - 2);
    expect(after.prints).toBeLessThanOrEqual(before.prints - waterPrints);
    // No posting points at a document that is gone.
    expect(await orphanPostings(sql)).toBe(0);
    expect(await foreignKeysOn(sql)).toBe(true);
    await sql.close();
  });

  it('takes the rows that belong to the article with it, as a cascade would (its discoveries)', async () => {
    const sql = await seededStore(join(tempDir(), 'store.sqlite'));
    await indexArticles(sql);
    await sql.batch(
      `INSERT INTO discoveries (source, record_offset, record_length, record_type, page_url, host, article_id,
         coverage, kind, verdict, found_at)
       VALUES ('crawl.warc.gz', ?, 100, 'response', 'https://copy.example/', 'copy.example', ?, 0.9, 'full', 'violation', '2026-04-01')`,
      [
        [0, water.id],
        [1, note.id],
      ],
    );
    await removeArticles(sql, [water.id], { alsoRemove: forget(sql) });
    expect(await sql.all('SELECT article_id FROM discoveries')).toEqual([{ article_id: note.id }]);
    expect(await sql.all('PRAGMA foreign_key_check')).toEqual([]);
    await sql.close();
  });

  it('removes nothing when one of the articles is unknown, and nothing when the index step fails', async () => {
    const sql = await seededStore(join(tempDir(), 'store.sqlite'));
    await indexArticles(sql);
    await expect(removeArticles(sql, [water.url, 'https://northwind.example/nope'])).rejects.toThrow(
      /no article with the id or URL "https:\/\/northwind.example\/nope"; nothing removed/,
    );
    expect(await countArticles(sql)).toBe(articles.length);
    await expect(
      removeArticles(sql, [water.url], {
        alsoRemove: async () => {
          throw new Error('index unavailable');
        },
      }),
    ).rejects.toThrow('index unavailable');
    expect((await getArticle(sql, water.id))?.title).toBe('Water & borders');
    expect((await fingerprintRows(sql)).docs).toBe(articles.length);
    expect(await foreignKeysOn(sql)).toBe(true);
    await sql.close();
  });

  it('takes the article out of every feed and leaves Atom tombstones where readers saw it', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'));
    const out = join(dir, 'public');
    await buildFeeds(db, config, { out });
    await removeArticles(db, [note.id, water.url], { now: new Date('2026-04-01T12:00:00Z') });
    const result = await buildFeeds(db, config, { out });
    expect(result.selected.sort()).toEqual(['all', 'ana']);
    for (const name of ['all.xml', 'all.atom', 'all.json', 'ana.xml', 'ana.atom', 'ana.json']) {
      const text = readFileSync(join(out, name), 'utf8');
      expect(text, name).not.toContain('Water &');
    }
    const all = parseXml(readFileSync(join(out, 'all.atom'), 'utf8'));
    const gone = all.children.filter((node) => node.uri === TOMBSTONES && node.local === 'deleted-entry');
    expect(gone.map((node) => node.attributes)).toEqual([
      { ref: water.id, when: '2026-04-01T12:00:00.000Z' },
      { ref: nameUuid('https://northwind.example/', 'nw-1234'), when: '2026-04-01T12:00:00.000Z' },
    ]);
    expect(gone[0]!.children).toEqual([]);
    // "ana" never carried the note: only the water article is gone from it.
    const ana = parseXml(readFileSync(join(out, 'ana.atom'), 'utf8'));
    expect(
      ana.children.filter((node) => node.local === 'deleted-entry').map((node) => node.attributes.ref),
    ).toEqual([water.id]);
    // Tombstones stay in later builds, and go when the article comes back.
    await upsertArticles(db, [{ ...toArticle(articles[0]!), title: 'Another change' }]);
    await buildFeeds(db, config, { out });
    expect(readFileSync(join(out, 'ana.atom'), 'utf8')).toContain('at:deleted-entry');
    await upsertArticles(db, [water]);
    await buildFeeds(db, config, { out });
    expect(readFileSync(join(out, 'ana.atom'), 'utf8')).not.toContain('at:deleted-entry');
    await db.close();
  });
});

describe('without tombstones (the default)', () => {
  it('takes the article out of the feed without a tombstone, so the feed stays free of validator warnings', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'));
    const out = join(dir, 'public');
    const quiet = feedConfig({ id: 'all', title: 'All' });
    await buildFeeds(db, quiet, { out });
    expect(readFileSync(join(out, 'all.atom'), 'utf8')).toContain(water.title.replace('&', '&amp;'));
    await removeArticles(db, [water.id]);
    await buildFeeds(db, quiet, { out });
    const atom = readFileSync(join(out, 'all.atom'), 'utf8');
    expect(atom).not.toContain(water.title.replace('&', '&amp;'));
    expect(atom).not.toContain('deleted-entry');
    expect(atom).not.toContain(TOMBSTONES);
    // Nor does the build keep the ids readers saw, which only tombstones need.
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8'));
    expect(manifest.feeds.all.items).toBeUndefined();
    await db.close();
  });
});

describe('syndicate remove', () => {
  it('removes the articles named, prints them, and build then drops them', async () => {
    const dir = tempDir();
    const store = join(dir, 'store.sqlite');
    await (await seededStore(store)).close();
    const feeds = writeFeedsFolder(join(dir, 'feeds'), {
      ...FEED_YAMLS,
      'all.yaml': `${FEED_YAMLS['all.yaml']}tombstones: true\n`,
    });
    const out = join(dir, 'public');
    expect((await runCli(['--store', store, '--feeds', feeds, 'build', '--out', out])).code).toBe(0);
    expect(readFileSync(join(out, 'all.xml'), 'utf8')).toContain('Water &#x26; borders');
    const removed = await runCli(['--store', store, 'remove', water.url]);
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toContain(`removed ${water.id}\n`);
    expect((await runCli(['--store', store, '--feeds', feeds, 'build', '--out', out])).code).toBe(0);
    expect(readFileSync(join(out, 'all.xml'), 'utf8')).not.toContain('Water &#x26; borders');
    expect(readFileSync(join(out, 'all.atom'), 'utf8')).toContain(
      `<at:deleted-entry ref="${water.id.replace('&', '&amp;')}"`,
    );
  });

  it('exits 2 naming the unknown article, and removes none of the others', async () => {
    const dir = tempDir();
    const store = join(dir, 'store.sqlite');
    await (await seededStore(store)).close();
    const result = await runCli(['--store', store, 'remove', water.url, 'no-such-id']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"no-such-id"');
    expect(result.stdout).toBe('');
    const db = await seededStore(store, []);
    expect(await getArticle(db, water.id)).toBeDefined();
    await db.close();
    writeFileSync(join(dir, 'unused'), '');
  });
});
