import { createHash } from 'node:crypto';
import { SyndicateError } from '../errors.ts';
import type { Article } from './article.ts';
import type { Sql } from './sql.ts';

export interface UpsertResult {
  inserted: string[];
  updated: string[];
  unchanged: string[];
}

/** A stable hash of an article's content: the feeds and the matcher rebuild only what changed. */
export function articleHash(article: Article): string {
  return createHash('sha256').update(JSON.stringify(article)).digest('hex');
}

/** The store revision and id: every write to the articles bumps the revision. */
export interface StoreRevision {
  storeId: string;
  revision: number;
}

export async function storeRevision(sql: Sql): Promise<StoreRevision> {
  const row = await sql.get<{ revision: number; store_id: string }>(
    'SELECT revision, store_id FROM article_state WHERE id = 1',
  );
  if (!row) throw new SyndicateError('store', 'the store has no revision row (article_state)');
  return { storeId: row.store_id, revision: row.revision };
}

/** Take the next revision; call inside the write's transaction, once per write. */
async function nextRevision(sql: Sql): Promise<number> {
  const row = await sql.get<{ revision: number }>(
    'UPDATE article_state SET revision = revision + 1 WHERE id = 1 RETURNING revision',
  );
  return row!.revision;
}

type TermRow = [kind: string, scheme: string, value: string];

function articleTerms(article: Article): TermRow[] {
  return [
    ...article.authors.map((author): TermRow => ['author', '', author.name]),
    ...article.categories.map((category): TermRow => ['category', category.scheme ?? '', category.term]),
    ...article.tags.map((tag): TermRow => ['tag', '', tag]),
  ];
}

/** An article's stored terms, in code-unit order (as SQLite's binary collation sorts them), on both engines. */
async function storedTerms(sql: Sql, id: string): Promise<TermRow[]> {
  const rows = await sql.all<{ kind: string; scheme: string; value: string }>(
    'SELECT kind, scheme, value FROM article_terms WHERE article_id = ?',
    [id],
  );
  return rows.map((row): TermRow => [row.kind, row.scheme, row.value]).sort(compareTerms);
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const compareTerms = (a: TermRow, b: TermRow) =>
  compareText(a[0], b[0]) || compareText(a[1], b[1]) || compareText(a[2], b[2]);

const sameTerms = (a: readonly TermRow[], b: readonly TermRow[]) =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

type Existing = { id: string; url: string; hash: string; language: string | null };

/**
 * Upsert articles by id, else by URL (or alias). Runs in one transaction: the caller's batch
 * (one input file) goes in whole or not at all. A batch that changes anything takes one new store
 * revision; an update that moves an article out of some feeds (other terms, another language)
 * records what it was, so that the next build re-renders the feeds it left.
 */
export async function upsertArticles(
  sql: Sql,
  articles: readonly Article[],
  now = new Date(),
): Promise<UpsertResult> {
  return sql.tx(async () => {
    const result: UpsertResult = { inserted: [], updated: [], unchanged: [] };
    let revision: number | undefined;
    for (const incoming of articles) {
      const existing =
        (await sql.get<Existing>('SELECT id, url, hash, language FROM articles WHERE id = ?', [
          incoming.id,
        ])) ??
        (incoming.id === incoming.url
          ? await sql.get<Existing>(
              `SELECT id, url, hash, language FROM articles WHERE url = ?
               UNION ALL SELECT a.id, a.url, a.hash, a.language FROM article_aliases l JOIN articles a ON a.id = l.article_id WHERE l.url = ?
               LIMIT 1`,
              [incoming.url, incoming.url],
            )
          : undefined);
      const article: Article = existing ? { ...incoming, id: existing.id } : incoming;
      const hash = articleHash(article);
      if (existing?.hash === hash) {
        result.unchanged.push(article.id);
        continue;
      }
      revision ??= await nextRevision(sql);
      const terms = articleTerms(article);
      if (existing) {
        const before = await storedTerms(sql, article.id);
        if (existing.language !== (article.language ?? null) || !sameTerms(before, terms))
          await sql.run(
            'INSERT INTO article_departures (revision, article_id, url, language, terms, removed_at) VALUES (?, ?, ?, ?, ?, NULL)',
            [revision, article.id, existing.url, existing.language, JSON.stringify(before)],
          );
      }
      const row = {
        id: article.id,
        url: article.url,
        title: article.title,
        published: article.published,
        updated: article.updated ?? null,
        language: article.language ?? null,
        record: JSON.stringify(article),
        hash,
        storedAt: now.toISOString(),
        revision,
      };
      if (existing) {
        await sql.run(
          `UPDATE articles SET url = @url, title = @title, published = @published, updated = @updated,
             language = @language, record = @record, hash = @hash, stored_at = @storedAt, revision = @revision
           WHERE id = @id`,
          row,
        );
        result.updated.push(article.id);
      } else {
        await sql.run(
          `INSERT INTO articles (id, url, title, published, updated, language, record, hash, stored_at, revision)
           VALUES (@id, @url, @title, @published, @updated, @language, @record, @hash, @storedAt, @revision)`,
          row,
        );
        result.inserted.push(article.id);
      }
      // Only an update can have aliases and terms to clear; a new article has none yet.
      if (existing) {
        await sql.run('DELETE FROM article_aliases WHERE article_id = ?', [article.id]);
        await sql.run('DELETE FROM article_terms WHERE article_id = ?', [article.id]);
      }
      if (article.aliases.length > 0)
        await sql.batch(
          'INSERT INTO article_aliases (url, article_id) VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET article_id = excluded.article_id',
          article.aliases.map((alias) => [alias, article.id]),
        );
      if (terms.length > 0)
        await sql.batch(
          `INSERT INTO article_terms (article_id, kind, scheme, value, published) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (article_id, kind, scheme, value) DO NOTHING`,
          terms.map(([kind, scheme, value]) => [article.id, kind, scheme, value, article.published]),
        );
    }
    return result;
  });
}

export interface RemoveOptions {
  /** The time recorded as when the articles left the store (Atom tombstones carry it). */
  now?: Date;
  /**
   * Runs inside the removal's transaction, just before the article rows are deleted, with their
   * ids: whatever of the caller's hangs off an article without a foreign key (its fingerprints'
   * index rows) goes with it or not at all. Rows with a foreign key to the articles go by the
   * engine's own ON DELETE CASCADE.
   */
  alsoRemove?: (ids: readonly string[]) => Promise<unknown>;
}

/**
 * Remove articles named by id, URL or alias: all of them, or none when one is unknown (the error
 * names it). Their terms and language are kept as departures, so that the next build re-renders
 * the feeds they were in and can tell readers they are gone. Returns the ids removed, in order.
 */
export async function removeArticles(
  sql: Sql,
  references: readonly string[],
  options: RemoveOptions = {},
): Promise<string[]> {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const reference of references) {
    const row = await sql.get<{ id: string }>(
      `SELECT id FROM articles WHERE id = ?
       UNION ALL SELECT id FROM articles WHERE url = ?
       UNION ALL SELECT article_id FROM article_aliases WHERE url = ? LIMIT 1`,
      [reference, reference, reference],
    );
    if (row === undefined) unknown.push(reference);
    else if (!ids.includes(row.id)) ids.push(row.id);
  }
  if (unknown.length > 0) {
    throw new SyndicateError(
      'input',
      `no article with the id or URL ${unknown.map((value) => JSON.stringify(value)).join(', ')}; nothing removed`,
    );
  }
  if (ids.length === 0) return [];
  const removedAt = (options.now ?? new Date()).toISOString();
  await sql.tx(async () => {
    const revision = await nextRevision(sql);
    for (const id of ids) {
      const { url, language } = (await sql.get<{ url: string; language: string | null }>(
        'SELECT url, language FROM articles WHERE id = ?',
        [id],
      ))!;
      await sql.run(
        'INSERT INTO article_departures (revision, article_id, url, language, terms, removed_at) VALUES (?, ?, ?, ?, ?, ?)',
        [revision, id, url, language, JSON.stringify(await storedTerms(sql, id)), removedAt],
      );
    }
    await options.alsoRemove?.(ids);
    // Aliases, terms, fingerprinted_articles, discoveries: ON DELETE CASCADE on both engines.
    await sql.batch(
      'DELETE FROM articles WHERE id = ?',
      ids.map((id) => [id]),
    );
  });
  return ids;
}

export async function getArticle(sql: Sql, id: string): Promise<Article | undefined> {
  const row = await sql.get<{ record: string }>('SELECT record FROM articles WHERE id = ?', [id]);
  return row ? (JSON.parse(row.record) as Article) : undefined;
}

/** The article whose URL or alias is `url` (exact match; callers normalise first). */
export async function findArticleByUrl(sql: Sql, url: string): Promise<Article | undefined> {
  const row = await sql.get<{ record: string }>(
    `SELECT record FROM articles WHERE url = ?
     UNION ALL SELECT a.record FROM article_aliases l JOIN articles a ON a.id = l.article_id WHERE l.url = ?
     LIMIT 1`,
    [url, url],
  );
  return row ? (JSON.parse(row.record) as Article) : undefined;
}

export async function countArticles(sql: Sql): Promise<number> {
  return Number((await sql.get<{ n: number }>('SELECT count(*) AS n FROM articles'))!.n);
}

/** Articles a page of `iterateArticles` reads: a large store never sits in memory at once. */
const ARTICLES_PER_PAGE = 500;

/**
 * Every article, newest first (by `published`, then id), read a page at a time; each page
 * starts after the last row of the one before, so a page costs the same however deep it is.
 */
export async function* iterateArticles(sql: Sql): AsyncGenerator<Article> {
  let after: { published: string; id: string } | undefined;
  for (;;) {
    const rows = after
      ? await sql.all<{ published: string; id: string; record: string }>(
          // `published <= ?` is a range of the (published DESC, id) index; the rest only filters it.
          `SELECT published, id, record FROM articles WHERE published <= ? AND (published < ? OR id > ?)
           ORDER BY published DESC, id LIMIT ?`,
          [after.published, after.published, after.id, ARTICLES_PER_PAGE],
        )
      : await sql.all<{ published: string; id: string; record: string }>(
          'SELECT published, id, record FROM articles ORDER BY published DESC, id LIMIT ?',
          [ARTICLES_PER_PAGE],
        );
    for (const row of rows) yield JSON.parse(row.record) as Article;
    const last = rows.at(-1);
    if (!last || rows.length < ARTICLES_PER_PAGE) return;
    after = { published: last.published, id: last.id };
  }
}
