import type { CrawlerConfig, Site, SitesFile } from '../config/sites.ts';
import { usageError } from '../errors.ts';
import { Fetcher } from '../net/http.ts';

/** The crawl's settings: which sites, the `crawler:` configuration with the command line's overrides. */

/** Command-line overrides of the `crawler:` configuration. */
export interface CrawlerOverrides {
  delayMs?: number;
  perHost?: number;
  allowPrivateNetworks?: boolean;
}

export function userAgentOf(config: CrawlerConfig): string {
  return config.contact ? `${config.userAgent} (+${config.contact})` : config.userAgent;
}

export function selectSites(config: SitesFile, siteIds: string[] | undefined): Site[] {
  if (!siteIds || siteIds.length === 0) return config.sites;
  return siteIds.map((id) => {
    const site = config.sites.find((candidate) => candidate.id === id);
    if (!site) throw usageError(`--site ${id}: no such site in sites.yaml`);
    return site;
  });
}

/** The `crawler:` configuration with the command line's overrides. */
export function crawlerSettings(config: SitesFile, options: CrawlerOverrides): CrawlerConfig {
  return {
    ...config.crawler,
    ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
    ...(options.perHost !== undefined ? { perHost: options.perHost } : {}),
    ...(options.allowPrivateNetworks ? { allowPrivateNetworks: true } : {}),
  };
}

export function fetcherFor(crawler: CrawlerConfig): Fetcher {
  return new Fetcher({
    userAgent: userAgentOf(crawler),
    allowPrivateNetworks: crawler.allowPrivateNetworks,
    resolve: crawler.resolve,
    headersTimeoutMs: crawler.headersTimeoutMs,
    bodyTimeoutMs: crawler.bodyTimeoutMs,
    maxBodyBytes: crawler.maxBodyBytes,
    maxRedirects: crawler.maxRedirects,
  });
}
