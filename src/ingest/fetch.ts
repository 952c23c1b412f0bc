import { SyndicateError } from '../errors.ts';
import type { PrivateNetworkPolicy } from '../net/address-policy.ts';
import { decodeBody } from '../net/charset.ts';
import { isFetchError } from '../net/errors.ts';
import { Fetcher } from '../net/http.ts';

/** Bounds on fetching a feed by URL; the defaults are the crawler's (see the brief). */
export interface FetchLimits {
  /** Time to the response headers. */
  headersTimeoutMs: number;
  /** Time for the whole response, body included. */
  responseTimeoutMs: number;
  /** Body bytes kept at most; a bigger feed is refused rather than cut. */
  maxBytes: number;
  maxRedirects: number;
  /**
   * The crawler's address policy: private, loopback and link-local addresses (the URL's host or
   * any redirect's) are refused unless allowed (`import --allow-private-networks`).
   */
  allowPrivateNetworks: PrivateNetworkPolicy;
}

export const defaultFetchLimits: FetchLimits = {
  headersTimeoutMs: 30_000,
  responseTimeoutMs: 60_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  allowPrivateNetworks: false,
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
 * GET a feed the operator named, through the crawler's HTTP client: the same address policy at
 * every connection (a redirect to 127.0.0.1 or a NAT64 address is refused like the URL itself),
 * the same time limits, and redirects to any public host, each hop checked.
 */
export async function fetchText(
  url: string,
  limits: Partial<FetchLimits> = {},
  signal?: AbortSignal,
): Promise<FetchedText> {
  const bounds = { ...defaultFetchLimits, ...limits };
  const fetcher = new Fetcher({
    userAgent: 'syndicate (feed import)',
    allowPrivateNetworks: bounds.allowPrivateNetworks,
    headersTimeoutMs: bounds.headersTimeoutMs,
    bodyTimeoutMs: bounds.responseTimeoutMs,
    maxBodyBytes: bounds.maxBytes,
    maxRedirects: bounds.maxRedirects,
  });
  try {
    const result = await fetcher.fetch(url, {
      signal,
      // Any http(s) host: the operator named the feed, and a feed moved to a CDN is common.
      inScope: () => true,
      headers: {
        accept:
          'application/feed+json, application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5',
      },
    });
    if (result.status >= 300) throw fetchError(`HTTP status ${result.status}`, url);
    if (result.truncated) throw fetchError(`response too large: more than ${bounds.maxBytes} bytes`, url);
    const contentType = result.headers['content-type'];
    return {
      // The crawler's decoding: BOM, header, XML declaration or <meta>, with its checks.
      text: decodeBody(result.bytes, contentType).text,
      url: result.finalUrl,
      ...(contentType ? { contentType } : {}),
    };
  } catch (error) {
    if (!isFetchError(error)) {
      if (error instanceof SyndicateError) throw error;
      throw fetchError(`cannot fetch: ${(error as Error).message}`, url, error);
    }
    // The import error names the URL as its place already.
    const reason = error.reason;
    if (error.kind === 'too-many-redirects' && !reason.startsWith('redirect loop')) {
      throw fetchError(`too many redirects (more than ${bounds.maxRedirects})`, url, error);
    }
    if (error.kind === 'private-address') throw fetchError(`refused: ${reason}`, url, error);
    if (error.kind === 'aborted') throw fetchError('cannot fetch: stopped', url, error);
    if (error.kind === 'timeout' && reason.startsWith('no whole response')) {
      throw fetchError(`cannot fetch: timed out after ${bounds.responseTimeoutMs} ms`, url, error);
    }
    throw fetchError(`cannot fetch: ${reason}`, url, error);
  } finally {
    await fetcher.close().catch(() => undefined);
  }
}
