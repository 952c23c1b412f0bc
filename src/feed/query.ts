import type { FeedDefinition, Publisher } from '../config/feeds.ts';
import type { Article } from '../store/article.ts';
import type { Db } from '../store/db.ts';

/**
 * Which articles a feed carries: its filter over `article_terms` (authors, categories by scheme,
 * tags) and `articles.language`, newest first, at most `limit`. Within one field any listed value
 * matches; every field given must match. Only ids and content hashes are read, so that a rebuild
 * can tell an unchanged feed without loading a single article.
 *
 * Articles are large rows (their whole record), so every row read is dear and the store must not
 * be walked row by row. `FeedSelector` reads the newest-first order of all ids once per build from
 * the `articles_published` index alone; a feed then intersects the article ids of its terms (from
 * the small `article_terms` table), puts them in that order, and reads rows only for the items it
 * keeps (and, with a language filter, for the ones it looks at). `feedQuery` says the same in one
 * SQL statement; it is the reference the selector is tested against.
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

const ANY_SCHEME = '\u0000*';

function termKey(kind: string, scheme: string, value: string): string {
  return `${kind}\u0000${scheme}\u0000${value}`;
}

/**
 * Selects the articles of many feeds from one store; make one per build, with every definition
 * the build will ask about, so that `article_terms` is read once, in one sequential pass, for all.
 */
export class FeedSelector {
  private order: string[] | undefined;
  private rank: Map<string, number> | undefined;
  /** Term key to the ids of the articles that have it, for every term some feed asks about. */
  private readonly articlesByTerm = new Map<string, string[]>();
  private readonly row;

  constructor(
    private readonly db: Db,
    definitions: readonly FeedDefinition[] = [],
  ) {
    this.row = db.prepare<[string], { hash: string; language: string | null }>(
      'SELECT hash, language FROM articles WHERE id = ?',
    );
    // The wanted terms by kind and scheme, each set read in one statement that hands back every
    // term's article ids joined in one string (row by row, 400,000 term rows cost a second).
    const wanted = new Map<string, { kind: string; scheme: string | undefined; values: Set<string> }>();
    for (const definition of definitions) {
      for (const group of termGroups(definition)) {
        const key = `${group.kind}\u0000${group.scheme ?? ANY_SCHEME}`;
        const entry = wanted.get(key) ?? {
          kind: group.kind,
          scheme: group.scheme,
          values: new Set<string>(),
        };
        for (const value of group.values) entry.values.add(value);
        wanted.set(key, entry);
      }
    }
    for (const { kind, scheme, values } of wanted.values()) {
      const condition = termCondition({ kind, scheme, values: [...values] }, 't');
      const rows = db
        .prepare<unknown[], [string, string]>(
          `SELECT t.value, group_concat(t.article_id, char(1)) FROM article_terms t WHERE ${condition.sql} GROUP BY t.value`,
        )
        .raw()
        .all(...condition.params);
      for (const value of values) this.articlesByTerm.set(termKey(kind, scheme ?? ANY_SCHEME, value), []);
      for (const [value, ids] of rows) {
        this.articlesByTerm.set(termKey(kind, scheme ?? ANY_SCHEME, value), ids.split('\u0001'));
      }
    }
  }

  /** Every id, newest first, read from the index without touching a row. */
  private newestFirst(): { order: string[]; rank: Map<string, number> } {
    if (!this.order || !this.rank) {
      this.order = this.db
        .prepare<[], string>(
          'SELECT id FROM articles INDEXED BY articles_published ORDER BY published DESC, id',
        )
        .pluck()
        .all();
      this.rank = new Map(this.order.map((id, index) => [id, index]));
    }
    return { order: this.order, rank: this.rank };
  }

  private articlesOf(group: TermGroup): Set<string> {
    const ids = new Set<string>();
    for (const value of group.values) {
      let list = this.articlesByTerm.get(termKey(group.kind, group.scheme ?? ANY_SCHEME, value));
      if (!list) {
        const condition = termCondition({ ...group, values: [value] }, 't');
        list = this.db
          .prepare<unknown[], string>(`SELECT t.article_id FROM article_terms t WHERE ${condition.sql}`)
          .pluck()
          .all(...condition.params);
      }
      for (const id of list) ids.add(id);
    }
    return ids;
  }

  select(definition: FeedDefinition, publisher: Publisher): SelectedArticle[] {
    const { order, rank } = this.newestFirst();
    let candidates: Iterable<string> = order;
    const groups = termGroups(definition);
    if (groups.length > 0) {
      const [smallest, ...others] = groups
        .map((group) => this.articlesOf(group))
        .sort((a, b) => a.size - b.size);
      const ranks: number[] = [];
      for (const id of smallest!) {
        const position = rank.get(id);
        if (position !== undefined && others.every((set) => set.has(id))) ranks.push(position);
      }
      candidates = Int32Array.from(ranks)
        .sort()
        .reduce<string[]>((ids, position) => {
          ids.push(order[position]!);
          return ids;
        }, []);
    }
    const { language } = definition.filter;
    const selected: SelectedArticle[] = [];
    for (const id of candidates) {
      if (selected.length >= definition.limit) break;
      const row = this.row.get(id);
      if (!row) continue;
      if (language && !languageMatches(row.language, publisher, language)) continue;
      selected.push({ id, hash: row.hash });
    }
    return selected;
  }
}

/** One feed's selection (a build selects through one `FeedSelector` for all its feeds). */
export function selectFeedArticles(
  db: Db,
  definition: FeedDefinition,
  publisher: Publisher,
): SelectedArticle[] {
  return new FeedSelector(db, [definition]).select(definition, publisher);
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
