import type { FeedDefinition, Publisher } from '../config/feeds.ts';
import type { Article } from '../store/article.ts';
import type { Db } from '../store/db.ts';

/**
 * Which articles a feed carries: its filter over `article_terms` (authors, categories by scheme,
 * tags) and `articles.language`, newest first, at most `limit`. Within one field any listed value
 * matches; every field given must match. Only ids and content hashes are read here, so that a
 * rebuild can tell an unchanged feed without loading a single article.
 */

export interface SelectedArticle {
  id: string;
  hash: string;
}

export function feedQuery(
  definition: FeedDefinition,
  publisher: Publisher,
): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const terms = (kind: string, scheme: string | undefined, values: readonly string[]) => {
    const schemeTest = scheme === undefined ? '' : ' AND scheme = ?';
    where.push(
      `a.id IN (SELECT article_id FROM article_terms WHERE kind = ?${schemeTest} AND value IN (${values.map(() => '?').join(', ')}))`,
    );
    params.push(kind, ...(scheme === undefined ? [] : [scheme]), ...values);
  };
  const { filter } = definition;
  for (const [scheme, values] of Object.entries(filter.categories ?? {})) {
    terms('category', scheme === '*' ? undefined : scheme, values);
  }
  if (filter.authors) terms('author', '', filter.authors);
  if (filter.tags) terms('tag', '', filter.tags);
  if (filter.language) {
    where.push('(coalesce(a.language, ?) = ? COLLATE NOCASE OR coalesce(a.language, ?) LIKE ?)');
    params.push(publisher.language, filter.language, publisher.language, `${filter.language}-%`);
  }
  const sql =
    `SELECT a.id, a.hash FROM articles a${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
    ' ORDER BY a.published DESC, a.id LIMIT ?';
  params.push(definition.limit);
  return { sql, params };
}

export function selectFeedArticles(
  db: Db,
  definition: FeedDefinition,
  publisher: Publisher,
): SelectedArticle[] {
  const { sql, params } = feedQuery(definition, publisher);
  return db.prepare<unknown[], SelectedArticle>(sql).all(...params);
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
