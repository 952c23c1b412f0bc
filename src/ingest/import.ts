import { inputError, isSyndicateError, SyndicateError } from '../errors.ts';
import { logger } from '../log.ts';
import { indexArticles } from '../match/fingerprint-index.ts';
import { upsertArticles } from '../store/articles.ts';
import type { Db } from '../store/db.ts';
import { type FetchLimits, fetchText } from './fetch.ts';
import { assertNoDuplicates, describeRecord, type ParsedRecord } from './record.ts';
import { detectKind, expandSource, readLocal, readRecords, type SourceKind, type Unit } from './sources.ts';

export interface ImportOptions {
  /** Bounds for sources given as URLs. */
  fetch?: Partial<FetchLimits>;
  /** Stops fetching (the CLI passes its stop signal); files already imported stay imported. */
  signal?: AbortSignal;
  /** The time recorded as `stored_at`. */
  now?: Date;
  /**
   * Called after each file's articles are committed, with the ids that changed: the point where
   * the matcher re-indexes. The same ids are also in the summary.
   */
  onImported?: (file: FileImport) => void;
}

/** What happened to one file (or URL): all of it imported, or none of it and why. */
export interface FileImport {
  source: string;
  kind?: SourceKind;
  inserted: string[];
  updated: string[];
  unchanged: string[];
  error?: SyndicateError;
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
  db: Db,
  sources: readonly string[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const files: FileImport[] = [];
  const seen = new Map<string, string>(); // id or url → where it was imported from in this run
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
      const outcome = await importUnit(db, unit, seen, options);
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
  db: Db,
  unit: Unit,
  seen: Map<string, string>,
  options: ImportOptions,
): Promise<FileImport> {
  let kind: SourceKind | undefined;
  try {
    const text = unit.isUrl
      ? (await fetchText(unit.name, options.fetch, options.signal)).text
      : readLocal(unit.name);
    kind = detectKind(unit.name, text, unit.isUrl);
    const records = await readRecords(kind, text, unit.name);
    assertNoDuplicates(records, unit.name);
    assertNoClash(db, records, unit.name, seen);
    // The articles and their fingerprints change together, so the matcher never sees a stale index.
    const result = db.transaction(() => {
      const upserted = upsertArticles(
        db,
        records.map((record) => record.article),
        options.now,
      );
      const changed = [...upserted.inserted, ...upserted.updated];
      if (changed.length > 0) indexArticles(db, changed);
      return upserted;
    })();
    const outcome: FileImport = { source: unit.name, kind, ...result };
    for (const record of records) {
      const place = `${unit.name} ${describeRecord(record)}`;
      seen.set(`id ${record.article.id}`, place);
      seen.set(`url ${record.article.url}`, place);
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
  return { source, ...(kind ? { kind } : {}), inserted: [], updated: [], unchanged: [], error: known };
}

/**
 * Refuse what the store would reject or silently merge: a URL already stored under another id,
 * or an id or URL that an earlier file of this same run already gave.
 */
function assertNoClash(
  db: Db,
  records: readonly ParsedRecord[],
  file: string,
  seen: Map<string, string>,
): void {
  // Ids only: the records themselves are not needed, and parsing them would cost more than the import.
  const byId = db.prepare<[string], { id: string }>('SELECT id FROM articles WHERE id = ?').pluck();
  const byUrl = db
    .prepare<[string, string], string>(
      `SELECT id FROM articles WHERE url = ?
       UNION ALL SELECT article_id FROM article_aliases WHERE url = ? LIMIT 1`,
    )
    .pluck();
  for (const record of records) {
    const { id, url } = record.article;
    const where = { file, ...(record.line !== undefined ? { line: record.line } : {}) };
    const prefix = record.item ? `${record.item}.` : '';
    for (const [field, value] of [
      ['id', id],
      ['url', url],
    ] as const) {
      const earlier = seen.get(`${field} ${value}`);
      if (earlier) {
        throw inputError(`duplicate ${field} ${JSON.stringify(value)}: also in ${earlier}`, {
          ...where,
          field: `${prefix}${field}`,
        });
      }
    }
    const owner = byUrl.get(url, url) as string | undefined;
    if (owner === undefined) continue;
    // The article this record will update: by id, or by URL when it has no id of its own.
    const target = (byId.get(id) as string | undefined) ?? (id === url ? owner : undefined);
    if (owner !== target) {
      throw inputError(
        `${url} is already stored as article ${JSON.stringify(owner)}; give that id, or another url`,
        { ...where, field: `${prefix}url` },
      );
    }
  }
}
