import { MAX_SITE_FAILURES, type SiteFailure, type SiteOutcome, type SiteResult } from '../findings/types.ts';
import { plural } from '../text/plural.ts';

/**
 * What a scan can truthfully say about each site. A site whose pages could not be fetched was not
 * checked: it is `unreachable`, never `compliant`; one with pages missing is `partly scanned`.
 * Pure: the scan gathers the facts from the crawl and the checks, this decides.
 */
export interface SiteFacts {
  /** Pages fetched (or found unchanged) and checked, per site. */
  checked: ReadonlyMap<string, number>;
  /** URLs the crawl could not fetch, per site, in the order they failed. */
  failures: ReadonlyMap<string, readonly SiteFailure[]>;
  /** Items still queued when the crawl stopped (a signal), per site. */
  queued: ReadonlyMap<string, number>;
  /** Sites that ran out of a crawl budget, with the budget's name (`time`, `pages`, …). */
  overBudget: ReadonlyMap<string, string>;
  /** Violations seen in this scan, per site. */
  violations: ReadonlyMap<string, number>;
}

export function siteOutcomes(sites: readonly string[], facts: SiteFacts): Record<string, SiteOutcome> {
  const outcomes: Record<string, SiteOutcome> = {};
  for (const site of sites) {
    const checked = facts.checked.get(site) ?? 0;
    const failures = facts.failures.get(site) ?? [];
    const queued = facts.queued.get(site) ?? 0;
    const budget = facts.overBudget.get(site);
    const incomplete: string[] = [];
    if (failures.length) incomplete.push(`${plural(failures.length, 'URL')} failed`);
    if (budget) incomplete.push(`over its ${budget} budget; the next scan continues`);
    // A site stopped by its budget keeps its queue for the next scan; that is said above.
    if (queued && !budget) incomplete.push(`${plural(queued, 'URL')} not reached before the scan stopped`);
    outcomes[site] = {
      result: resultOf(checked, failures.length, incomplete.length > 0, facts.violations.get(site) ?? 0),
      pagesChecked: checked,
      failed: failures.length,
      complete: incomplete.length === 0,
      incomplete,
      failures: failures.slice(0, MAX_SITE_FAILURES).map((failure) => ({ ...failure })),
    };
  }
  return outcomes;
}

function resultOf(checked: number, failed: number, incomplete: boolean, violations: number): SiteResult {
  // A violation found is a fact whatever else failed; the missing pages are said alongside.
  if (violations > 0) return 'violations';
  if (checked === 0 && failed > 0) return 'unreachable';
  if (incomplete) return 'partly scanned';
  return 'compliant';
}

/**
 * Whether the scan saw nothing at all: no page of any site was fetched, and something failed.
 * (Sites that simply list no pages are not an outage.) `scan` then exits 2.
 */
export function isOutage(outcomes: Readonly<Record<string, SiteOutcome>>): boolean {
  const all = Object.values(outcomes);
  return (
    all.length > 0 &&
    all.every((outcome) => outcome.pagesChecked === 0) &&
    all.some((outcome) => outcome.failed > 0)
  );
}
