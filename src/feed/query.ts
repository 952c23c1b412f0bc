import type { Statement } from 'better-sqlite3';
import type { FeedDefinition, Publisher } from '../config/feeds.ts';
import type { Article } from '../store/article.ts';
import type { Db } from '../store/db.ts';

/**
 * Which articles a feed carries: its filter over `article_terms` (authors, categories by scheme,
 * tags) and `articles.language`, newest first, at most `limit`. Within one field any listed value
 * matches; every field given must match. Only ids and content hashes are read, so that a rebuild
 * can tell an unchanged feed without loading a single article.
 *
 * Articles are large rows (their whole record), so every row read is dear: selection reads only
 * indexes (see `FeedSelector`). `feedQuery` says the same in one SQL statement; it is the
 * reference the selector is tested against.
 */

export interface SelectedArticle {
  id: string;
  hash: string;
}

interface TermGroup {
  kind: string;
  /** undefined: any scheme. */
  scheme: string | undefined;
  values: readonly string[];
}

function termGroups(definition: FeedDefinition): TermGroup[] {
  const { filter } = definition;
  const groups: TermGroup[] = [];
  for (const [scheme, values] of Object.entries(filter.categories ?? {})) {
    groups.push({ kind: 'category', scheme: scheme === '*' ? undefined : scheme, values });
  }
  if (filter.authors) groups.push({ kind: 'author', scheme: '', values: filter.authors });
  if (filter.tags) groups.push({ kind: 'tag', scheme: '', values: filter.tags });
  return groups;
}

function termCondition(group: TermGroup, alias: string): { sql: string; params: unknown[] } {
  const scheme = group.scheme === undefined ? '' : ` AND ${alias}.scheme = ?`;
  return {
    sql: `${alias}.kind = ?${scheme} AND ${alias}.value IN (${group.values.map(() => '?').join(', ')})`,
    params: [group.kind, ...(group.scheme === undefined ? [] : [group.scheme]), ...group.values],
  };
}

/** The selection as one SQL statement (slow on a large store: the reference for tests). */
export function feedQuery(
  definition: FeedDefinition,
  publisher: Publisher,
): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const group of termGroups(definition)) {
    const condition = termCondition(group, 't');
    where.push(`EXISTS (SELECT 1 FROM article_terms t WHERE t.article_id = a.id AND ${condition.sql})`);
    params.push(...condition.params);
  }
  const { language } = definition.filter;
  if (language) {
    where.push('(coalesce(a.language, ?) = ? COLLATE NOCASE OR coalesce(a.language, ?) LIKE ?)');
    params.push(publisher.language, language, publisher.language, `${language}-%`);
  }
  const sql =
    `SELECT a.id, a.hash FROM articles a${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
    ' ORDER BY a.published DESC, a.id LIMIT ?';
  params.push(definition.limit);
  return { sql, params };
}

/** Whether an article's language (or the publisher's, when it has none) is `wanted` or a variant of it. */
export function languageMatches(language: string | null, publisher: Publisher, wanted: string): boolean {
  const actual = (language ?? publisher.language).toLowerCase();
  const target = wanted.toLowerCase();
  return actual === target || actual.startsWith(`${target}-`);
}

/** What a feed filter is tested against: an article's terms and language (now, or before a write). */
export interface ArticleFacts {
  language: string | null;
  terms: ReadonlyArray<readonly [kind: string, scheme: string, value: string]>;
}

/** Whether a feed's filter takes an article with these terms and language (the selection's rule, in memory). */
export function filterMatches(
  definition: FeedDefinition,
  publisher: Publisher,
  facts: ArticleFacts,
): boolean {
  const { language } = definition.filter;
  if (language && !languageMatches(facts.language, publisher, language)) return false;
  return termGroups(definition).every((group) =>
    facts.terms.some(
      ([kind, scheme, value]) =>
        kind === group.kind &&
        (group.scheme === undefined || scheme === group.scheme) &&
        group.values.includes(value),
    ),
  );
}

/**
 * Selects the articles of feeds, each from the indexes that answer its filter directly: an
 * unfiltered feed walks `articles_newest`; a filtered one walks the newest-first range of one of
 * its terms in `article_terms_newest` (the rarest, when it has several) and checks each candidate's
 * other terms by primary key, stopping once it has its items. Hash and language come from the
 * covering index, so no article row is read. The definitions argument is accepted for callers of
 * the earlier, read-everything-first selector and no longer needed.
 */
export class FeedSelector {
  private readonly newest;
  private readonly statements = new Map<string, Statement<unknown[]>>();

  constructor(
    private readonly db: Db,
    _definitions: readonly FeedDefinition[] = [],
  ) {
    this.newest = db.prepare<[], { id: string; hash: string; language: string | null }>(
      'SELECT id, hash, language FROM articles INDEXED BY articles_newest ORDER BY published DESC, id',
    );
  }

  private statement(sql: string) {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[]>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * The newest-first candidates of a filtered feed: one range of the driving group's index, the
   * other groups and the language checked in the same statement (by primary key and covering
   * index), so that SQLite stops reading as soon as the caller has its items.
   */
  private candidates(
    driver: TermGroup,
    others: readonly TermGroup[],
    language: string | undefined,
    publisher: Publisher,
  ): Iterable<SelectedArticle> {
    const where: string[] = [];
    const params: unknown[] = [];
    const condition = termCondition(driver, 't');
    where.push(condition.sql);
    params.push(...condition.params);
    for (const [index, group] of others.entries()) {
      const other = termCondition(group, `o${index}`);
      where.push(
        `EXISTS (SELECT 1 FROM article_terms o${index} WHERE o${index}.article_id = t.article_id AND ${other.sql})`,
      );
      params.push(...other.params);
    }
    if (language) {
      where.push('(coalesce(a.language, ?) = ? COLLATE NOCASE OR coalesce(a.language, ?) LIKE ?)');
      params.push(publisher.language, language, publisher.language, `${language}-%`);
    }
    return this.statement(
      `SELECT t.article_id AS id, a.hash AS hash FROM article_terms t INDEXED BY article_terms_newest
       JOIN articles a INDEXED BY articles_newest ON a.published = t.published AND a.id = t.article_id
       WHERE ${where.join(' AND ')} ORDER BY t.published DESC, t.article_id`,
    ).iterate(...params) as Iterable<SelectedArticle>;
  }

  private groupSize(group: TermGroup): number {
    const condition = termCondition(group, 't');
    return this.statement(`SELECT count(*) FROM article_terms t WHERE ${condition.sql}`)
      .pluck()
      .get(...condition.params) as number;
  }

  /** The feed's articles, newest first, at most `limit` (default: the definition's). */
  select(
    definition: FeedDefinition,
    publisher: Publisher,
    limit: number = definition.limit,
  ): SelectedArticle[] {
    const { language } = definition.filter;
    const selected: SelectedArticle[] = [];
    if (limit <= 0) return selected;
    const groups = termGroups(definition);
    if (groups.length === 0) {
      for (const row of this.newest.iterate()) {
        if (language && !languageMatches(row.language, publisher, language)) continue;
        selected.push({ id: row.id, hash: row.hash });
        if (selected.length >= limit) break;
      }
      return selected;
    }
    // The rarest group drives: the fewest candidates to look at when the groups seldom meet.
    const [driver, ...others] =
      groups.length === 1
        ? groups
        : groups
            .map((group) => ({ group, size: this.groupSize(group) }))
            .sort((a, b) => a.size - b.size)
            .map(({ group }) => group);
    const seen = new Set<string>();
    const rows = this.candidates(driver!, others, language, publisher);
    for (const row of rows) {
      // A group of several values yields an article once for each value it has.
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      selected.push({ id: row.id, hash: row.hash });
      if (selected.length >= limit) {
        (rows as IterableIterator<SelectedArticle>).return?.();
        break;
      }
    }
    return selected;
  }
}

/** One feed's selection. */
export function selectFeedArticles(
  db: Db,
  definition: FeedDefinition,
  publisher: Publisher,
  limit: number = definition.limit,
): SelectedArticle[] {
  return new FeedSelector(db).select(definition, publisher, limit);
}

/** Reads article records by id, each at most once however many feeds carry it. */
export class ArticleCache {
  private readonly byId = new Map<string, Article>();
  private readonly statement;

  constructor(db: Db) {
    this.statement = db.prepare<[string], { record: string }>('SELECT record FROM articles WHERE id = ?');
  }

  get(id: string): Article {
    let article = this.byId.get(id);
    if (!article) {
      const row = this.statement.get(id);
      if (!row) throw new Error(`article ${id} vanished from the store during the build`);
      article = JSON.parse(row.record) as Article;
      this.byId.set(id, article);
    }
    return article;
  }
}
