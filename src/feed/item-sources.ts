import type { Article } from '../store/article.ts';
import type { Sql } from '../store/sql.ts';
import { codeVersion } from '../version.ts';
import { type ItemSource, itemSource } from './source/item-source.ts';

/**
 * Each article's feed item source (`source/item-source.ts`: its HTML cleaned, its summary made),
 * kept in the store's `feed_item_sources`, so that cleaning, which costs as much as rendering, is
 * paid once per article version and not by every build. `syndicate import` makes the sources of
 * the articles it writes (`prepareItemSources`); a build reads them (`ItemSources`) and makes,
 * and then stores, any that are missing or stale: a store written by other means, or by an older
 * version of the cleaning code. A stored source is taken only if it was made from the article's
 * current hash by the current code, so it can never put other text in a feed than cleaning the
 * record again would.
 */

/** The code a source is a function of: the folder that makes it and the text helpers it uses. */
export function itemSourceCode(): string {
  return codeVersion(['feed/source', 'text']);
}

/** Ids read in one statement: big enough to cost few round trips, small enough to hold. */
const IDS_PER_READ = 500;

interface Made {
  id: string;
  hash: string;
  source: ItemSource;
}

async function readRecords(
  sql: Sql,
  ids: readonly string[],
): Promise<Array<{ id: string; hash: string; record: string }>> {
  const rows: Array<{ id: string; hash: string; record: string }> = [];
  for (let start = 0; start < ids.length; start += IDS_PER_READ) {
    rows.push(
      ...(await sql.all<{ id: string; hash: string; record: string }>(
        `SELECT id, hash, record FROM articles WHERE id IN ${sql.dialect.jsonValues('?')}`,
        [JSON.stringify(ids.slice(start, start + IDS_PER_READ))],
      )),
    );
  }
  return rows;
}

/** Store sources (replacing older ones); a source whose article has left the store meanwhile is skipped. */
async function storeSources(sql: Sql, made: readonly Made[]): Promise<void> {
  const code = itemSourceCode();
  await sql.tx(async () => {
    for (const { id, hash, source } of made) {
      await sql.run(
        `INSERT INTO feed_item_sources (article_id, article_hash, code, source)
         SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?)
         ON CONFLICT (article_id) DO UPDATE SET article_hash = excluded.article_hash,
           code = excluded.code, source = excluded.source`,
        [id, hash, code, JSON.stringify(source), id],
      );
    }
  });
}

/**
 * Make and store the sources of the articles `ids` (what `import` wrote), those not already up to
 * date. Returns how many were made.
 */
export async function prepareItemSources(sql: Sql, ids: readonly string[]): Promise<number> {
  const code = itemSourceCode();
  let count = 0;
  for (let start = 0; start < ids.length; start += IDS_PER_READ) {
    const chunk = JSON.stringify(ids.slice(start, start + IDS_PER_READ));
    const stale = await sql.all<{ id: string; hash: string; record: string }>(
      `SELECT a.id AS id, a.hash AS hash, a.record AS record FROM articles a
       LEFT JOIN feed_item_sources s ON s.article_id = a.id
       WHERE a.id IN ${sql.dialect.jsonValues('?')}
         AND (s.article_id IS NULL OR s.article_hash <> a.hash OR s.code <> ?)`,
      [chunk, code],
    );
    const made = stale.map(({ id, hash, record }) => ({
      id,
      hash,
      source: itemSource(JSON.parse(record) as Article),
    }));
    if (made.length > 0) await storeSources(sql, made);
    count += made.length;
  }
  return count;
}

/** Every article whose source is missing or stale (a store written before sources, or by older code). */
export async function staleItemSources(sql: Sql): Promise<string[]> {
  const rows = await sql.all<{ id: string }>(
    `SELECT a.id AS id FROM articles a LEFT JOIN feed_item_sources s ON s.article_id = a.id
     WHERE s.article_id IS NULL OR s.article_hash <> a.hash OR s.code <> ? ORDER BY a.id`,
    [itemSourceCode()],
  );
  return rows.map((row) => row.id);
}

/** A source asked for before it was loaded: the build loads it and renders the document again. */
export class SourceNotLoaded extends Error {
  constructor(readonly articleId: string) {
    super(`the item source of ${articleId} was not loaded`);
  }
}

/**
 * A build's sources: `load` reads those of the articles about to be prepared; `get` answers from
 * memory until they are let go (`release`), once their items are. A source missing or stale in
 * the store is made from the record (once a build: made sources are kept until `save` stores them).
 */
export class ItemSources {
  private readonly byId = new Map<string, ItemSource>();
  /** Ids asked for: an id asked for and not found has vanished from the store during the build. */
  private readonly asked = new Set<string>();
  /** Every id read in this build, released or not. */
  private readonly read = new Set<string>();
  private readonly made: Made[] = [];
  private readonly madeById = new Map<string, ItemSource>();

  /** `trusted: false` (a forced build) reads no stored source: each is made again from its record, and stored. */
  constructor(
    private readonly sql: Sql,
    private readonly trusted = true,
  ) {}

  /** Read the sources of `articles` not read yet (each with the hash the build selected it by). */
  async load(articles: ReadonlyArray<{ id: string; hash: string }>): Promise<void> {
    const wanted = new Map<string, string>();
    for (const { id, hash } of articles) if (!this.asked.has(id)) wanted.set(id, hash);
    if (wanted.size === 0) return;
    const code = itemSourceCode();
    const ids: string[] = [];
    for (const id of wanted.keys()) {
      this.asked.add(id);
      this.read.add(id);
      const made = this.madeById.get(id);
      if (made) this.byId.set(id, made);
      else ids.push(id);
    }
    const missing: string[] = this.trusted ? [] : ids;
    for (let start = 0; this.trusted && start < ids.length; start += IDS_PER_READ) {
      const chunk = ids.slice(start, start + IDS_PER_READ);
      const rows = await this.sql.all<{ id: string; hash: string; code: string; source: string }>(
        `SELECT article_id AS id, article_hash AS hash, code, source FROM feed_item_sources
         WHERE article_id IN ${this.sql.dialect.jsonValues('?')}`,
        [JSON.stringify(chunk)],
      );
      const found = new Set<string>();
      for (const row of rows) {
        if (row.code !== code || row.hash !== wanted.get(row.id)) continue;
        this.byId.set(row.id, JSON.parse(row.source) as ItemSource);
        found.add(row.id);
      }
      for (const id of chunk) if (!found.has(id)) missing.push(id);
    }
    for (const { id, hash, record } of await readRecords(this.sql, missing)) {
      const source = itemSource(JSON.parse(record) as Article);
      this.byId.set(id, source);
      this.made.push({ id, hash, source });
      this.madeById.set(id, source);
    }
  }

  /** Let the sources of `articles` go: asked for again, they are read again. */
  release(articles: ReadonlyArray<{ id: string }>): void {
    for (const { id } of articles) {
      this.byId.delete(id);
      this.asked.delete(id);
    }
  }

  /** The source `load` read or made; throws `SourceNotLoaded` for one it was never asked for. */
  get(id: string): ItemSource {
    const source = this.byId.get(id);
    if (source) return source;
    if (!this.asked.has(id)) throw new SourceNotLoaded(id);
    throw new Error(`article ${id} vanished from the store during the build`);
  }

  /** How many articles' sources were asked for. */
  get readCount(): number {
    return this.read.size;
  }

  /** How many of them were made from records (missing or stale in the store, or not trusted). */
  get madeCount(): number {
    return this.made.length;
  }

  /** Store the sources this build made, for the next build. */
  async save(): Promise<void> {
    if (this.made.length > 0) await storeSources(this.sql, this.made);
    this.made.length = 0;
    this.madeById.clear();
  }
}
