import iconv from 'iconv-lite';
import { Agent, interceptors, request } from 'undici';
import { SyndicateError } from '../errors.ts';

/** Bounds on fetching a feed by URL; the defaults are the crawler's (see the brief). */
export interface FetchLimits {
  /** Time to the response headers. */
  headersTimeoutMs: number;
  /** Time for the whole response, body included. */
  responseTimeoutMs: number;
  /** Body bytes kept at most; a bigger feed is refused rather than cut. */
  maxBytes: number;
  maxRedirects: number;
}

export const defaultFetchLimits: FetchLimits = {
  headersTimeoutMs: 30_000,
  responseTimeoutMs: 60_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
};

export interface FetchedText {
  text: string;
  /** The URL after redirects. */
  url: string;
  contentType?: string;
}

const fetchError = (message: string, url: string, cause?: unknown) =>
  new SyndicateError('fetch', message, { file: url }, { cause });

/**
 * GET a feed the operator named. Private and loopback addresses are allowed: the URL is the
 * operator's own (unlike a crawled link), and a feed on an intranet is a fair thing to import.
 */
export async function fetchText(
  url: string,
  limits: Partial<FetchLimits> = {},
  signal?: AbortSignal,
): Promise<FetchedText> {
  const bounds = { ...defaultFetchLimits, ...limits };
  const agent = new Agent({
    headersTimeout: bounds.headersTimeoutMs,
    bodyTimeout: bounds.responseTimeoutMs,
  });
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: bounds.maxRedirects }));
  const timeout = AbortSignal.timeout(bounds.responseTimeoutMs);
  const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await request(url, {
      dispatcher,
      signal: abort,
      headers: {
        accept:
          'application/feed+json, application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5',
        'user-agent': 'syndicate (feed import)',
      },
    });
    const { statusCode, headers, body } = response;
    if (statusCode >= 300) {
      await body.dump().catch(() => undefined);
      const reason =
        statusCode < 400
          ? `too many redirects (more than ${bounds.maxRedirects})`
          : `HTTP status ${statusCode}`;
      throw fetchError(reason, url);
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > bounds.maxBytes) {
      body.destroy();
      throw fetchError(`response too large: ${declared} bytes (the limit is ${bounds.maxBytes})`, url);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > bounds.maxBytes) {
        body.destroy();
        throw fetchError(`response too large: more than ${bounds.maxBytes} bytes`, url);
      }
      chunks.push(chunk as Buffer);
    }
    const contentType = headerValue(headers['content-type']);
    const bytes = Buffer.concat(chunks);
    const finalUrl = (response as { context?: { history?: URL[] } }).context?.history?.at(-1)?.href ?? url;
    return { text: decode(bytes, contentType), url: finalUrl, ...(contentType ? { contentType } : {}) };
  } catch (error) {
    if (error instanceof SyndicateError) throw error;
    const reason = timeout.aborted
      ? `timed out after ${bounds.responseTimeoutMs} ms`
      : signal?.aborted
        ? 'stopped'
        : (error as Error).message;
    throw fetchError(`cannot fetch: ${reason}`, url, error);
  } finally {
    await agent.close().catch(() => undefined);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Charset from the BOM, then the Content-Type header, then the XML declaration; UTF-8 else. */
export function decode(bytes: Buffer, contentType: string | undefined): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return iconv.decode(bytes.subarray(2), 'utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return iconv.decode(bytes.subarray(2), 'utf16be');
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  const head = bytes.subarray(0, 256).toString('latin1');
  const fromDeclaration = /^<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1];
  const charset = [fromHeader, fromDeclaration].find((name) => name && iconv.encodingExists(name));
  return charset ? iconv.decode(bytes, charset) : bytes.toString('utf8');
}
