import { crawlerSchema } from '../config/sites.ts';
import { normaliseUrl, sameSite } from '../net/url.ts';
import type { PrivateNetworkPolicy } from './address-policy.ts';
import { FetchError } from './errors.ts';
import { Fetcher } from './fetcher.ts';
import { toPageSnapshot } from './page.ts';
import type { PageSnapshot } from './snapshot.ts';

export { FetchError } from './errors.ts';

/**
 * One page fetched with the crawler's rules (time and size limits, charset, private-address
 * refusal, redirects only within the host and its `www.` twin), without robots.txt: for `check URL`,
 * where a person asks for one page. Throws a FetchError (`code` 'fetch', with a `kind`).
 */
export async function fetchPageSnapshot(
  url: string,
  options: {
    allowPrivateNetworks?: PrivateNetworkPolicy;
    userAgent?: string;
    resolve?: Record<string, string>;
    signal?: AbortSignal;
    maxBodyBytes?: number;
    headersTimeoutMs?: number;
    bodyTimeoutMs?: number;
    maxRedirects?: number;
  } = {},
): Promise<PageSnapshot> {
  const defaults = crawlerSchema.parse({});
  const normalised = normaliseUrl(url);
  if (!normalised) throw new FetchError('http-status', url, 'not an http(s) URL');
  const fetcher = new Fetcher({
    userAgent: options.userAgent ?? defaults.userAgent,
    allowPrivateNetworks: options.allowPrivateNetworks ?? defaults.allowPrivateNetworks,
    resolve: options.resolve,
    headersTimeoutMs: options.headersTimeoutMs ?? defaults.headersTimeoutMs,
    bodyTimeoutMs: options.bodyTimeoutMs ?? defaults.bodyTimeoutMs,
    maxBodyBytes: options.maxBodyBytes ?? defaults.maxBodyBytes,
    maxRedirects: options.maxRedirects ?? defaults.maxRedirects,
  });
  try {
    const result = await fetcher.fetch(normalised, {
      signal: options.signal,
      inScope: (target) => sameSite(target, normalised),
    });
    if (result.status < 200 || result.status > 299) {
      throw new FetchError('http-status', normalised, `HTTP ${result.status}`, { status: result.status });
    }
    return toPageSnapshot(result, new Date());
  } finally {
    await fetcher.close();
  }
}
