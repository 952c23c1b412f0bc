import type { FeedDefinition, Publisher } from '../config/feeds.ts';
import type { Article } from '../store/article.ts';
import type { Dialect, Param, Sql } from '../store/sql.ts';

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

function termCondition(group: TermGroup, alias: string): { sql: string; params: Param[] } {
  const scheme = group.scheme === undefined ? '' : ` AND ${alias}.scheme = ?`;
  return {
    sql: `${alias}.kind = ?${scheme} AND ${alias}.value IN (${group.values.map(() => '?').join(', ')})`,
    params: [group.kind, ...(group.scheme === undefined ? [] : [group.scheme]), ...group.values],
  };
}

/** The language filter in SQL: the article's language, else the publisher's, is `language` or a variant of it. */
function languageCondition(
  dialect: Dialect,
  language: string,
  publisher: Publisher,
): { sql: string; params: Param[] } {
  return {
    sql: `(${dialect.equalsIgnoringCase('coalesce(a.language, ?)', '?')} OR ${dialect.likeIgnoringCase('coalesce(a.language, ?)', '?')})`,
    params: [publisher.language, language, publisher.language, `${language}-%`],
  };
}

/** The selection as one SQL statement (slow on a large store: the reference for tests). */
export function feedQuery(
  definition: FeedDefinition,
  publisher: Publisher,
  dialect: Dialect,
): { sql: string; params: Param[] } {
  const where: string[] = [];
  const params: Param[] = [];
  for (const group of termGroups(definition)) {
    const condition = termCondition(group, 't');
    where.push(`EXISTS (SELECT 1 FROM article_terms t WHERE t.article_id = a.id AND ${condition.sql})`);
    params.push(...condition.params);
  }
  const { language } = definition.filter;
  if (language) {
    const condition = languageCondition(dialect, language, publisher);
    where.push(condition.sql);
    params.push(...condition.params);
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

/** Candidate rows read at a time, beyond the items still wanted: a term of several values repeats articles. */
const SLACK_ROWS = 16;

/**
 * Selects the articles of feeds, each from the indexes that answer its filter directly: an
 * unfiltered feed walks `articles_newest`; a filtered one walks the newest-first range of one of
 * its terms in `article_terms_newest` (the rarest, when it has several) and checks each candidate's
 * other terms by primary key, stopping once it has its items. Hash and language come from the
 * covering index, so no article row is read. On SQLite the indexes are named (`INDEXED BY`), so
 * that its planner never sorts the whole range instead; PostgreSQL's planner picks them itself.
 *
 * On SQLite, a filter of terms alone whose fields all name their scheme (`categories: { Theme:
 * […], Region: […] }`, authors, tags) is answered by merging the newest-first ranges of its terms
 * (`mergedSelect`), which reads each range in order and no row twice: checking candidates by
 * primary key instead touched a page of the terms table for every candidate (about a thousand,
 * for two terms each held by one article in twenty), and took five times as long.
 *
 * The definitions argument is accepted for callers of the earlier, read-everything-first selector
 * and no longer needed.
 */
export class FeedSelector {
  constructor(
    private readonly sql: Sql,
    _definitions: readonly FeedDefinition[] = [],
  ) {}

  private indexedBy(index: string): string {
    return this.sql.engine === 'sqlite' ? ` INDEXED BY ${index}` : '';
  }

  /**
   * The newest-first candidates of a filtered feed after `after` (the last one read), at most
   * `count`: one range of the driving group's index, the other groups and the language checked in
   * the same statement (by primary key and covering index), so that the engine stops reading as
   * soon as it has them.
   */
  private candidates(
    driver: TermGroup,
    others: readonly TermGroup[],
    language: string | undefined,
    publisher: Publisher,
    after: { published: string; id: string } | undefined,
    count: number,
  ): Promise<Array<SelectedArticle & { published: string }>> {
    const where: string[] = [];
    const params: Param[] = [];
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
      const filter = languageCondition(this.sql.dialect, language, publisher);
      where.push(filter.sql);
      params.push(...filter.params);
    }
    if (after) {
      // A range of the index (`published <= ?`), the ties before the last one read filtered out.
      where.push('t.published <= ? AND (t.published < ? OR t.article_id > ?)');
      params.push(after.published, after.published, after.id);
    }
    params.push(count);
    return this.sql.all(
      `SELECT t.article_id AS id, a.hash AS hash, t.published AS published
       FROM article_terms t${this.indexedBy('article_terms_newest')}
       JOIN articles a${this.indexedBy('articles_newest')} ON a.published = t.published AND a.id = t.article_id
       WHERE ${where.join(' AND ')} ORDER BY t.published DESC, t.article_id LIMIT ?`,
      params,
    );
  }

  private async groupSize(group: TermGroup): Promise<number> {
    const condition = termCondition(group, 't');
    const row = await this.sql.get<{ n: number }>(
      `SELECT count(*) AS n FROM article_terms t WHERE ${condition.sql}`,
      condition.params,
    );
    return Number(row!.n);
  }

  /**
   * The articles holding a term of every group, newest first, at most `limit`: one compound
   * statement that SQLite runs as a merge of index ranges, each read newest first (a group of
   * several values is the union of their ranges, and comes first: SQLite's compound operators
   * bind left to right, and the others hold one value each). Undefined when the filter is not of
   * that kind (another engine, a language, a field of any scheme, two fields of several values).
   */
  private mergedSelect(
    groups: readonly TermGroup[],
    language: string | undefined,
    limit: number,
  ): Promise<SelectedArticle[]> | undefined {
    const several = groups.filter((group) => group.values.length > 1).length;
    if (
      this.sql.engine !== 'sqlite' ||
      language ||
      several > 1 ||
      (groups.length < 2 && several === 0) ||
      groups.some((group) => group.scheme === undefined)
    )
      return undefined;
    const params: Param[] = [];
    const compound = [...groups]
      .sort((a, b) => b.values.length - a.values.length)
      .map((group) =>
        group.values
          .map((value) => {
            params.push(group.kind, group.scheme!, value);
            return `SELECT published, article_id FROM article_terms${this.indexedBy('article_terms_newest')}
              WHERE kind = ? AND scheme = ? AND value = ?`;
          })
          .join(' UNION '),
      )
      .join(' INTERSECT ');
    params.push(limit);
    return this.sql.all<SelectedArticle>(
      `SELECT x.article_id AS id, a.hash AS hash
       FROM (${compound} ORDER BY published DESC, article_id LIMIT ?) x
       JOIN articles a${this.indexedBy('articles_newest')} ON a.published = x.published AND a.id = x.article_id
       ORDER BY x.published DESC, x.article_id`,
      params,
    );
  }

  /** The feed's articles, newest first, at most `limit` (default: the definition's). */
  async select(
    definition: FeedDefinition,
    publisher: Publisher,
    limit: number = definition.limit,
  ): Promise<SelectedArticle[]> {
    const { language } = definition.filter;
    if (limit <= 0) return [];
    const groups = termGroups(definition);
    const merged = this.mergedSelect(groups, language, limit);
    if (merged) return merged;
    if (groups.length === 0) {
      const filter = language ? languageCondition(this.sql.dialect, language, publisher) : undefined;
      return this.sql.all<SelectedArticle>(
        `SELECT a.id AS id, a.hash AS hash FROM articles a${this.indexedBy('articles_newest')}
         ${filter ? `WHERE ${filter.sql}` : ''} ORDER BY a.published DESC, a.id LIMIT ?`,
        [...(filter?.params ?? []), limit],
      );
    }
    // The rarest group drives: the fewest candidates to look at when the groups seldom meet.
    const [driver, ...others] =
      groups.length === 1
        ? groups
        : (await Promise.all(groups.map(async (group) => ({ group, size: await this.groupSize(group) }))))
            .sort((a, b) => a.size - b.size)
            .map(({ group }) => group);
    // A group of several values yields an article once for each value it has: read on past the
    // repeats, a page at a time, until the feed has its items or the range ends.
    const repeats = driver!.values.length > 1;
    const selected: SelectedArticle[] = [];
    const seen = new Set<string>();
    let after: { published: string; id: string } | undefined;
    for (;;) {
      const wanted = limit - selected.length;
      const count = repeats ? Math.min(wanted + SLACK_ROWS, Number.MAX_SAFE_INTEGER) : wanted;
      const rows = await this.candidates(driver!, others, language, publisher, after, count);
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        selected.push({ id: row.id, hash: row.hash });
        if (selected.length >= limit) return selected;
      }
      const last = rows.at(-1);
      if (!last || rows.length < count) return selected;
      after = { published: last.published, id: last.id };
    }
  }
}

/** One feed's selection. */
export function selectFeedArticles(
  sql: Sql,
  definition: FeedDefinition,
  publisher: Publisher,
  limit: number = definition.limit,
): Promise<SelectedArticle[]> {
  return new FeedSelector(sql).select(definition, publisher, limit);
}

/**
 * Reads article records by id, each at most once however many feeds carry it. `load` reads the
 * ones a feed needs in one statement before it is rendered; `get` then answers from memory.
 */
export class ArticleCache {
  private readonly byId = new Map<string, Article>();

  constructor(private readonly sql: Sql) {}

  /** Read the records of `ids` not read yet. */
  async load(ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids.filter((id) => !this.byId.has(id)))];
    for (let start = 0; start < missing.length; start += IDS_PER_READ) {
      const chunk = missing.slice(start, start + IDS_PER_READ);
      const rows = await this.sql.all<{ id: string; record: string }>(
        `SELECT id, record FROM articles WHERE id IN ${this.sql.dialect.jsonValues('?')}`,
        [JSON.stringify(chunk)],
      );
      for (const row of rows) this.byId.set(row.id, JSON.parse(row.record) as Article);
    }
  }

  /** A record `load` read; an id it did not find has vanished from the store during the build. */
  get(id: string): Article {
    const article = this.byId.get(id);
    if (!article) throw new Error(`article ${id} vanished from the store during the build`);
    return article;
  }
}

/** Records read by one statement: big enough to cost few round trips, small enough to hold. */
const IDS_PER_READ = 500;
