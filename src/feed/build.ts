import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FeedConfig, FeedDefinition, FeedFormat } from '../config/feeds.ts';
import { SyndicateError } from '../errors.ts';
import { logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { renderAtom } from './atom1.ts';
import { renderJsonFeed } from './json-feed.ts';
import { buildFeedDocument, type FeedDocument, type FeedItem, feedFileName, prepareItem } from './model.ts';
import { renderOpml } from './opml.ts';
import { ArticleCache, FeedSelector, type SelectedArticle } from './query.ts';
import { renderRss } from './rss2.ts';
import { type FileOps, nodeFileOps, TEMP_PATTERN, writeIfChanged } from './writer.ts';

/**
 * `syndicate build`: every feed in every format it asks for, and an OPML list of them all.
 *
 * A feed's output is a function of its definition, the publisher and the ids and content hashes of
 * its items. The build keeps those inputs, hashed, in a small manifest next to the output; a feed
 * whose inputs and files are as the manifest says is not rendered again. Whatever is rendered is
 * written only if its bytes changed, atomically.
 */

export const RENDERERS: Record<FeedFormat, (document: FeedDocument) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

export const OPML_FILE = 'feeds.opml';
export const MANIFEST_FILE = '.syndicate-build.json';
/** Bump when the renderers change what they write, so that every feed is rendered again once. */
export const OUTPUT_VERSION = 1;

export interface BuildOptions {
  out: string;
  /** Render every feed even if the manifest says it is up to date (files are still only written if changed). */
  force?: boolean;
  fileOps?: FileOps;
}

export interface BuildResult {
  feeds: number;
  written: string[];
  unchanged: string[];
  removed: string[];
}

interface FileRecord {
  size: number;
  mtimeMs: number;
}

interface Manifest {
  version: number;
  feeds: Record<string, { key: string; files: Record<string, FileRecord> }>;
}

function readManifest(file: string): Manifest {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (manifest.version === OUTPUT_VERSION && manifest.feeds && typeof manifest.feeds === 'object')
      return manifest;
  } catch {
    // Missing or unreadable: everything is rendered and compared with what is on disk.
  }
  return { version: OUTPUT_VERSION, feeds: {} };
}

function fileRecord(file: string): FileRecord | undefined {
  try {
    const stat = statSync(file);
    return { size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  }
}

/** A temporary file this old was left by a build that crashed; a running build's are seconds old. */
const STALE_TEMP_MS = 10 * 60 * 1000;

function sweepStaleTemporaryFiles(out: string): void {
  const now = Date.now();
  for (const name of readdirSync(out)) {
    if (!TEMP_PATTERN.test(name)) continue;
    const stat = fileRecord(join(out, name));
    if (stat && now - stat.mtimeMs > STALE_TEMP_MS) rmSync(join(out, name), { force: true });
  }
}

function inputKey(
  config: FeedConfig,
  definition: FeedDefinition,
  selected: readonly SelectedArticle[],
): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([OUTPUT_VERSION, config.publisher, definition]));
  for (const article of selected) hash.update(`\n${article.id}\u0000${article.hash}`);
  return hash.digest('hex');
}

export function buildFeeds(db: Db, config: FeedConfig, options: BuildOptions): BuildResult {
  const { out, force = false, fileOps = nodeFileOps } = options;
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new SyndicateError('config', `cannot create the output folder: ${(error as Error).message}`, {
      file: out,
    });
  }
  sweepStaleTemporaryFiles(out);
  const manifestFile = join(out, MANIFEST_FILE);
  const previous = readManifest(manifestFile);
  const next: Manifest = { version: OUTPUT_VERSION, feeds: {} };
  const result: BuildResult = { feeds: config.feeds.length, written: [], unchanged: [], removed: [] };
  const articles = new ArticleCache(db);
  const prepared = new Map<string, FeedItem>();
  const documents: FeedDocument[] = [];
  const log = logger();
  const selector = new FeedSelector(db, config.feeds);

  const write = (name: string, content: string) => {
    const file = join(out, name);
    if (writeIfChanged(file, content, fileOps)) result.written.push(name);
    else result.unchanged.push(name);
  };

  for (const definition of config.feeds) {
    const selected = selector.select(definition, config.publisher);
    const key = inputKey(config, definition, selected);
    const names = definition.formats.map((format) => feedFileName(definition.id, format));
    const before = previous.feeds[definition.id];
    const upToDate =
      !force &&
      before?.key === key &&
      names.every((name) => {
        const recorded = before.files[name];
        const current = fileRecord(join(out, name));
        return recorded && current && recorded.size === current.size && recorded.mtimeMs === current.mtimeMs;
      });
    if (upToDate) {
      documents.push(buildFeedDocument(definition, config.publisher, []));
      result.unchanged.push(...names);
      next.feeds[definition.id] = before;
      continue;
    }
    const full = definition.content === 'full';
    const items = selected.map(({ id, hash }) => {
      const cacheKey = `${hash}\u0000${full}\u0000${definition.attribution}\u0000${id}`;
      let item = prepared.get(cacheKey);
      if (!item) {
        item = prepareItem(articles.get(id), config.publisher, full, definition.attribution);
        prepared.set(cacheKey, item);
      }
      return item;
    });
    const document = buildFeedDocument(definition, config.publisher, items);
    documents.push(document);
    const files: Record<string, FileRecord> = {};
    for (const format of definition.formats) {
      const name = feedFileName(definition.id, format);
      write(name, RENDERERS[format](document));
      files[name] = fileRecord(join(out, name))!;
    }
    next.feeds[definition.id] = { key, files };
    log.debug({ feed: definition.id, items: items.length }, 'feed rendered');
  }

  write(OPML_FILE, renderOpml(`${config.publisher.name} feeds`, config.publisher.name, documents));

  // Files of feeds that are no longer defined (or formats no longer asked for) go.
  const current = new Set(Object.values(next.feeds).flatMap((feed) => Object.keys(feed.files)));
  for (const feed of Object.values(previous.feeds)) {
    for (const name of Object.keys(feed.files)) {
      if (current.has(name)) continue;
      rmSync(join(out, name), { force: true });
      result.removed.push(name);
    }
  }

  const manifest = `${JSON.stringify(next, null, 1)}\n`;
  writeIfChanged(manifestFile, manifest, fileOps);
  return result;
}
