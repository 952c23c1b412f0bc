import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { Agent, buildConnector, request } from 'undici';
import { crawlerSchema } from '../config/sites.ts';
import { addressAllowed, type PrivateNetworkPolicy } from './address-policy.ts';
import { type FailureKind, FetchError, isFetchError } from './errors.ts';
import { sameSite } from './url.ts';

/**
 * The one HTTP client of every stage (undici): the crawler, `check URL`, `import URL`, discover,
 * webhooks and WebSub hubs each make one with their own limits. Pooled keep-alive connections,
 * host names resolved (or mapped by `resolve`, like curl --resolve) and checked against the
 * address policy at every connection — so also after a redirect — time limits on headers and on
 * the whole response, a cap on the body after decompression, and redirects followed by hand
 * within a scope.
 */
export interface FetcherOptions {
  userAgent: string;
  allowPrivateNetworks: PrivateNetworkPolicy;
  resolve?: Record<string, string> | undefined;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  connectTimeoutMs?: number;
  maxBodyBytes: number;
  maxRedirects: number;
}

export interface FetchRequest {
  /** GET unless said; a POST sends `body`. */
  method?: 'GET' | 'POST';
  body?: string;
  /** Extra request headers (conditional requests, a POST's content type). */
  headers?: Record<string, string>;
  /**
   * Whether redirects are followed (within `inScope`); when not, a redirect is a failure, as for a
   * POST whose answer must come from the URL the operator configured.
   */
  followRedirects?: boolean;
  signal?: AbortSignal | undefined;
  maxBodyBytes?: number;
  /** Whether a redirect target may be followed; default: the same site (host or `www.` twin). */
  inScope?: (url: string) => boolean;
  /** Awaited before each redirect hop: every request to a host counts for politeness. */
  beforeRedirect?: (url: string) => Promise<void>;
}

export interface FetchResult {
  url: string;
  finalUrl: string;
  status: number;
  headers: Record<string, string>;
  /** The body after content decoding (gzip, deflate, br), cut at the size limit. */
  bytes: Buffer;
  truncated: boolean;
  redirects: string[];
  /** The headers of the last request sent (kept for evidence). */
  requestHeaders?: Record<string, string>;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

export class Fetcher {
  readonly options: FetcherOptions;
  private readonly agent: Agent;

  constructor(options: FetcherOptions) {
    this.options = options;
    const base = buildConnector({ timeout: options.connectTimeoutMs ?? options.headersTimeoutMs });
    const resolveMap = normaliseResolve(options.resolve);
    const connect: buildConnector.connector = (connectOptions, callback) => {
      const host = connectOptions.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      const port = connectOptions.port || (connectOptions.protocol === 'https:' ? '443' : '80');
      resolveAddress(host, port, resolveMap).then(
        (target) => {
          if (!addressAllowed(target.address, options.allowPrivateNetworks)) {
            callback(
              new FetchError(
                'private-address',
                `${connectOptions.protocol}//${connectOptions.hostname}`,
                `${host} resolves to ${target.address}, a private address (allow with --allow-private-networks)`,
              ),
              null,
            );
            return;
          }
          base(
            {
              ...connectOptions,
              hostname: target.address,
              port: target.port,
              servername: connectOptions.servername ?? (isIP(host) ? undefined : host),
            } as buildConnector.Options,
            callback,
          );
        },
        (error: unknown) => callback(error as Error, null),
      );
    };
    this.agent = new Agent({ connect, keepAliveTimeout: 10_000, pipelining: 1 });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async fetch(url: string, init: FetchRequest = {}): Promise<FetchResult> {
    const inScope = init.inScope ?? ((target: string) => sameSite(target, url));
    const redirects: string[] = [];
    let current = url;
    for (;;) {
      const response = await this.fetchOnce(current, init);
      if (!REDIRECT.has(response.status) || response.location === undefined) {
        return { ...response, url, finalUrl: current, redirects };
      }
      if (init.followRedirects === false) {
        throw new FetchError('too-many-redirects', url, `redirected to ${response.location}, not followed`, {
          status: response.status,
        });
      }
      let next: string;
      try {
        next = new URL(response.location, current).href;
      } catch {
        throw new FetchError('http-status', current, `redirect to an invalid URL ${response.location}`, {
          status: response.status,
        });
      }
      if (!/^https?:$/.test(new URL(next).protocol) || !inScope(next)) {
        throw new FetchError('off-site', url, `redirected off the site to ${next}`, {
          status: response.status,
        });
      }
      redirects.push(next);
      if (
        redirects.length > this.options.maxRedirects ||
        redirects.slice(0, -1).includes(next) ||
        next === url
      ) {
        throw new FetchError(
          'too-many-redirects',
          url,
          redirects.length > this.options.maxRedirects
            ? `more than ${this.options.maxRedirects} redirects`
            : `redirect loop through ${next}`,
        );
      }
      await init.beforeRedirect?.(next);
      current = next;
    }
  }

  private async fetchOnce(
    url: string,
    init: FetchRequest,
  ): Promise<Omit<FetchResult, 'url' | 'finalUrl' | 'redirects'> & { location: string | undefined }> {
    // One controller per request, ended by the caller's signal or the whole-response deadline.
    // (AbortSignal.any on a long-lived signal piles up dependants on Node 20; this does not.)
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('deadline'));
    }, this.options.bodyTimeoutMs);
    const onAbort = () => controller.abort(init.signal?.reason);
    init.signal?.addEventListener('abort', onAbort, { once: true });
    if (init.signal?.aborted) onAbort();
    try {
      return await this.exchange(url, init, controller.signal, () => timedOut);
    } finally {
      clearTimeout(timer);
      init.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async exchange(
    url: string,
    init: FetchRequest,
    signal: AbortSignal,
    timedOut: () => boolean,
  ): Promise<Omit<FetchResult, 'url' | 'finalUrl' | 'redirects'> & { location: string | undefined }> {
    const fail = (error: unknown): never => {
      if (timedOut()) {
        throw new FetchError('timeout', url, `no whole response within ${this.options.bodyTimeoutMs} ms`, {
          transient: true,
          cause: error,
        });
      }
      if (init.signal?.aborted) throw new FetchError('aborted', url, 'stopped', { cause: error });
      throw classify(url, error);
    };
    let response: Awaited<ReturnType<typeof request>>;
    const requestHeaders: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5',
      'accept-encoding': 'gzip, deflate, br',
      ...init.headers,
    };
    try {
      response = await request(url, {
        method: init.method ?? 'GET',
        ...(init.body !== undefined ? { body: init.body } : {}),
        dispatcher: this.agent,
        signal,
        headersTimeout: this.options.headersTimeoutMs,
        bodyTimeout: this.options.bodyTimeoutMs,
        headers: requestHeaders,
      });
    } catch (error) {
      return fail(error);
    }
    const headers = flattenHeaders(response.headers);
    const status = response.statusCode;
    if (REDIRECT.has(status) || status === 304 || status >= 400) {
      // The body of a redirect or an error page is not kept.
      discard(response.body);
      return { status, headers, bytes: Buffer.alloc(0), truncated: false, location: headers.location };
    }
    try {
      const { bytes, truncated } = await readBody(
        response.body,
        headers['content-encoding'],
        init.maxBodyBytes ?? this.options.maxBodyBytes,
      );
      return { status, headers, bytes, truncated, location: headers.location, requestHeaders };
    } catch (error) {
      discard(response.body);
      return fail(error);
    }
  }
}

/** Let go of a stream we no longer read; its abort error is expected, not a crash. */
function discard(stream: Readable | Transform): void {
  stream.on('error', () => {});
  stream.destroy();
}

function normaliseResolve(
  resolve: Record<string, string> | undefined,
): Map<string, { address: string; port: string }> {
  const map = new Map<string, { address: string; port: string }>();
  for (const [name, target] of Object.entries(resolve ?? {})) {
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    if (match) map.set(name.toLowerCase(), { address: match[1]!, port: match[2]! });
  }
  return map;
}

async function resolveAddress(
  host: string,
  port: string,
  resolveMap: Map<string, { address: string; port: string }>,
): Promise<{ address: string; port: string }> {
  const mapped = resolveMap.get(`${host}:${port}`) ?? resolveMap.get(host);
  if (mapped) return mapped;
  if (isIP(host)) return { address: host, port };
  const [first] = await lookup(host, { all: true, verbatim: true });
  if (!first) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
  return { address: first.address, port };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function decoderFor(encoding: string | undefined): Transform | undefined {
  const coding = (encoding ?? '').split(',').at(-1)?.trim().toLowerCase() ?? '';
  if (coding === 'gzip' || coding === 'x-gzip') return createGunzip();
  if (coding === 'br') return createBrotliDecompress();
  if (coding === 'deflate') return undefined; // decided on the first bytes, see readBody
  return undefined;
}

/** Read a body, decoding it, and stop at `max` decoded bytes (a gzip bomb stops there too). */
export async function readBody(
  body: Readable,
  encoding: string | undefined,
  max: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const coding = (encoding ?? '').split(',').at(-1)?.trim().toLowerCase() ?? '';
  let source: Readable = body;
  let decoder: Transform | undefined = decoderFor(coding);
  if (coding === 'deflate') {
    // "deflate" is zlib-wrapped by the standard, raw by many servers: look at the first byte.
    const first = await firstChunk(body);
    decoder = first && (first[0]! & 0x0f) === 8 ? createInflate() : createInflateRaw();
    if (first) decoder.write(first);
  }
  if (decoder) {
    const target = decoder;
    body.on('error', (error) => target.destroy(error));
    source = body.pipe(target);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (size + chunk.length > max) {
        chunks.push(chunk.subarray(0, max - size));
        size = max;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    if (truncated) {
      discard(body);
      if (decoder) discard(decoder);
    }
  }
  return { bytes: Buffer.concat(chunks, size), truncated };
}

function firstChunk(body: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      cleanup();
      body.pause();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
  });
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Turn whatever the network threw into a FetchError with its kind. */
export function classify(url: string, error: unknown): FetchError {
  if (isFetchError(error)) return error;
  const cause = error as { code?: string; name?: string; message?: string; cause?: unknown };
  if (isFetchError(cause.cause)) return cause.cause;
  const code = cause.code ?? (cause.cause as { code?: string } | undefined)?.code ?? '';
  const message = cause.message ?? String(error);
  let kind: FailureKind = 'connection';
  let transient = true;
  if (TIMEOUT_CODES.has(code) || cause.name === 'TimeoutError') kind = 'timeout';
  else if (CONNECTION_CODES.has(code)) kind = 'connection';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    kind = 'dns';
    transient = code === 'EAI_AGAIN';
  } else if (
    code.startsWith('Z_') ||
    code.startsWith('ERR_BROTLI') ||
    code === 'ERR__ERROR_FORMAT_PADDING_1'
  ) {
    kind = 'decoding';
    transient = false;
  }
  return new FetchError(kind, url, `${kind}: ${message}${code ? ` (${code})` : ''}`, {
    transient,
    cause: error,
  });
}

/** What a command may set on a fetcher; everything else is the crawler's default. */
export interface FetchSettings {
  userAgent?: string;
  allowPrivateNetworks?: PrivateNetworkPolicy;
  resolve?: Record<string, string>;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  maxBodyBytes?: number;
  maxRedirects?: number;
}

/**
 * A fetcher with the crawler's limits and address policy (the defaults of `crawlerSchema`, written
 * once there) and whatever `settings` override: for `check URL`, discover and its live check.
 */
export function crawlerFetcher(settings: FetchSettings = {}): Fetcher {
  const defaults = crawlerSchema.parse({});
  return new Fetcher({
    userAgent: settings.userAgent ?? defaults.userAgent,
    allowPrivateNetworks: settings.allowPrivateNetworks ?? defaults.allowPrivateNetworks,
    resolve: settings.resolve,
    headersTimeoutMs: settings.headersTimeoutMs ?? defaults.headersTimeoutMs,
    bodyTimeoutMs: settings.bodyTimeoutMs ?? defaults.bodyTimeoutMs,
    maxBodyBytes: settings.maxBodyBytes ?? defaults.maxBodyBytes,
    maxRedirects: settings.maxRedirects ?? defaults.maxRedirects,
  });
}
