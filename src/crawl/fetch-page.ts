/**
 * TEMPORARY (match branch): a minimal single-page fetch with the signature the crawler's
 * `fetchPageSnapshot` has, so that `check URL` works and is tested before the crawler lands. The
 * crawler's version replaces this file at merge (redirect scope, charset sniffing, retries).
 */
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { request } from 'undici';
import { SyndicateError } from '../errors.ts';
import type { PageSnapshot } from './snapshot.ts';

export interface FetchPageOptions {
  allowPrivateNetworks?: boolean;
  userAgent?: string;
  resolve?: Record<string, string>;
  signal?: AbortSignal;
  maxBodyBytes?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  maxRedirects?: number;
}

function isPrivate(address: string): boolean {
  if (isIP(address) === 6) {
    const lower = address.toLowerCase();
    if (lower.startsWith('::ffff:')) return isPrivate(lower.slice(7));
    return lower === '::1' || lower === '::' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
  }
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

async function checkAddress(url: URL, options: FetchPageOptions): Promise<void> {
  if (options.allowPrivateNetworks) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  if (addresses.some(isPrivate)) {
    throw new SyndicateError(
      'fetch',
      `refusing private or loopback address for ${url.host} (use --allow-private-networks)`,
    );
  }
}

export async function fetchPageSnapshot(url: string, options: FetchPageOptions): Promise<PageSnapshot> {
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 5;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new SyndicateError('fetch', `unsupported URL scheme ${current.protocol}`);
    }
    await checkAddress(current, options);
    const response = await request(current, {
      method: 'GET',
      headers: {
        'user-agent': options.userAgent ?? 'syndicate/0.1 (reprint-terms checker)',
        accept: 'text/html,*/*;q=0.5',
      },
      headersTimeout: options.headersTimeoutMs ?? 30_000,
      bodyTimeout: options.bodyTimeoutMs ?? 60_000,
      signal: options.signal,
    });
    const location = response.headers.location;
    if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
      await response.body.dump();
      if (hop >= maxRedirects) throw new SyndicateError('fetch', `more than ${maxRedirects} redirects`);
      const next = new URL(location, current);
      if (next.hostname.replace(/^www\./, '') !== current.hostname.replace(/^www\./, '')) {
        throw new SyndicateError('fetch', `redirect to another host (${next.host}) not followed`);
      }
      current = next;
      continue;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      if (size + buffer.length > maxBodyBytes) {
        chunks.push(buffer.subarray(0, maxBodyBytes - size));
        truncated = true;
        response.body.destroy();
        break;
      }
      chunks.push(buffer);
      size += buffer.length;
    }
    const raw = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined)
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const snapshot: PageSnapshot = {
      url,
      finalUrl: current.href,
      status: response.statusCode,
      headers,
      fetchedAt: new Date().toISOString(),
      contentType: (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase(),
      body: new TextDecoder('utf-8').decode(raw),
      bodyHash: createHash('sha256').update(raw).digest('hex'),
    };
    if (truncated) snapshot.truncated = true;
    return snapshot;
  }
}
