import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { inputError } from '../errors.ts';
import { localName } from '../text/xml-stream.ts';
import { parseXmlFeed, rootElement } from './_xml-feed.ts';
import { readAtom } from './atom.ts';
import { readJsonFeed } from './json-feed.ts';
import { readJsonl } from './jsonl.ts';
import { readMarkdown } from './markdown.ts';
import type { ParsedRecord, ReadOptions } from './record.ts';
import { readRss } from './rss.ts';

export type SourceKind = 'markdown' | 'jsonl' | 'rss' | 'atom' | 'json-feed';

/** One unit of import: a file (or a URL's response), imported whole or not at all. */
export interface Unit {
  /** The path or URL as the user wrote it (for a folder, the folder joined with the file). */
  name: string;
  isUrl: boolean;
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * The units a command-line source stands for: a URL or a file is one, a folder is each of its
 * `*.md` files, recursively, in sorted order so that two runs import in the same order.
 */
export function expandSource(source: string): Unit[] {
  if (isUrl(source)) return [{ name: source, isUrl: true }];
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(source);
  } catch {
    throw inputError('no such file or folder', { file: source });
  }
  if (!stats.isDirectory()) return [{ name: source, isUrl: false }];
  const files = markdownFiles(source);
  if (files.length === 0) throw inputError('no Markdown (*.md) files in this folder', { file: source });
  return files.map((name) => ({ name, isUrl: false }));
}

function markdownFiles(folder: string): string[] {
  const found: string[] = [];
  const entries = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...markdownFiles(path));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.md')) found.push(path);
  }
  return found;
}

export function readLocal(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw inputError(`cannot read: ${(error as Error).message}`, { file }, error);
  }
}

/** What a source holds: by extension for Markdown and JSONL, by its content for feeds. */
export function detectKind(name: string, text: string, fromUrl: boolean): SourceKind {
  const extension = fromUrl ? '' : extname(name).toLowerCase();
  if (extension === '.md' || extension === '.markdown') return 'markdown';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{')) return 'json-feed';
  if (start.startsWith('<')) return localName(rootElement(text) ?? '') === 'feed' ? 'atom' : 'rss';
  throw inputError(
    'not something to import: expected a Markdown file (.md), a .jsonl file, an RSS or Atom feed, or a JSON Feed',
    { file: name },
  );
}

/** Read every record of one source's text, validating each; throws at the first bad one. */
export async function readRecords(
  kind: SourceKind,
  text: string,
  name: string,
  options: ReadOptions = {},
): Promise<ParsedRecord[]> {
  switch (kind) {
    case 'markdown':
      return readMarkdown(text, name);
    case 'jsonl':
      return readJsonl(text, name);
    case 'json-feed':
      return readJsonFeed(text, name, options);
    case 'rss':
    case 'atom': {
      const feed = parseXmlFeed(text, name);
      return feed.kind === 'atom' ? readAtom(feed, name, options) : readRss(feed, name, options);
    }
  }
}
