import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { VIEW_CONTENT_SECURITY_POLICY, viewFileName } from '../feed/html-view.ts';
import { send } from './http.ts';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** What `syndicate build` writes, and the media type each is served with. */
export const FEED_TYPES: Record<string, string> = {
  '.xml': 'application/rss+xml; charset=utf-8',
  '.rss': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.json': 'application/feed+json; charset=utf-8',
  '.opml': 'text/x-opml; charset=utf-8',
};

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
const MAX_FEED_BYTES = 50 * 1024 * 1024;

interface Entry {
  mtimeMs: number;
  size: number;
  body: Buffer;
  etag: string;
  lastModified: string;
  encoded: Map<string, Buffer>;
}

export type Encoding = 'br' | 'gzip' | 'identity';

/**
 * Serves the feeds of the output folder with validators (strong ETag from the content,
 * Last-Modified from the file), 304 answers, and gzip or brotli when the client asks. Files are
 * read again only when their size or time changes, so `syndicate build` can rewrite them live.
 */
export class FeedFiles {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly dir: string) {}

  /** The file name a request path names, or undefined when it is not a feed of the folder. */
  static nameOf(pathname: string): string | undefined {
    let name: string;
    try {
      name = decodeURIComponent(pathname.replace(/^\/(feeds\/)?/, ''));
    } catch {
      return undefined;
    }
    if (!SAFE_NAME.test(name) || name.includes('..')) return undefined;
    return FEED_TYPES[extname(name).toLowerCase()] ? name : undefined;
  }

  async list(): Promise<string[]> {
    const { readdir } = await import('node:fs/promises');
    try {
      return (await readdir(this.dir)).filter((name) => FeedFiles.nameOf(`/${name}`) !== undefined).sort();
    } catch {
      return [];
    }
  }

  /**
   * Answer a GET or HEAD for `name`; false when there is no such feed. A browser (one that prefers
   * HTML to every feed type it names) gets the feed's page for people instead, which the build
   * wrote beside it; feed readers keep getting the feed, and caches keep the two apart (Vary).
   */
  async serve(request: IncomingMessage, response: ServerResponse, name: string): Promise<boolean> {
    const feed = await this.load(name);
    if (!feed) return false;
    const view = prefersHtml(request.headers.accept) ? await this.load(viewOf(name)) : undefined;
    const entry = view ?? feed;
    const encoding = chooseEncoding(request.headers['accept-encoding']);
    const etag = encoding === 'identity' ? entry.etag : `${entry.etag.slice(0, -1)}-${encoding}"`;
    const headers: Record<string, string | number> = view
      ? {
          'content-type': 'text/html; charset=utf-8',
          etag,
          'last-modified': entry.lastModified,
          vary: 'Accept, Accept-Encoding',
          'cache-control': 'no-cache',
          'content-security-policy': VIEW_CONTENT_SECURITY_POLICY,
        }
      : {
          'content-type': FEED_TYPES[extname(name).toLowerCase()]!,
          etag,
          'last-modified': entry.lastModified,
          vary: 'Accept, Accept-Encoding',
          'cache-control': 'no-cache',
          // Feeds are public documents: web-based readers on other origins may fetch them
          // (without credentials, so a token-protected server gives nothing away by this).
          'access-control-allow-origin': '*',
          'cross-origin-resource-policy': 'cross-origin',
        };
    if (notModified(request, entry)) {
      delete headers['content-type'];
      response.writeHead(304, headers);
      response.end();
      return true;
    }
    let body = entry.body;
    if (encoding !== 'identity') {
      let encoded = entry.encoded.get(encoding);
      if (!encoded) {
        encoded =
          encoding === 'br'
            ? await brotliAsync(entry.body, {
                params: {
                  [constants.BROTLI_PARAM_QUALITY]: 5,
                  [constants.BROTLI_PARAM_SIZE_HINT]: entry.size,
                },
              })
            : await gzipAsync(entry.body, { level: 6 });
        entry.encoded.set(encoding, encoded);
      }
      body = encoded;
      headers['content-encoding'] = encoding;
    }
    send(request, response, 200, body, headers);
    return true;
  }

  private async load(name: string): Promise<Entry | undefined> {
    const path = join(this.dir, name);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      // The real path must stay inside the folder: a symlink out of it is not served.
      const [real, root] = await Promise.all([realpath(path), realpath(this.dir)]);
      if (!real.startsWith(root + sep)) return undefined;
      info = await stat(real);
    } catch {
      return undefined;
    }
    if (!info.isFile() || info.size > MAX_FEED_BYTES) return undefined;
    const cached = this.cache.get(name);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
    const body = await readFile(path);
    const entry: Entry = {
      mtimeMs: info.mtimeMs,
      size: info.size,
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      lastModified: new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString(),
      encoded: new Map(),
    };
    this.cache.set(name, entry);
    return entry;
  }
}

/** The page for people of a feed file: `all.xml`, `all.atom` and `all.json` share `.all.view.html`. */
function viewOf(name: string): string {
  return viewFileName(name.slice(0, name.length - extname(name).length));
}

/** Media types a feed reader names when it asks for a feed. */
const FEED_ACCEPTS = /^(application\/(rss|atom|feed|rdf)\+(xml|json)|application\/(xml|json)|text\/xml)$/;

/**
 * Whether the client wants HTML more than any feed type it names: browsers send `text/html` first
 * and `application/xml;q=0.9` after it, readers name the feed types and seldom HTML. A client
 * that names neither (curl, most readers: no Accept header, or any type) gets the feed.
 */
export function prefersHtml(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  let html = 0;
  let feed = 0;
  for (const part of text.split(',').slice(0, 50)) {
    const [type, ...parameters] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const parameter of parameters) {
      const [key, value] = parameter.trim().split('=');
      if (key === 'q') q = Number(value);
    }
    if (!Number.isFinite(q) || q < 0) q = 0;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type && FEED_ACCEPTS.test(type)) feed = Math.max(feed, q);
  }
  return html > 0 && html > feed;
}

/** RFC 9110: If-None-Match wins over If-Modified-Since; ETags compare weakly for GET. */
function notModified(request: IncomingMessage, entry: Entry): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    const own = opaque(entry.etag);
    return ifNoneMatch.split(',').some((tag) => opaque(tag) === own);
  }
  const since = request.headers['if-modified-since'];
  if (since !== undefined) {
    const time = Date.parse(since);
    return !Number.isNaN(time) && Math.floor(entry.mtimeMs / 1000) * 1000 <= time;
  }
  return false;
}

/** The opaque part of an entity tag, without W/ and without our encoding suffix. */
function opaque(tag: string): string {
  return tag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"|"$/g, '')
    .replace(/-(br|gzip)$/, '');
}

/** The best encoding the client accepts (q-values honoured), brotli first. */
export function chooseEncoding(header: string | string[] | undefined): Encoding {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const weights = new Map<string, number>();
  for (const part of text.split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let q = 1;
    for (const parameter of parameters) {
      const [key, value] = parameter.trim().split('=');
      if (key === 'q') q = Number(value);
    }
    weights.set(name, Number.isFinite(q) ? q : 0);
  }
  const weight = (name: string) => weights.get(name) ?? (weights.has('*') ? weights.get('*')! : 0);
  const best = (['br', 'gzip'] as const)
    .filter((name) => weight(name) > 0)
    .sort((a, b) => weight(b) - weight(a))[0];
  return best ?? 'identity';
}
