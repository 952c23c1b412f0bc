import type { PrivateNetworkPolicy } from '../net/address-policy.ts';
import { FetchError } from '../net/errors.ts';
import { crawlerFetcher } from '../net/http.ts';
import { normaliseUrl, sameSite } from '../net/url.ts';
import { toPageSnapshot } from './page.ts';
import type { PageSnapshot } from './snapshot.ts';

export { FetchError } from '../net/errors.ts';

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
  const normalised = normaliseUrl(url);
  if (!normalised) throw new FetchError('http-status', url, 'not an http(s) URL');
  const fetcher = crawlerFetcher(options);
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
