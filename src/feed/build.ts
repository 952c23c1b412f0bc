import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FeedConfig, FeedDefinition, FeedFormat, Publisher } from '../config/feeds.ts';
import { SyndicateError } from '../errors.ts';
import {
  AtomicWrites,
  type FileOps,
  nodeFileOps,
  sameBytes,
  TEMP_PATTERN,
  unflushedFileOps,
} from '../files/atomic.ts';
import { logger } from '../log.ts';
import { storeRevision } from '../store/articles.ts';
import type { Sql } from '../store/sql.ts';
import { codeVersion } from '../version.ts';
import type { DocumentWriter } from './_pieces.ts';
import { writeAtom } from './atom1.ts';
import { type DocumentBytes, Fragments, type FragmentsStatistics, fragmentKey } from './fragments.ts';
import { viewFileName, writeHtmlView } from './html-view.ts';
import { ItemSources, SourceNotLoaded } from './item-sources.ts';
import { writeJsonFeed } from './json-feed.ts';
import {
  type ArchiveLinks,
  atomEntryId,
  buildFeedDocument,
  type FeedDocument,
  type FeedItem,
  feedFileName,
  feedUrls,
  itemFromSource,
  type Tombstone,
} from './model.ts';
import { renderOpml } from './opml.ts';
import { type ArticleFacts, FeedSelector, filterMatches, type SelectedArticle } from './query.ts';
import { writeRss } from './rss2.ts';

/**
 * `syndicate build`: every feed in every format it asks for, its RFC 5005 archive documents, and
 * an OPML list of them all.
 *
 * A build does the work a change calls for and no more. The manifest next to the output records
 * the store revision it was built from, and for each feed a key of its inputs (definition,
 * publisher, the ids and content hashes of its items, its tombstones) and the size and time of
 * its files. A rebuild reads what changed since that revision (articles written since, and what
 * the changed ones were before: `article_departures`), and selects again only the feeds whose
 * filter takes a changed article, before or after the change; every other feed, files intact, is
 * left alone without a query. A selected feed whose key is unchanged is not rendered; whatever is
 * rendered is written only if its bytes changed, atomically; the files a build writes are
 * flushed to disk together, once, before any of them replaces the old one (`AtomicWrites`).
 */

const WRITERS: Record<FeedFormat, DocumentWriter<FeedDocument>> = {
  rss: writeRss,
  atom: writeAtom,
  json: writeJsonFeed,
};

export const OPML_FILE = 'feeds.opml';
export const MANIFEST_FILE = '.syndicate-build.json';
/** The manifest's own format: a manifest of another format is read as none. */
const MANIFEST_FORMAT = 2;
/**
 * The code that renders feeds: when it changes (an upgrade, a fix to a renderer), every feed is
 * rendered again once; files are still written only when their bytes change. `text` holds the
 * escaping and valid-Unicode code every renderer uses.
 */
const RENDERING_CODE = ['feed', 'text'];
/** More changed articles than this since the last build: every feed is selected again (cheaper than sorting them out). */
const MAX_TRACKED_CHANGES = 5000;

export interface BuildOptions {
  out: string;
  /**
   * Render every feed even if the manifest says it is up to date, making every item from its record
   * (files are still only written if changed).
   */
  force?: boolean;
  fileOps?: FileOps;
  /** Told after each feed is dealt with (for a progress line): feeds done and in all. */
  onFeed?: (done: number, total: number) => void;
}

export interface BuildResult {
  feeds: number;
  written: string[];
  unchanged: string[];
  removed: string[];
  /** Feeds whose filter was run against the store in this build. */
  selected: string[];
  /** Feeds whose subscription document changed on disk: the ones to announce to WebSub hubs. */
  changed: string[];
  /** What the item fragment cache saved (`fragments.ts`). */
  fragments: FragmentsStatistics;
  /**
   * Item sources (`item-sources.ts`) this build needed (for the items it prepared or may have), and
   * of those, how many it made from records (missing or stale in the store).
   */
  sources: { read: number; made: number };
}

interface FileRecord {
  size: number;
  mtimeMs: number;
}

interface TombstoneRecord extends Tombstone {
  id: string;
}

interface FeedRecord {
  /** Hash of what the feed's output depends on besides its items. */
  config: string;
  /** Hash of everything the subscription document depends on. */
  key: string;
  /**
   * The ids of the subscription document's items, which readers have seen: kept only for a feed
   * with tombstones, the one use of them (without, they were most of the manifest's bytes).
   */
  items?: string[];
  tombstones: TombstoneRecord[];
  /** Every file of the feed, archive documents included. */
  files: Record<string, FileRecord>;
  /** Keys of the archive documents, oldest first. */
  pages?: string[];
}

interface Manifest {
  version: number;
  storeId?: string;
  revision?: number;
  feeds: Record<string, FeedRecord>;
  /** The OPML list depends on the publisher and the definitions only: its key and file. */
  opml?: { key: string; file: FileRecord };
}

function readManifest(file: string): Manifest {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (manifest.version === MANIFEST_FORMAT && manifest.feeds && typeof manifest.feeds === 'object')
      return manifest;
  } catch {
    // Missing or unreadable: everything is rendered and compared with what is on disk.
  }
  return { version: MANIFEST_FORMAT, feeds: {} };
}

function fileRecord(file: string): FileRecord | undefined {
  try {
    const stat = statSync(file);
    return { size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  }
}

function intact(out: string, recorded: FileRecord | undefined, name: string): boolean {
  const current = fileRecord(join(out, name));
  return !!recorded && !!current && recorded.size === current.size && recorded.mtimeMs === current.mtimeMs;
}

/** A temporary file this old was left by a build that crashed; a running build's are seconds old. */
const STALE_TEMP_MS = 10 * 60 * 1000;

/** Remove what crashed builds left; returns the names of the files in `out`. */
function sweepStaleTemporaryFiles(out: string): Set<string> {
  const now = Date.now();
  const names = new Set<string>();
  for (const name of readdirSync(out)) {
    if (!TEMP_PATTERN.test(name)) {
      names.add(name);
      continue;
    }
    const stat = fileRecord(join(out, name));
    if (stat && now - stat.mtimeMs > STALE_TEMP_MS) rmSync(join(out, name), { force: true });
  }
  return names;
}

const hashOf = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/**
 * What every item's pieces depend on besides the article, the feed's item options and the
 * document's language: the code that renders them and the publisher (`fragments.ts`).
 */
export function fragmentContext(publisher: Publisher): string {
  return hashOf(codeVersion(RENDERING_CODE), publisher);
}

function itemsKey(config: string, extra: unknown, selected: readonly SelectedArticle[]): string {
  const hash = createHash('sha256').update(config).update(JSON.stringify(extra));
  for (const article of selected) hash.update(`\n${article.id}\u0000${article.hash}`);
  return hash.digest('hex');
}

/**
 * A turn of the event loop. The store answers synchronously, so a build, awaiting nothing else,
 * would never let the callbacks of the files it writes in the background run: each file's write
 * (open, write, flush, close, one step a turn) would wait for the end of the build.
 */
const ioTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What the articles written since `revision` were and are: the feeds whose filters take any of
 * them are the ones to select again. 'everything' when there is too much to sort out.
 */
async function changesSince(sql: Sql, revision: number): Promise<ArticleFacts[] | 'everything'> {
  const written = await sql.all<{ id: string; language: string | null }>(
    `SELECT id, language FROM articles${sql.engine === 'sqlite' ? ' INDEXED BY articles_revision' : ''} WHERE revision > ? LIMIT ?`,
    [revision, MAX_TRACKED_CHANGES + 1],
  );
  const departed = await sql.all<{ language: string | null; terms: string }>(
    'SELECT language, terms FROM article_departures WHERE revision > ? LIMIT ?',
    [revision, MAX_TRACKED_CHANGES + 1],
  );
  if (written.length + departed.length > MAX_TRACKED_CHANGES) return 'everything';
  const terms = async (id: string) =>
    (
      await sql.all<{ kind: string; scheme: string; value: string }>(
        'SELECT kind, scheme, value FROM article_terms WHERE article_id = ?',
        [id],
      )
    ).map(({ kind, scheme, value }) => [kind, scheme, value] as const);
  const facts: ArticleFacts[] = [];
  for (const { id, language } of written) facts.push({ language, terms: await terms(id) });
  return [
    ...facts,
    ...departed.map(({ language, terms: json }) => ({
      language,
      terms: JSON.parse(json) as Array<[string, string, string]>,
    })),
  ];
}

/** Entries readers saw in the feed whose articles have since left the store, newest removal first. */
class Tombstones {
  constructor(
    private readonly sql: Sql,
    private readonly publisher: Publisher,
  ) {}

  private async exists(id: string): Promise<boolean> {
    return (await this.sql.get('SELECT 1 AS found FROM articles WHERE id = ?', [id])) !== undefined;
  }

  async next(
    before: FeedRecord | undefined,
    selected: readonly SelectedArticle[],
    keep: number,
  ): Promise<TombstoneRecord[]> {
    const now = new Set(selected.map((article) => article.id));
    const fresh: TombstoneRecord[] = [];
    for (const id of before?.items ?? []) {
      if (now.has(id) || (await this.exists(id))) continue;
      const departure = await this.sql.get<{ removed_at: string }>(
        `SELECT removed_at FROM article_departures WHERE article_id = ? AND removed_at IS NOT NULL
         ORDER BY revision DESC LIMIT 1`,
        [id],
      );
      if (!departure) continue;
      fresh.push({ id, ref: atomEntryId(id, this.publisher), when: departure.removed_at });
    }
    // An article that came back is no longer gone; the newest removals are kept, as many as the feed's items.
    const kept: TombstoneRecord[] = [];
    for (const tombstone of before?.tombstones ?? [])
      if (!now.has(tombstone.id) && !(await this.exists(tombstone.id))) kept.push(tombstone);
    const seen = new Set<string>();
    return [...fresh, ...kept]
      .sort((a, b) => (a.when < b.when ? 1 : a.when > b.when ? -1 : a.id < b.id ? -1 : 1))
      .filter((tombstone) => !seen.has(tombstone.id) && seen.add(tombstone.id))
      .slice(0, keep);
  }
}

export async function buildFeeds(sql: Sql, config: FeedConfig, options: BuildOptions): Promise<BuildResult> {
  const { out, force = false, fileOps = nodeFileOps } = options;
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new SyndicateError('config', `cannot create the output folder: ${(error as Error).message}`, {
      file: out,
    });
  }
  // Files not there need no comparing with what they would replace.
  const existing = sweepStaleTemporaryFiles(out);
  const { publisher } = config;
  const manifestFile = join(out, MANIFEST_FILE);
  const previous = readManifest(manifestFile);
  const state = await storeRevision(sql);
  const context = fragmentContext(publisher);
  // --force trusts no cache: every item is prepared from its record, its source made again (and
  // stored), and every piece rendered, as if for the first time.
  const fragments = new Fragments(out, context, !force, existing);
  const next: Manifest = {
    version: MANIFEST_FORMAT,
    storeId: state.storeId,
    revision: state.revision,
    feeds: {},
  };
  const result: BuildResult = {
    feeds: config.feeds.length,
    written: [],
    unchanged: [],
    removed: [],
    selected: [],
    changed: [],
    fragments: fragments.statistics,
    sources: { read: 0, made: 0 },
  };
  const log = logger();
  // A store put back to an older copy has a lower revision: nothing in the manifest can be trusted.
  const sameStore =
    !force &&
    previous.storeId === state.storeId &&
    previous.revision !== undefined &&
    previous.revision <= state.revision;
  const changes = !sameStore
    ? 'everything'
    : previous.revision === state.revision
      ? []
      : await changesSince(sql, previous.revision!);
  let selector: FeedSelector | undefined;
  let tombstones: Tombstones | undefined;
  const sources = new ItemSources(sql, !force);
  const prepared = new Map<string, FeedItem>();
  const configKeys: string[] = [];

  // Written on the thread pool while the next document is rendered.
  const writes = new AtomicWrites(fileOps, true);
  /**
   * The size and time of each file of the feeds selected in this build: of a file left as it was,
   * as checked; of one written, as found once the batch is in place (`toRecord`).
   */
  const recorded = new Map<string, FileRecord | undefined>();
  /** Files whose size and time go into the manifest once the batch is in place. */
  const toRecord: Array<[Record<string, FileRecord>, string]> = [];
  const write = (name: string, content: DocumentBytes | string): boolean => {
    // The file's bytes as the fragment cache read them (unchanged since written), if it did:
    // compared as they are, rather than read from disk again.
    const before = fragments.bytesOf(name);
    const wrote =
      before === undefined || typeof content === 'string'
        ? writes.stage(join(out, name), content, { ifChanged: existing.has(name) })
        : !sameBytes(before, content) && writes.stage(join(out, name), content);
    (wrote ? result.written : result.unchanged).push(name);
    return wrote;
  };
  // Each selected article belongs to one feed's selection: its key is made once (a hash).
  const keys = new WeakMap<SelectedArticle, string>();
  const keyOf = (definition: FeedDefinition, article: SelectedArticle) => {
    let key = keys.get(article);
    if (key === undefined) {
      key = fragmentKey(
        context,
        definition.content === 'full',
        definition.attribution,
        article.id,
        article.hash,
      );
      keys.set(article, key);
    }
    return key;
  };
  const prepare = (definition: FeedDefinition, article: SelectedArticle): FeedItem => {
    const full = definition.content === 'full';
    const { attribution } = definition;
    const key = keyOf(definition, article);
    let item = prepared.get(key);
    if (!item) {
      // Prepared only when one of its pieces is missing, from its source (`withSources`).
      item = fragments.item(key, () => itemFromSource(sources.get(article.id), publisher, full, attribution));
      prepared.set(key, item);
    }
    return item;
  };
  /**
   * `produce` the texts of a document of `items`, having read the sources of the items that
   * neither this build nor the last left pieces of (only they are sure to be prepared). Should a
   * piece turn out to be missing (not in the last build's files after all, or let go from memory),
   * its item's source is read then and the document produced again.
   *
   * Then the items and their sources are let go: an item's pieces stay, and another document
   * that carries it takes them (`Fragments.item` gives it a stand-in that prepares the item again
   * only if one is missing). Kept for the whole build, the articles' text (the source, the item's
   * HTML, its escaped forms) was copied by every young-generation garbage collection it survived,
   * a fifth of a full build.
   */
  const withSources = async <T>(
    definition: FeedDefinition,
    items: readonly SelectedArticle[],
    produce: () => T,
  ): Promise<T> => {
    await sources.load(items.filter((article) => !fragments.knows(keyOf(definition, article))));
    try {
      for (;;) {
        try {
          return produce();
        } catch (error) {
          if (!(error instanceof SourceNotLoaded)) throw error;
          await sources.load(items);
        }
      }
    } finally {
      // A forced build prepares every item anew in every document: its sources are kept.
      if (!force) {
        for (const article of items) prepared.delete(keyOf(definition, article));
        sources.release(items);
      }
    }
  };
  /** The bytes of a document in each format, by file name. */
  const renderFormats = (definition: FeedDefinition, document: FeedDocument, page: number | undefined) =>
    definition.formats.map((format) => {
      const name = feedFileName(definition.id, format, page);
      return [name, fragments.document(name, WRITERS[format], document, page === undefined)] as const;
    });
  /** Write a document's bytes; returns whether any file changed. */
  const writeAll = (
    texts: ReadonlyArray<readonly [string, DocumentBytes]>,
    files: Record<string, FileRecord>,
  ) => {
    let changed = false;
    for (const [name, text] of texts) {
      if (write(name, text)) changed = true;
      toRecord.push([files, name]);
    }
    return changed;
  };

  let feedsDone = 0;
  let opmlReused = false;
  const opmlKey = () => hashOf(configKeys);
  try {
    for (const definition of config.feeds) {
      if (feedsDone > 0) options.onFeed?.(feedsDone, config.feeds.length);
      feedsDone++;
      const before = previous.feeds[definition.id];
      // `context` is the code and the publisher, hashed once.
      const configKey = hashOf(context, definition);
      configKeys.push(configKey);
      const untouched =
        sameStore &&
        before?.config === configKey &&
        changes !== 'everything' &&
        !changes.some((facts) => filterMatches(definition, publisher, facts)) &&
        Object.entries(before.files).every(([name, recorded]) => intact(out, recorded, name));
      if (untouched) {
        result.unchanged.push(...Object.keys(before.files));
        next.feeds[definition.id] = before;
        continue;
      }

      selector ??= new FeedSelector(sql);
      tombstones ??= new Tombstones(sql, publisher);
      result.selected.push(definition.id);
      fragments.open(definition.id);
      const pageSize = definition.archive?.pageSize;
      const all = pageSize
        ? await selector.select(definition, publisher, Number.MAX_SAFE_INTEGER)
        : undefined;
      const selected = all ? all.slice(0, definition.limit) : await selector.select(definition, publisher);
      const gone = definition.tombstones ? await tombstones.next(before, selected, definition.limit) : [];
      const pageCount = all && pageSize ? Math.floor(all.length / pageSize) : 0;
      const archive: ArchiveLinks | undefined = pageSize
        ? { isArchive: false, ...(pageCount > 0 ? { prev: feedUrls(definition, publisher, pageCount) } : {}) }
        : undefined;
      const key = itemsKey(configKey, [gone, pageCount], selected);
      const files: Record<string, FileRecord> = {};
      const record: FeedRecord = {
        config: configKey,
        key,
        ...(definition.tombstones ? { items: selected.map((article) => article.id) } : {}),
        tombstones: gone,
        files,
      };

      const mainNames = [
        ...definition.formats.map((format) => feedFileName(definition.id, format)),
        viewFileName(definition.id),
      ];
      if (!force && before?.key === key && mainNames.every((name) => intact(out, before.files[name], name))) {
        for (const name of mainNames) {
          files[name] = before.files[name]!;
          recorded.set(name, files[name]);
          fragments.keep(name);
        }
        result.unchanged.push(...mainNames);
      } else {
        const view = viewFileName(definition.id);
        const texts = await withSources(definition, selected, () => {
          const document = buildFeedDocument(
            definition,
            publisher,
            selected.map((article) => prepare(definition, article)),
            { tombstones: gone, ...(archive ? { archive } : {}) },
          );
          return [
            ...renderFormats(definition, document, undefined),
            [view, fragments.document(view, writeHtmlView, document)] as const,
          ];
        });
        if (writeAll(texts.slice(0, -1), files)) result.changed.push(definition.id);
        writeAll(texts.slice(-1), files);
        log.debug({ feed: definition.id, items: selected.length }, 'feed rendered');
      }

      if (all && pageSize) {
        // Archive documents hold full pages, oldest first, so a page fills once and then stays as it is.
        const oldestFirst = [...all].reverse();
        record.pages = [];
        for (let page = 1; page <= pageCount; page++) {
          const items = oldestFirst.slice((page - 1) * pageSize, page * pageSize).reverse();
          const links: ArchiveLinks = {
            isArchive: true,
            current: feedUrls(definition, publisher),
            ...(page > 1 ? { prev: feedUrls(definition, publisher, page - 1) } : {}),
            ...(page < pageCount ? { next: feedUrls(definition, publisher, page + 1) } : {}),
          };
          const pageKey = itemsKey(configKey, [page, page < pageCount], items).slice(0, 32);
          record.pages.push(pageKey);
          const names = definition.formats.map((format) => feedFileName(definition.id, format, page));
          if (
            !force &&
            before?.pages?.[page - 1] === pageKey &&
            names.every((name) => intact(out, before.files[name], name))
          ) {
            for (const name of names) {
              files[name] = before.files[name]!;
              recorded.set(name, files[name]);
              fragments.keep(name);
            }
            result.unchanged.push(...names);
            continue;
          }
          const texts = await withSources(definition, items, () =>
            renderFormats(
              definition,
              buildFeedDocument(
                definition,
                publisher,
                items.map((article) => prepare(definition, article)),
                { page, archive: links },
              ),
              page,
            ),
          );
          writeAll(texts, files);
          await ioTurn();
        }
      }
      next.feeds[definition.id] = record;
      await ioTurn();
    }

    opmlReused = !force && previous.opml?.key === opmlKey() && intact(out, previous.opml.file, OPML_FILE);
    if (opmlReused) result.unchanged.push(OPML_FILE);
    else {
      const documents = config.feeds.map((definition) => buildFeedDocument(definition, publisher, []));
      write(OPML_FILE, renderOpml(`${publisher.name} feeds`, publisher.name, documents));
    }
    await writes.commit();
  } catch (error) {
    await writes.discard();
    throw error;
  }
  for (const [files, name] of toRecord) {
    const record = fileRecord(join(out, name));
    recorded.set(name, record);
    files[name] = record!;
  }
  result.sources = { read: sources.readCount, made: sources.madeCount };
  try {
    // A cache: a store that cannot take them (read-only, busy) costs the next build time, not the output.
    await sources.save();
  } catch (error) {
    log.warn({ error: (error as Error).message }, 'item sources not stored');
  }
  const opmlFile = opmlReused ? previous.opml!.file : fileRecord(join(out, OPML_FILE));
  if (opmlFile) next.opml = { key: opmlKey(), file: opmlFile };

  // Files of feeds that are no longer defined (or formats, or archive pages, no longer there) go.
  const current = new Set(Object.values(next.feeds).flatMap((feed) => Object.keys(feed.files)));
  for (const id of Object.keys(previous.feeds)) if (!next.feeds[id]) fragments.forget(id);
  for (const feed of Object.values(previous.feeds)) {
    for (const name of Object.keys(feed.files)) {
      if (current.has(name)) continue;
      rmSync(join(out, name), { force: true });
      result.removed.push(name);
    }
  }

  // The manifest is a cache: lost or stale after a crash, the next build compares more and
  // renders what it must, so it is written atomically but not flushed (a flush costs as much as
  // rendering a feed).
  const reusedAll =
    opmlReused &&
    result.selected.length === 0 &&
    result.removed.length === 0 &&
    previous.storeId === next.storeId &&
    previous.revision === next.revision &&
    Object.keys(previous.feeds).length === Object.keys(next.feeds).length;
  // Nothing selected, nothing new: the manifest on disk is the one this build would write.
  if (reusedAll) {
    await writes.settled();
    return result;
  }
  // Indexes of a few kilobytes and the manifest: replaced outright.
  const caches = new AtomicWrites(fileOps === nodeFileOps ? unflushedFileOps : fileOps, true, false);
  try {
    fragments.save(caches, (name) => recorded.get(name));
    caches.stage(manifestFile, `${JSON.stringify(next)}\n`, { ifChanged: existing.has(MANIFEST_FILE) });
    await caches.commit();
  } catch (error) {
    await caches.discard();
    throw error;
  }
  await Promise.all([writes.settled(), caches.settled()]);
  return result;
}
