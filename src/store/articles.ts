import { createHash } from 'node:crypto';
import { SyndicateError } from '../errors.ts';
import type { Article } from './article.ts';
import type { Db } from './db.ts';

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

export function storeRevision(db: Db): StoreRevision {
  const row = db
    .prepare<[], { revision: number; store_id: string }>(
      'SELECT revision, store_id FROM article_state WHERE id = 1',
    )
    .get();
  if (!row) throw new SyndicateError('store', 'the store has no revision row (article_state)');
  return { storeId: row.store_id, revision: row.revision };
}

/** Take the next revision; call inside the write's transaction, once per write. */
function nextRevision(db: Db): number {
  return db
    .prepare<[], number>('UPDATE article_state SET revision = revision + 1 WHERE id = 1 RETURNING revision')
    .pluck()
    .get()!;
}

type TermRow = [kind: string, scheme: string, value: string];

function articleTerms(article: Article): TermRow[] {
  return [
    ...article.authors.map((author): TermRow => ['author', '', author.name]),
    ...article.categories.map((category): TermRow => ['category', category.scheme ?? '', category.term]),
    ...article.tags.map((tag): TermRow => ['tag', '', tag]),
  ];
}

function storedTerms(db: Db, id: string): TermRow[] {
  return db
    .prepare<[string], TermRow>(
      'SELECT kind, scheme, value FROM article_terms WHERE article_id = ? ORDER BY kind, scheme, value',
    )
    .raw()
    .all(id);
}

const sameTerms = (a: readonly TermRow[], b: readonly TermRow[]) =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

/**
 * Upsert articles by id, else by URL (or alias). Runs in one transaction: the caller's batch
 * (one input file) goes in whole or not at all. A batch that changes anything takes one new store
 * revision; an update that moves an article out of some feeds (other terms, another language)
 * records what it was, so that the next build re-renders the feeds it left.
 */
export function upsertArticles(db: Db, articles: readonly Article[], now = new Date()): UpsertResult {
  const result: UpsertResult = { inserted: [], updated: [], unchanged: [] };
  type Existing = { id: string; url: string; hash: string; language: string | null };
  const byId = db.prepare<[string], Existing>('SELECT id, url, hash, language FROM articles WHERE id = ?');
  const byUrl = db.prepare<[string, string], Existing>(
    `SELECT id, url, hash, language FROM articles WHERE url = ?
     UNION ALL SELECT a.id, a.url, a.hash, a.language FROM article_aliases l JOIN articles a ON a.id = l.article_id WHERE l.url = ?
     LIMIT 1`,
  );
  const insert = db.prepare(
    `INSERT INTO articles (id, url, title, published, updated, language, record, hash, stored_at, revision)
     VALUES (@id, @url, @title, @published, @updated, @language, @record, @hash, @storedAt, @revision)`,
  );
  const update = db.prepare(
    `UPDATE articles SET url = @url, title = @title, published = @published, updated = @updated,
       language = @language, record = @record, hash = @hash, stored_at = @storedAt, revision = @revision
     WHERE id = @id`,
  );
  const clearAliases = db.prepare('DELETE FROM article_aliases WHERE article_id = ?');
  const insertAlias = db.prepare('INSERT OR REPLACE INTO article_aliases (url, article_id) VALUES (?, ?)');
  const clearTerms = db.prepare('DELETE FROM article_terms WHERE article_id = ?');
  const insertTerm = db.prepare(
    'INSERT OR IGNORE INTO article_terms (article_id, kind, scheme, value, published) VALUES (?, ?, ?, ?, ?)',
  );
  const depart = db.prepare(
    'INSERT INTO article_departures (revision, article_id, url, language, terms, removed_at) VALUES (?, ?, ?, ?, ?, NULL)',
  );

  db.transaction(() => {
    let revision: number | undefined;
    for (const incoming of articles) {
      const existing =
        byId.get(incoming.id) ??
        (incoming.id === incoming.url ? byUrl.get(incoming.url, incoming.url) : undefined);
      const article: Article = existing ? { ...incoming, id: existing.id } : incoming;
      const hash = articleHash(article);
      if (existing?.hash === hash) {
        result.unchanged.push(article.id);
        continue;
      }
      revision ??= nextRevision(db);
      const terms = articleTerms(article);
      if (existing) {
        const before = storedTerms(db, article.id);
        if (existing.language !== (article.language ?? null) || !sameTerms(before, terms))
          depart.run(revision, article.id, existing.url, existing.language, JSON.stringify(before));
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
        update.run(row);
        result.updated.push(article.id);
      } else {
        insert.run(row);
        result.inserted.push(article.id);
      }
      clearAliases.run(article.id);
      for (const alias of article.aliases) insertAlias.run(alias, article.id);
      clearTerms.run(article.id);
      for (const [kind, scheme, value] of terms)
        insertTerm.run(article.id, kind, scheme, value, article.published);
    }
  })();
  return result;
}

export interface RemoveOptions {
  /** The time recorded as when the articles left the store (Atom tombstones carry it). */
  now?: Date;
  /**
   * Runs inside the removal's transaction once the article rows are gone, with foreign keys not
   * enforced, so that whatever hangs off an article (its fingerprints) goes with it or not at all.
   */
  alsoRemove?: (ids: readonly string[]) => void;
}

/**
 * Remove articles named by id, URL or alias: all of them, or none when one is unknown (the error
 * names it). Their terms and language are kept as departures, so that the next build re-renders
 * the feeds they were in and can tell readers they are gone. Returns the ids removed, in order.
 */
export function removeArticles(db: Db, references: readonly string[], options: RemoveOptions = {}): string[] {
  const resolve = db
    .prepare<[string, string, string], string>(
      `SELECT id FROM articles WHERE id = ?
       UNION ALL SELECT id FROM articles WHERE url = ?
       UNION ALL SELECT article_id FROM article_aliases WHERE url = ? LIMIT 1`,
    )
    .pluck();
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const reference of references) {
    const id = resolve.get(reference, reference, reference);
    if (id === undefined) unknown.push(reference);
    else if (!ids.includes(id)) ids.push(id);
  }
  if (unknown.length > 0) {
    throw new SyndicateError(
      'input',
      `no article with the id or URL ${unknown.map((value) => JSON.stringify(value)).join(', ')}; nothing removed`,
    );
  }
  if (ids.length === 0) return [];
  const removedAt = (options.now ?? new Date()).toISOString();
  const current = db.prepare<[string], { url: string; language: string | null }>(
    'SELECT url, language FROM articles WHERE id = ?',
  );
  const depart = db.prepare(
    'INSERT INTO article_departures (revision, article_id, url, language, terms, removed_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const deletes = ['article_aliases', 'article_terms'].map((table) =>
    db.prepare(`DELETE FROM ${table} WHERE article_id = ?`),
  );
  const deleteArticle = db.prepare('DELETE FROM articles WHERE id = ?');
  const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
  // Outside a transaction only: SQLite ignores the pragma inside one.
  if (options.alsoRemove) db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      const revision = nextRevision(db);
      for (const id of ids) {
        const { url, language } = current.get(id)!;
        depart.run(revision, id, url, language, JSON.stringify(storedTerms(db, id)), removedAt);
        for (const statement of deletes) statement.run(id);
        deleteArticle.run(id);
      }
      if (options.alsoRemove) {
        options.alsoRemove(ids);
        cascade(db, ids);
        const left = referencesTo(db, ids);
        if (left)
          throw new SyndicateError(
            'store',
            `removing the articles would leave rows in ${left} that refer to them`,
          );
      }
    })();
  } finally {
    if (options.alsoRemove && enforced) db.pragma('foreign_keys = ON');
  }
  return ids;
}

interface Reference {
  name: string;
  column: string;
  onDelete: string;
}

/** The tables with a foreign key to `table`, and what a delete there does to their rows. */
function referencing(db: Db, table: string): Reference[] {
  return db
    .prepare<[string], Reference>(
      `SELECT m.name AS name, f."from" AS column, f.on_delete AS onDelete
       FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND f."table" = ?`,
    )
    .all(table);
}

/**
 * What ON DELETE CASCADE would have done, with foreign keys off: rows that belong to the removed
 * articles (their discoveries, say) go with them. A table that refers to one of those tables in
 * turn is checked, and the removal refused if it would keep a row pointing at nothing.
 */
function cascade(db: Db, ids: readonly string[]): void {
  for (const { name, column, onDelete } of referencing(db, 'articles')) {
    if (onDelete !== 'CASCADE') continue;
    const statement = db.prepare(`DELETE FROM "${name}" WHERE "${column}" = ?`);
    let deleted = 0;
    for (const id of ids) deleted += statement.run(id).changes;
    if (deleted === 0) continue;
    for (const child of referencing(db, name)) {
      if ((db.pragma(`foreign_key_check("${child.name}")`) as unknown[]).length > 0)
        throw new SyndicateError(
          'store',
          `removing the articles would leave rows in ${child.name} that refer to nothing`,
        );
    }
  }
}

/** The first table that still refers to one of `ids` through a foreign key to the articles. */
function referencesTo(db: Db, ids: readonly string[]): string | undefined {
  for (const { name, column } of referencing(db, 'articles')) {
    const statement = db
      .prepare<[string], number>(`SELECT 1 FROM "${name}" WHERE "${column}" = ? LIMIT 1`)
      .pluck();
    if (ids.some((id) => statement.get(id) !== undefined)) return name;
  }
  return undefined;
}

export function getArticle(db: Db, id: string): Article | undefined {
  const row = db.prepare<[string], { record: string }>('SELECT record FROM articles WHERE id = ?').get(id);
  return row ? (JSON.parse(row.record) as Article) : undefined;
}

/** The article whose URL or alias is `url` (exact match; callers normalise first). */
export function findArticleByUrl(db: Db, url: string): Article | undefined {
  const row = db
    .prepare<[string, string], { record: string }>(
      `SELECT record FROM articles WHERE url = ?
       UNION ALL SELECT a.record FROM article_aliases l JOIN articles a ON a.id = l.article_id WHERE l.url = ?
       LIMIT 1`,
    )
    .get(url, url);
  return row ? (JSON.parse(row.record) as Article) : undefined;
}

export function countArticles(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n;
}

/** Every article, newest first, streamed so that a large store never sits in memory at once. */
export function* iterateArticles(db: Db): Generator<Article> {
  const rows = db
    .prepare<[], { record: string }>('SELECT record FROM articles ORDER BY published DESC, id')
    .iterate();
  for (const row of rows) yield JSON.parse(row.record) as Article;
}
