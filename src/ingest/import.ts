import { inputError, isSyndicateError, SyndicateError, type Where } from '../errors.ts';
import { logger } from '../log.ts';
import { buildIndex } from '../match/fingerprint-index.ts';
import type { Article } from '../store/article.ts';
import { articleHash, upsertArticles } from '../store/articles.ts';
import type { Sql } from '../store/sql.ts';
import { type FetchLimits, fetchText } from './fetch.ts';
import { assertNoDuplicates, describeRecord, type ParsedRecord } from './record.ts';
import { detectKind, expandSource, readLocal, readRecords, type SourceKind, type Unit } from './sources.ts';

export interface ImportOptions {
  /** Bounds for sources given as URLs. */
  fetch?: Partial<FetchLimits>;
  /** Stops fetching (the CLI passes its stop signal); files already imported stay imported. */
  signal?: AbortSignal;
  /** The time recorded as `stored_at`, and the date of a feed item that has none anywhere. */
  now?: Date;
  /**
   * Called after each file's articles are committed, with the ids that changed: the point where
   * the matcher re-indexes. The same ids are also in the summary.
   */
  onImported?: (file: FileImport) => void;
}

/** Something the import decided for the user and tells them: the place, and what it did. */
export interface ImportWarning {
  message: string;
  where: Where;
}

/** What happened to one file (or URL): all of it imported, or none of it and why. */
export interface FileImport {
  source: string;
  kind?: SourceKind;
  inserted: string[];
  updated: string[];
  /** Unchanged in the store, or the same article as an earlier file of this run gave. */
  unchanged: string[];
  warnings: ImportWarning[];
  error?: SyndicateError;
}

/** An article this run already imported, and where from. */
interface Seen {
  article: Article;
  place: string;
}

export interface ImportSummary {
  files: FileImport[];
  /** Every article id inserted or updated in this run, in import order: what to re-index. */
  changed: string[];
  inserted: number;
  updated: number;
  unchanged: number;
  /** Files that imported nothing because of an error. */
  failed: number;
}

/**
 * Import articles from paths and URLs. Each file is one unit: it is read and validated whole, then
 * upserted in one transaction; any error leaves the store as it was for that file, and the other
 * files still import. Nothing is printed: the summary says what happened.
 */
export async function importSources(
  sql: Sql,
  sources: readonly string[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const files: FileImport[] = [];
  const seen = new Map<string, Seen>(); // `id X` or `url X` → the article an earlier file of this run gave
  const named = new Set<string>();
  for (const source of sources) {
    let units: Unit[];
    try {
      units = expandSource(source).filter((unit) => !named.has(unit.name));
    } catch (error) {
      files.push(failure(source, undefined, error));
      continue;
    }
    for (const unit of units) {
      named.add(unit.name);
      if (options.signal?.aborted) {
        // A stop between files: what is committed stays, the rest is reported as not imported.
        files.push(failure(unit.name, undefined, inputError('not imported: stopped', { file: unit.name })));
        continue;
      }
      const outcome = await importUnit(sql, unit, seen, options);
      files.push(outcome);
      // Called outside the file's try: a hook that throws must not make a committed file look failed.
      if (!outcome.error) options.onImported?.(outcome);
    }
  }
  const changed = files.flatMap((file) => [...file.inserted, ...file.updated]);
  return {
    files,
    changed,
    inserted: files.reduce((sum, file) => sum + file.inserted.length, 0),
    updated: files.reduce((sum, file) => sum + file.updated.length, 0),
    unchanged: files.reduce((sum, file) => sum + file.unchanged.length, 0),
    failed: files.filter((file) => file.error).length,
  };
}

/** One file or URL: read and validate all of it, then upsert it in one transaction. */
async function importUnit(
  sql: Sql,
  unit: Unit,
  seen: Map<string, Seen>,
  options: ImportOptions,
): Promise<FileImport> {
  let kind: SourceKind | undefined;
  try {
    const text = unit.isUrl
      ? (await fetchText(unit.name, options.fetch, options.signal)).text
      : readLocal(unit.name);
    kind = detectKind(unit.name, text, unit.isUrl);
    const read = await readWithDates(sql, kind, text, unit.name, options);
    assertNoDuplicates(read, unit.name);
    const warnings: ImportWarning[] = read.flatMap((record) =>
      (record.warnings ?? []).map(({ field, message }) => ({
        message,
        where: whereOf(record, unit.name, field),
      })),
    );
    const { records, merged } = mergeWithEarlierFiles(read, unit.name, seen, warnings);
    await assertNoClash(sql, records, unit.name, seen);
    // The articles and their fingerprints change together, so the matcher never sees a stale index.
    const result = await sql.tx(async () => {
      const upserted = await upsertArticles(
        sql,
        records.map((record) => record.article),
        options.now,
      );
      const changed = [...upserted.inserted, ...upserted.updated];
      // A large import fingerprints on worker threads (buildIndex); a small one stays on this thread.
      if (changed.length > 0) await buildIndex(sql, changed);
      return upserted;
    });
    const outcome: FileImport = {
      source: unit.name,
      kind,
      ...result,
      unchanged: [...result.unchanged, ...merged],
      warnings,
    };
    for (const record of records) {
      const entry = { article: record.article, place: `${unit.name} ${describeRecord(record)}` };
      seen.set(`id ${record.article.id}`, entry);
      seen.set(`url ${record.article.url}`, entry);
    }
    logger().debug(
      { source: unit.name, inserted: result.inserted.length, updated: result.updated.length },
      'imported',
    );
    return outcome;
  } catch (error) {
    return failure(unit.name, kind, error);
  }
}

function failure(source: string, kind: SourceKind | undefined, error: unknown): FileImport {
  const known = isSyndicateError(error)
    ? error
    : new SyndicateError(
        'internal',
        (error as Error)?.message ?? String(error),
        { file: source },
        { cause: error },
      );
  return {
    source,
    ...(kind ? { kind } : {}),
    inserted: [],
    updated: [],
    unchanged: [],
    warnings: [],
    error: known,
  };
}

function whereOf(record: ParsedRecord, file: string, field: string): Where {
  return {
    file,
    ...(record.line !== undefined ? { line: record.line } : {}),
    field: record.item ? `${record.item}.${field}` : field,
  };
}

type Item = { id?: string; url?: string };

/**
 * Read a file's records. The date for a feed item without one, when its feed has none either, is
 * the date the store gave it when it was first imported (so that importing the same feed again
 * changes nothing), else now. The readers ask for it synchronously and the store answers
 * asynchronously: a first read collects the items that need it, and only then, when there are
 * any (rare: an undated item in an undated feed), is the file read again with their dates.
 */
async function readWithDates(
  sql: Sql,
  kind: SourceKind,
  text: string,
  file: string,
  options: ImportOptions,
): Promise<ParsedRecord[]> {
  const now = (options.now ?? new Date()).toISOString();
  const asked: Item[] = [];
  const records = await readRecords(kind, text, file, {
    firstImported: (item) => {
      asked.push(item);
      return now;
    },
  });
  if (asked.length === 0) return records;
  const stored = new Map<string, string>(); // `id X` or `url X` → the stored article's date
  for (const { id, url } of asked) {
    const byId =
      id === undefined
        ? undefined
        : await sql.get<{ published: string }>('SELECT published FROM articles WHERE id = ?', [id]);
    if (byId) stored.set(`id ${id}`, byId.published);
    const byUrl =
      url === undefined
        ? undefined
        : await sql.get<{ published: string }>(
            `SELECT published FROM articles WHERE url = ?
             UNION ALL SELECT a.published FROM article_aliases l JOIN articles a ON a.id = l.article_id WHERE l.url = ?
             LIMIT 1`,
            [url, url],
          );
    if (byUrl) stored.set(`url ${url}`, byUrl.published);
  }
  if (stored.size === 0) return records;
  return readRecords(kind, text, file, {
    firstImported: ({ id, url }: Item) =>
      (id !== undefined ? stored.get(`id ${id}`) : undefined) ??
      (url !== undefined ? stored.get(`url ${url}`) : undefined) ??
      now,
  });
}

/** The date that says which of two versions of an article is newer. */
function revision(article: Article): string {
  return article.updated ?? article.published;
}

/**
 * The same article in several files of one run (a publisher's main feed and a category feed) is
 * one article. A record identical to the one an earlier file gave is merged into it; a differing
 * one is kept only when it is newer (its `updated`, else `published`), and either way a warning
 * names both places. An item with no date of its own took the time of import, which says nothing
 * about which version is newer: the earlier file's version stays then.
 */
function mergeWithEarlierFiles(
  records: readonly ParsedRecord[],
  file: string,
  seen: Map<string, Seen>,
  warnings: ImportWarning[],
): { records: ParsedRecord[]; merged: string[] } {
  const kept: ParsedRecord[] = [];
  const merged: string[] = [];
  for (const record of records) {
    const earlier = seen.get(`id ${record.article.id}`);
    if (!earlier) {
      kept.push(record);
      continue;
    }
    if (articleHash(earlier.article) === articleHash(record.article)) {
      merged.push(record.article.id);
      continue;
    }
    const newer =
      !record.warnings?.some((warning) => warning.field === 'published') &&
      revision(record.article) > revision(earlier.article);
    warnings.push({
      message: newer
        ? `article ${JSON.stringify(record.article.id)} is also in ${earlier.place}, differently; this version is newer (${revision(record.article)}) and replaces it`
        : `article ${JSON.stringify(record.article.id)} is also in ${earlier.place}, differently; that version is as new or newer (${revision(earlier.article)}) and stays`,
      where: whereOf(record, file, 'id'),
    });
    if (newer) kept.push(record);
    else merged.push(record.article.id);
  }
  return { records: kept, merged };
}

/**
 * Refuse what the store would reject or silently merge: a URL already stored under another id,
 * or a URL that an earlier file of this same run gave to another article.
 */
async function assertNoClash(
  sql: Sql,
  records: readonly ParsedRecord[],
  file: string,
  seen: Map<string, Seen>,
): Promise<void> {
  // Ids only: the records themselves are not needed, and parsing them would cost more than the import.
  for (const record of records) {
    const { id, url } = record.article;
    const where = { file, ...(record.line !== undefined ? { line: record.line } : {}) };
    const prefix = record.item ? `${record.item}.` : '';
    for (const [field, value] of [
      ['id', id],
      ['url', url],
    ] as const) {
      const earlier = seen.get(`${field} ${value}`);
      // The same id is the same article (merged above); the same url under another id is a clash.
      if (earlier && earlier.article.id !== id) {
        throw inputError(`duplicate ${field} ${JSON.stringify(value)}: also in ${earlier.place}`, {
          ...where,
          field: `${prefix}${field}`,
        });
      }
    }
    const owner = (
      await sql.get<{ id: string }>(
        `SELECT id FROM articles WHERE url = ?
         UNION ALL SELECT article_id FROM article_aliases WHERE url = ? LIMIT 1`,
        [url, url],
      )
    )?.id;
    if (owner === undefined) continue;
    // The article this record will update: by id, or by URL when it has no id of its own.
    const target =
      (await sql.get<{ id: string }>('SELECT id FROM articles WHERE id = ?', [id]))?.id ??
      (id === url ? owner : undefined);
    if (owner !== target) {
      throw inputError(
        `${url} is already stored as article ${JSON.stringify(owner)}; give that id, or another url`,
        { ...where, field: `${prefix}url` },
      );
    }
  }
}
