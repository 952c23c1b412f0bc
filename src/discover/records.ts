/**
 * The records of a WARC or WET file, streamed with warcio, each with the byte offset and length
 * of its gzip member (or of the record, in an uncompressed file): what a CDX index stores and what
 * is needed to fetch that one record again as evidence. Payloads are read only for the records the
 * caller wants, and only up to a cap; everything else is skipped without being kept.
 *
 * Damage does not stop a file. warcio ends quietly at a corrupt or truncated gzip member, so the
 * reader checks that it reached the end of the file; when it did not, it looks for the next gzip
 * member (or `WARC/1.` line) after the last good record, reports the unreadable span and carries
 * on from there. Every search moves forward, so a damaged file costs time linear in its size.
 */
import { WARCParser, type WARCRecord } from 'warcio';
import type { ArchiveInput } from './archive.ts';

export interface RecordHead {
  /** WARC-Type: `response`, `conversion` (WET), `request`, `metadata`, `warcinfo`, … */
  type: string;
  url?: string;
  /** WARC-Date, ISO 8601. */
  date?: string;
  /** The WARC record's Content-Type (`application/http; msgtype=response`, `text/plain`). */
  contentType?: string;
  /** For a response: the HTTP status and the payload's Content-Type. */
  httpStatus?: number;
  httpContentType?: string;
  httpHeaders?: Record<string, string>;
}

export interface ArchiveRecord extends RecordHead {
  /** Where the record (its gzip member) starts in the file, and how many bytes it takes there. */
  offset: number;
  length: number;
  /** The payload (HTTP body, content-encoding undone; or the WET text), when it was wanted. */
  payload?: Uint8Array;
  /** Set when the payload was cut at `maxPayloadBytes`. */
  payloadTruncated?: boolean;
}

export interface ArchiveDamage {
  /** Where the unreadable span starts, and how long it is (to the next readable record or the end). */
  offset: number;
  length: number;
  reason: string;
}

export type ArchiveEvent = { record: ArchiveRecord } | { damage: ArchiveDamage };

export interface ReadOptions {
  /** Byte offset of a record boundary to start at (a resumed run, a CDX hit). */
  start?: number;
  /** Stop before this offset (a CDX hit's end). */
  end?: number;
  /** Payload bytes kept per record; the rest is skipped (a huge record costs no memory). */
  maxPayloadBytes?: number;
  /** Which records' payloads to read. */
  wants(head: RecordHead): boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];
const WARC_MAGIC = [...'\nWARC/1.'].map((c) => c.charCodeAt(0));

/** A record's head, as the record to hand on (its length is known once the next record starts). */
function headOf(record: WARCRecord, offset: number): ArchiveRecord {
  const head: ArchiveRecord = { type: record.warcType ?? '', offset, length: 0 };
  const url = record.warcTargetURI;
  if (url) head.url = url;
  const date = record.warcDate;
  if (date) head.date = date;
  const contentType = record.warcContentType;
  if (contentType) head.contentType = contentType;
  if (record.httpHeaders) {
    const status = Number(record.httpHeaders.statusCode);
    if (Number.isFinite(status)) head.httpStatus = status;
    const headers: Record<string, string> = {};
    for (const [name, value] of record.httpHeaders.headers) headers[name.toLowerCase()] = value;
    head.httpHeaders = headers;
    if (headers['content-type']) head.httpContentType = headers['content-type'];
  }
  return head;
}

async function readPayload(
  record: WARCRecord,
  max: number,
): Promise<{ payload: Uint8Array; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of record) {
    if (size + chunk.length > max) {
      chunks.push(chunk.subarray(0, max - size));
      size = max;
      truncated = true;
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  // One chunk (a small page) is the payload itself; more are joined once, never copied again.
  return { payload: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), truncated };
}

/** The offset of the first `magic` at or after `from`, reading forward in ranges. */
async function findNext(
  input: ArchiveInput,
  from: number,
  magic: number[],
  end?: number,
): Promise<number | undefined> {
  let carry: Uint8Array = new Uint8Array(0);
  let base = from;
  for await (const chunk of input.read(from, end)) {
    const window: Uint8Array = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const windowStart = base - carry.length;
    let at = window.indexOf(magic[0]!);
    while (at >= 0 && at + magic.length <= window.length) {
      let whole = true;
      for (let i = 1; i < magic.length; i++) if (window[at + i] !== magic[i]) whole = false;
      if (whole) return windowStart + at;
      at = window.indexOf(magic[0]!, at + 1);
    }
    carry = window.subarray(Math.max(0, window.length - (magic.length - 1)));
    base += chunk.length;
  }
  return undefined;
}

/** Whether the bytes from `start` to `end` are exactly one record that inflates without error. */
async function inflatesCleanly(input: ArchiveInput, start: number, end: number): Promise<boolean> {
  const parser = new WARCParser(input.read(start, end), { parseHttp: false });
  let records = 0;
  try {
    for await (const record of parser) {
      records++;
      for await (const _ of record) {
        // Read to the end of the member, so that its checksum is checked too.
      }
    }
  } catch {
    return false;
  }
  return records === 1 && parser._reader.compressed !== null;
}

async function isGzip(input: ArchiveInput, at: number): Promise<boolean> {
  for await (const chunk of input.read(at, at + 2)) return chunk[0] === 0x1f && chunk[1] === 0x8b;
  return false;
}

/** A "record" without a WARC-Type is what warcio makes of a damaged member: report it as damage. */
function eventOf(record: ArchiveRecord): ArchiveEvent {
  if (record.type) return { record };
  return { damage: { offset: record.offset, length: record.length, reason: 'unreadable record' } };
}

export async function* readArchive(input: ArchiveInput, options: ReadOptions): AsyncGenerator<ArchiveEvent> {
  const maxPayloadBytes = options.maxPayloadBytes ?? 10 * 1024 * 1024;
  const size = options.end ?? (await input.size());
  // Whether the file is gzip members, seen on its first bytes (no request of its own).
  let compressed: boolean | undefined;
  const watched = async function* (source: AsyncIterable<Uint8Array>) {
    for await (const chunk of source) {
      if (compressed === undefined && chunk.length >= 2) compressed = chunk[0] === 0x1f && chunk[1] === 0x8b;
      yield chunk;
    }
  };
  let position = options.start ?? 0;
  // The last record read, held until the next one's offset gives its length.
  let held: ArchiveRecord | undefined;
  for (;;) {
    const parser = new WARCParser(watched(input.read(position, options.end)), { keepHeadersCase: false });
    // warcio turns to reading raw bytes when a member fails to inflate (a bad CRC, corrupt data):
    // from then on, nothing it reads in this file is trustworthy.
    const fellBack = () => compressed === true && parser._reader.compressed === null;
    let parsed = 0;
    let failure: string | undefined;
    let lastEnd = position;
    try {
      for await (const record of parser) {
        const offset = position + parser.offset;
        if (fellBack()) break;
        if (held) {
          held.length = offset - held.offset;
          yield eventOf(held);
        }
        parsed++;
        held = headOf(record, offset);
        if (options.wants(held)) {
          const { payload, truncated } = await readPayload(record, maxPayloadBytes);
          held.payload = payload;
          if (truncated) held.payloadTruncated = true;
        }
      }
      if (held && parsed > 0) lastEnd = held.offset + parser.recordLength;
    } catch (error) {
      failure = (error as Error).message;
    }
    const complete =
      failure === undefined && parsed > 0 && !fellBack() && (size === undefined || lastEnd >= size);
    if (complete) {
      if (held) {
        held.length = lastEnd - held.offset;
        yield eventOf(held);
      }
      return;
    }
    const failedMember = fellBack();
    // Cut short: the next readable record may start at the next member (or `WARC/1.` line) after
    // the last good record. That record ends there; if nothing was read, the span up to it is damage.
    compressed ??= await isGzip(input, position);
    const magic = compressed ? GZIP_MAGIC : WARC_MAGIC;
    const next = await findNext(input, (held?.offset ?? position) + 1, magic, options.end);
    const boundary = next === undefined ? (size ?? lastEnd) : compressed ? next : next + 1;
    if (held) {
      held.length = boundary - held.offset;
      // The member that failed to inflate is the held record's or the next one: read it alone.
      if (failedMember && !(await inflatesCleanly(input, held.offset, boundary))) {
        held.type = '';
        delete held.payload;
      }
      yield eventOf(held);
      held = undefined;
    } else if (boundary > position) {
      const reason =
        failure ?? (next === undefined ? 'truncated or unreadable to the end' : 'unreadable record');
      yield { damage: { offset: position, length: boundary - position, reason } };
    }
    if (next === undefined) return;
    position = boundary;
  }
}
