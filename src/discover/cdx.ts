/**
 * The CDX index API (pywb; Common Crawl's index server speaks it): the captures of a domain, each
 * naming its WARC file and the byte range of its record, so that only those records are fetched.
 * The answer is JSON lines; it is hostile input like any other and read within the fetcher's cap.
 */
import { join } from 'node:path';
import { SyndicateError } from '../errors.ts';
import type { Fetcher } from '../net/http.ts';
import type { FileJob } from './pool.ts';

export interface CdxCapture {
  url: string;
  timestamp?: string;
  filename: string;
  offset: number;
  length: number;
  status?: string;
  mime?: string;
}

export interface CdxQuery {
  /** The index endpoint, e.g. https://index.commoncrawl.org/CC-MAIN-2024-33-index */
  index: string;
  domain: string;
  /** Most captures asked for. */
  limit?: number;
  signal?: AbortSignal | undefined;
}

const DOMAIN = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

export async function queryCdx(fetcher: Fetcher, query: CdxQuery): Promise<CdxCapture[]> {
  if (!DOMAIN.test(query.domain)) {
    throw new SyndicateError('usage', `--domain ${JSON.stringify(query.domain)} is not a domain name`);
  }
  const url = new URL(query.index);
  url.searchParams.set('url', query.domain.replace(/^\*\./, ''));
  url.searchParams.set('matchType', 'domain');
  url.searchParams.set('output', 'json');
  url.searchParams.set('limit', String(query.limit ?? 10_000));
  const response = await fetcher.fetch(url.href, { signal: query.signal });
  // pywb answers 404 when a domain has no captures.
  if (response.status === 404) return [];
  if (response.status !== 200) {
    throw new SyndicateError('fetch', `CDX index answered HTTP ${response.status}`, { file: url.href });
  }
  const captures: CdxCapture[] = [];
  const lines = response.bytes.toString('utf8').split('\n');
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new SyndicateError('input', 'not a JSON line', { file: url.href, line: index + 1 });
    }
    const offset = Number(row.offset);
    const length = Number(row.length);
    if (
      typeof row.url !== 'string' ||
      typeof row.filename !== 'string' ||
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length <= 0
    ) {
      throw new SyndicateError('input', 'a capture needs url, filename, offset and length', {
        file: url.href,
        line: index + 1,
      });
    }
    const capture: CdxCapture = { url: row.url, filename: row.filename, offset, length };
    if (typeof row.timestamp === 'string') capture.timestamp = row.timestamp;
    if (row.status !== undefined) capture.status = String(row.status);
    const mime = row.mime ?? row['mime-detected'];
    if (typeof mime === 'string') capture.mime = mime;
    captures.push(capture);
  });
  if (response.truncated) {
    throw new SyndicateError(
      'fetch',
      'the CDX answer is larger than the size limit; ask for fewer with --limit',
      {
        file: url.href,
      },
    );
  }
  return captures;
}

/**
 * Captures worth fetching (successful HTML pages), as jobs of one byte range each. `prefix` is
 * where the index's file names live: a URL (https://data.commoncrawl.org/) or a local folder.
 */
export function captureJobs(captures: readonly CdxCapture[], prefix: string): FileJob[] {
  return captures
    .filter((capture) => capture.status === undefined || capture.status === '200')
    .filter(
      (capture) =>
        capture.mime === undefined || /^(?:text\/html|application\/xhtml\+xml)$/i.test(capture.mime),
    )
    .map((capture) => ({
      location: /^https?:\/\//i.test(capture.filename)
        ? capture.filename
        : /^https?:\/\//i.test(prefix)
          ? new URL(capture.filename, prefix).href
          : join(prefix, capture.filename),
      start: capture.offset,
      end: capture.offset + capture.length,
    }));
}
