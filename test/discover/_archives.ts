/**
 * Test archives in the real format: records written by warcio's serializer, one gzip member each
 * (as Common Crawl writes them), with damage put in by hand where a test wants it.
 */

import { WARCRecord, WARCSerializer } from 'warcio';
import { startServer, type TestServer } from '../helpers/http.ts';

export interface RecordSpec {
  type: 'response' | 'conversion' | 'request' | 'metadata' | 'warcinfo' | 'resource';
  url: string;
  date?: string;
  /** For a response. */
  status?: number;
  httpHeaders?: Record<string, string>;
  body: Uint8Array | string;
  contentType?: string;
}

export async function serializeRecord(spec: RecordSpec, gzip = true): Promise<Uint8Array> {
  const bytes = typeof spec.body === 'string' ? new TextEncoder().encode(spec.body) : spec.body;
  const source = (async function* () {
    // Big bodies in several chunks, as a writer streams them.
    for (let at = 0; at < bytes.length; at += 65536) yield bytes.subarray(at, at + 65536);
  })();
  const options: Parameters<typeof WARCRecord.create>[0] = {
    url: spec.url,
    date: spec.date ?? '2026-03-20T10:00:00Z',
    type: spec.type,
    warcVersion: 'WARC/1.1',
  };
  if (spec.type === 'response') {
    options.statusline = `HTTP/1.1 ${spec.status ?? 200} OK`;
    options.httpHeaders = spec.httpHeaders ?? { 'Content-Type': 'text/html; charset=utf-8' };
  } else if (spec.contentType) {
    options.warcHeaders = { 'Content-Type': spec.contentType };
  }
  const record = WARCRecord.create(options, source);
  return WARCSerializer.serialize(record, { gzip });
}

export interface BuiltArchive {
  bytes: Buffer;
  /** Offset and length of each record's member, in order. */
  members: Array<{ offset: number; length: number; url: string }>;
}

export async function buildArchive(specs: readonly RecordSpec[], gzip = true): Promise<BuiltArchive> {
  const parts: Uint8Array[] = [];
  const members: BuiltArchive['members'] = [];
  let offset = 0;
  for (const spec of specs) {
    const bytes = await serializeRecord(spec, gzip);
    parts.push(bytes);
    members.push({ offset, length: bytes.length, url: spec.url });
    offset += bytes.length;
  }
  return { bytes: Buffer.concat(parts), members };
}

/** A static file server with byte ranges, and a CDX endpoint answering from a list of captures. */
export async function serveArchives(
  files: Record<string, Buffer>,
  captures: Array<Record<string, unknown>> = [],
): Promise<{ server: TestServer; base: string; requests: string[] }> {
  const requests: string[] = [];
  const server = await startServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(`${url.pathname}${url.search} ${request.headers.range ?? ''}`.trim());
    if (url.pathname === '/cdx') {
      const domain = url.searchParams.get('url') ?? '';
      const lines = captures
        .filter((capture) => new URL(String(capture.url)).hostname.endsWith(domain))
        .map((capture) => JSON.stringify(capture));
      if (lines.length === 0) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/x-ndjson' }).end(`${lines.join('\n')}\n`);
      return;
    }
    const file = files[url.pathname.slice(1)];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    if (!range) {
      response.writeHead(200, { 'content-length': file.length }).end(file);
      return;
    }
    const start = Number(range[1]);
    const end = Math.min(range[2] ? Number(range[2]) : file.length - 1, file.length - 1);
    if (start >= file.length) {
      response.writeHead(416, { 'content-range': `bytes */${file.length}` }).end();
      return;
    }
    response
      .writeHead(206, {
        'content-range': `bytes ${start}-${end}/${file.length}`,
        'content-length': end - start + 1,
      })
      .end(file.subarray(start, end + 1));
  });
  return { server, base: server.url(''), requests };
}
