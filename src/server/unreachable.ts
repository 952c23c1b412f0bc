import type { Site } from '../config/sites.ts';
import type { Scan } from '../findings/types.ts';
import { siteHostOf } from '../net/url.ts';
import { plural } from '../text/plural.ts';

/** A site a scan could not see whole: `unreachable` (no page at all) or `partly scanned`. */
export interface SiteProblem {
  site: string;
  result: 'unreachable' | 'partly scanned';
  why: string;
}

/**
 * What a scan recorded of each site's result, when it did (scans since per-site results are kept);
 * read by shape, so that a scan recorded before them still reads.
 */
interface RecordedOutcome {
  result?: string;
  incomplete?: string[];
  failures?: Array<{ message?: string }>;
}

/**
 * The sites a scan could not reach, or reached only in part. Scans that recorded each site's
 * result say so themselves; for older ones a site counts as unreachable when every page tried on
 * it failed, or when the scan recorded an error for its address without counting a single page.
 */
export function siteProblems(scan: Scan, sites: readonly Site[] | undefined): SiteProblem[] {
  const recorded = (scan as Scan & { siteResults?: Record<string, RecordedOutcome> | null }).siteResults;
  if (recorded) {
    const found: SiteProblem[] = [];
    for (const [site, outcome] of Object.entries(recorded).sort(([a], [b]) => a.localeCompare(b))) {
      if (outcome.result !== 'unreachable' && outcome.result !== 'partly scanned') continue;
      const why = outcome.failures?.[0]?.message ?? outcome.incomplete?.join('; ') ?? outcome.result;
      found.push({ site, result: outcome.result, why });
    }
    return found;
  }
  const bySite = scan.counts.bySite ?? {};
  const found: SiteProblem[] = [];
  for (const id of scan.sites) {
    const counts = bySite[id];
    const pages = counts?.pages ?? 0;
    const errors = counts?.errors ?? 0;
    if (pages > 0 && errors === pages) {
      found.push({
        site: id,
        result: 'unreachable',
        why: `all ${plural(pages, 'page')} failed to load`,
      });
      continue;
    }
    if (pages > 0) {
      if (errors > 0) {
        found.push({ site: id, result: 'partly scanned', why: `${errors} of ${pages} pages failed to load` });
      }
      continue;
    }
    const home = sites?.find((site) => site.id === id)?.url;
    const host = home ? siteHostOf(home) : undefined;
    const error = host ? scan.errors.find((entry) => entry.url && siteHostOf(entry.url) === host) : undefined;
    if (error) found.push({ site: id, result: 'unreachable', why: error.message });
  }
  return found;
}
