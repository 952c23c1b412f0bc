import { LineCounter, parseDocument } from 'yaml';
import { inputError } from '../errors.ts';
import type { Person } from '../store/article.ts';
import { textToHtml } from '../text/html.ts';
import { withoutOwnAttribution } from './attribution.ts';
import {
  compact,
  isoFeedDate,
  lineAt,
  type ParsedRecord,
  type ReadOptions,
  type RecordWarning,
  undatedItem,
  validateRecord,
} from './record.ts';

type Json = Record<string, unknown>;

/**
 * JSON Feed 1.0 and 1.1 items as articles: url, id, title, date_published (else date_modified) →
 * published, date_modified → updated, content_html (or content_text as paragraphs) → html,
 * summary, image, tags, authors (1.1) or author (1.0), language (item, else feed).
 */
export function readJsonFeed(text: string, file: string, options: ReadOptions = {}): ParsedRecord[] {
  const source = text.replace(/^\uFEFF/, '');
  let feed: unknown;
  try {
    feed = JSON.parse(source);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    const line = jsonErrorLine(source, message);
    throw inputError(`invalid JSON: ${message}`, { file, ...(line !== undefined ? { line } : {}) }, error);
  }
  if (
    !isObject(feed) ||
    typeof feed.version !== 'string' ||
    !feed.version.startsWith('https://jsonfeed.org/version/1')
  ) {
    throw inputError('not a JSON Feed (no "version": "https://jsonfeed.org/version/1.1")', {
      file,
      line: 1,
      field: 'version',
    });
  }
  if (!Array.isArray(feed.items)) {
    throw inputError('a JSON Feed needs an "items" array', { file, field: 'items' });
  }
  const feedLanguage = typeof feed.language === 'string' ? feed.language : undefined;
  const itemsAt = source.indexOf('"items"');
  let searchFrom = Math.max(itemsAt, 0);
  return feed.items.map((value, index) => {
    const item = `item[${index}]`;
    if (!isObject(value)) throw inputError('an item must be an object', { file, field: item });
    // JSON.parse keeps no positions: find the item again by its id, in order, after "items".
    const located = locateId(source, value.id, searchFrom);
    if (located !== undefined) searchFrom = located + 1;
    const place = { file, item, ...(located !== undefined ? { line: lineAt(source, located) } : {}) };
    const warnings: RecordWarning[] = [];
    let published = isoFeedDate(text_(value.date_published) ?? text_(value.date_modified));
    if (published === undefined) {
      // JSON Feed has no date of its own for the whole feed: the time of first import it is.
      const undated = undatedItem(
        undefined,
        compact({
          id: typeof value.id === 'string' || typeof value.id === 'number' ? String(value.id) : undefined,
          url: typeof value.url === 'string' ? value.url : undefined,
        }),
        options,
        'the item has neither date_published nor date_modified',
      );
      published = undated.published;
      warnings.push({ field: 'published', message: undated.warning });
    }
    const modified = text_(value.date_published) !== undefined ? text_(value.date_modified) : undefined;
    const html =
      mapText(text_(value.content_html), withoutOwnAttribution) ??
      mapText(text_(value.content_text), textToHtml);
    const input = compact({
      url: value.url ?? value.external_url,
      title: value.title,
      published,
      updated: isoFeedDate(modified),
      id: value.id,
      authors: authors(value),
      summary: value.summary,
      html,
      tags: value.tags,
      language: value.language ?? feedLanguage,
      image: value.image ?? value.banner_image,
    });
    return {
      ...place,
      article: validateRecord(input, place),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  });
}

/**
 * JSON.parse names a position for some errors only; YAML, a superset of JSON, finds the others
 * with their line.
 */
function jsonErrorLine(source: string, message: string | undefined): number | undefined {
  const position = /position (\d+)/.exec(message ?? '');
  if (position) return lineAt(source, Number(position[1]));
  const lineCounter = new LineCounter();
  const syntax = parseDocument(source, { lineCounter }).errors[0];
  return syntax ? lineCounter.linePos(syntax.pos[0]).line : undefined;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text_(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function mapText<T>(value: string | undefined, map: (value: string) => T): T | undefined {
  return value === undefined ? undefined : map(value);
}

/** JSON Feed authors carry name, url and an avatar; the article keeps name and url. */
function authors(item: Json): Person[] | undefined {
  const list = Array.isArray(item.authors) ? item.authors : isObject(item.author) ? [item.author] : [];
  const people = list.flatMap((author): Person[] => {
    if (!isObject(author) || typeof author.name !== 'string' || author.name.trim() === '') return [];
    return [{ name: author.name, ...(typeof author.url === 'string' ? { url: author.url } : {}) }];
  });
  return people.length > 0 ? people : undefined;
}

function locateId(source: string, id: unknown, from: number): number | undefined {
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  const pattern = new RegExp(`"id"\\s*:\\s*${escapeRegExp(JSON.stringify(id))}`, 'g');
  pattern.lastIndex = from;
  const match = pattern.exec(source);
  return match?.index;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
