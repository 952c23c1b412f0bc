import type { Site } from '../config/sites.ts';
import type { Scan } from '../findings/types.ts';

/**
 * The sites a scan could not reach: every page it tried on them failed, or it recorded errors
 * for their addresses without counting a single page.
 */
export function unreachableSites(
  scan: Scan,
  sites: readonly Site[] | undefined,
): Array<{ site: string; why: string }> {
  const bySite = scan.counts.bySite ?? {};
  const found: Array<{ site: string; why: string }> = [];
  for (const id of scan.sites) {
    const counts = bySite[id];
    const pages = counts?.pages ?? 0;
    const errors = counts?.errors ?? 0;
    if (pages > 0 && errors === pages) {
      found.push({ site: id, why: `all ${pages} page${pages === 1 ? '' : 's'} failed to load` });
      continue;
    }
    if (pages > 0) continue;
    const home = sites?.find((site) => site.id === id)?.url;
    const host = home ? hostOf(home) : undefined;
    const error = host ? scan.errors.find((entry) => entry.url && sameHost(entry.url, host)) : undefined;
    if (error) found.push({ site: id, why: error.message });
  }
  return found;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return undefined;
  }
}

function sameHost(url: string, host: string): boolean {
  return hostOf(url) === host;
}
