/**
 * Where archive bytes come from: a local file, or an http(s) URL read in byte ranges through the
 * crawler's fetcher (its address policy, time limits and size cap hold for every range). Either
 * way the bytes stream from any offset, so a run resumes inside a file and a CDX hit is one range.
 * Nothing here holds more than one range in memory.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SyndicateError } from '../errors.ts';
import type { Fetcher } from '../net/http.ts';

export interface ArchiveInput {
  /** How discoveries name the file: an absolute path or the URL. */
  readonly name: string;
  /** Total bytes, when known (a local file; a URL once a range has answered). */
  size(): Promise<number | undefined>;
  /** The bytes from `start` to `end` (exclusive; the end of the file when absent). */
  read(start: number, end?: number): AsyncIterable<Uint8Array>;
}

export const isUrl = (input: string) => /^https?:\/\//i.test(input);

export function localArchive(path: string): ArchiveInput {
  const name = resolve(path);
  return {
    name,
    async size() {
      try {
        return (await stat(name)).size;
      } catch (error) {
        throw new SyndicateError('input', `cannot read archive: ${(error as Error).message}`, { file: name });
      }
    },
    async *read(start, end) {
      if (end !== undefined && end <= start) return;
      const stream = createReadStream(name, {
        start,
        end: end === undefined ? undefined : end - 1,
        highWaterMark: 1 << 20,
      });
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } catch (error) {
        throw new SyndicateError('input', `cannot read archive: ${(error as Error).message}`, { file: name });
      } finally {
        stream.destroy();
      }
    },
  };
}

export interface RemoteOptions {
  /** Bytes asked for per request: the most held in memory at once. */
  rangeBytes?: number;
  signal?: AbortSignal | undefined;
}

const CONTENT_RANGE = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i;

/**
 * An archive on a web server, read one `Range` request at a time. A server that ignores ranges
 * (answers 200 with more than one range of body) cannot be streamed within the fetcher's size cap
 * and is refused with a clear error, rather than read whole into memory.
 */
export function remoteArchive(url: string, fetcher: Fetcher, options: RemoteOptions = {}): ArchiveInput {
  const rangeBytes = options.rangeBytes ?? 8 * 1024 * 1024;
  let total: number | undefined;
  const fail = (message: string) => new SyndicateError('fetch', message, { file: url });
  return {
    name: url,
    async size() {
      if (total === undefined) for await (const _ of this.read(0, 1)) break;
      return total;
    },
    async *read(start, end) {
      let at = start;
      for (;;) {
        const last = Math.min(at + rangeBytes, end ?? Number.POSITIVE_INFINITY) - 1;
        if (last < at || (total !== undefined && at >= total)) return;
        const response = await fetcher.fetch(url, {
          headers: { range: `bytes=${at}-${last}`, 'accept-encoding': 'identity' },
          maxBodyBytes: rangeBytes,
          signal: options.signal,
        });
        if (response.status === 416) return;
        if (response.status === 200) {
          // No range support: only a body that fits in one range, asked from the start, is usable.
          if (at !== 0 || response.truncated) {
            throw fail(`the server ignores byte ranges; cannot stream ${url} within ${rangeBytes} bytes`);
          }
          total = response.bytes.length;
          const piece = response.bytes.subarray(start, end);
          if (piece.length > 0) yield piece;
          return;
        }
        if (response.status !== 206) throw fail(`HTTP ${response.status} for ${url}`);
        const range = CONTENT_RANGE.exec(response.headers['content-range'] ?? '');
        if (!range || Number(range[1]) !== at) {
          throw fail(`the server answered another range than bytes=${at}-${last} for ${url}`);
        }
        if (range[3] !== '*') total = Number(range[3]);
        if (response.bytes.length === 0) return;
        yield response.bytes;
        at += response.bytes.length;
      }
    },
  };
}
