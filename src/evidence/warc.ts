import { STATUS_CODES } from 'node:http';
import { WARCRecord, WARCSerializer } from 'warcio';
import { VERSION } from '../version.ts';

/** One HTTP exchange as the crawler made it: what a WARC holds. */
export interface Exchange {
  /** The URL that was asked for, and the one that answered (after redirects within the site). */
  url: string;
  finalUrl: string;
  /** When the response was received, ISO 8601. */
  fetchedAt: string;
  status: number;
  /** Header names lower-cased, as the crawler keeps them. */
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  /** The body bytes after content decoding (gzip, br), before charset decoding. */
  body: Uint8Array;
}

// The crawler keeps the body after content decoding: these headers describe the bytes on the wire,
// not the bytes kept, so a WARC reader must not act on them. They are kept, renamed, as the
// archiving convention of pywb and warcio does (`X-Archive-Orig-…`).
const WIRE_HEADERS = new Set(['content-encoding', 'transfer-encoding', 'content-length']);

const SERIALIZE = { gzip: true, digest: { algo: 'sha-256' as const, prefix: 'sha256:', base32: false } };

/**
 * A WARC 1.1 file (each record gzipped, as web archives are) of one exchange: a warcinfo record
 * saying what wrote it, the request as sent and the response as received. The response's payload
 * digest is the SHA-256 of the body, the same hash the crawl recorded for the page.
 */
export async function writeWarc(exchange: Exchange, filename: string): Promise<Uint8Array> {
  const warcVersion = 'WARC/1.1' as const;
  const info = WARCRecord.createWARCInfo(
    { filename, warcVersion },
    {
      software: `syndicate/${VERSION}`,
      format: 'WARC File Format 1.1',
      description:
        'One page of a republishing site as syndicate fetched it. The response body is stored after content decoding; the original Content-Encoding, Transfer-Encoding and Content-Length are kept as X-Archive-Orig- headers.',
    },
  );
  const target = exchange.finalUrl;
  const address = new URL(target);
  const request = WARCRecord.create(
    {
      url: target,
      date: exchange.fetchedAt,
      type: 'request',
      warcVersion,
      statusline: `GET ${address.pathname}${address.search} HTTP/1.1`,
      httpHeaders: { host: address.host, ...exchange.requestHeaders },
    },
    [],
  );
  const response = WARCRecord.create(
    {
      url: target,
      date: exchange.fetchedAt,
      type: 'response',
      warcVersion,
      statusline: `HTTP/1.1 ${exchange.status} ${STATUS_CODES[exchange.status] ?? ''}`.trimEnd(),
      httpHeaders: responseHeaders(exchange),
      warcHeaders: { 'WARC-Concurrent-To': request.warcHeaders.headers.get('WARC-Record-ID') ?? '' },
    },
    [exchange.body],
  );
  const parts = [
    await WARCSerializer.serialize(info, SERIALIZE),
    await WARCSerializer.serialize(request, SERIALIZE),
    await WARCSerializer.serialize(response, SERIALIZE),
  ];
  return Buffer.concat(parts);
}

function responseHeaders(exchange: Exchange): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(exchange.responseHeaders)) {
    if (WIRE_HEADERS.has(name)) headers[`x-archive-orig-${name}`] = value;
    else headers[name] = value;
  }
  headers['content-length'] = String(exchange.body.length);
  return headers;
}
