/**
 * Discoveries by site: which hosts reprint the publisher's articles, whether each is registered
 * (and licensed) or unknown, and for an unknown one a `sites.yaml` entry ready to paste, so the
 * next scheduled scan watches it. Unknown sites come first, the ones reprinting most at the top.
 */
import { stringify } from 'yaml';
import type { Site } from '../config/sites.ts';
import { siteOf } from '../net/url.ts';
import type { Discovery } from './judge.ts';

export type SiteStatus = 'unknown' | 'registered' | 'licensed';

/** A host's counts (distinct pages and articles, full copies, excerpts, violations, unchecked pages) and what the registry says of it. */
export interface SiteSummary extends Omit<HostCounts, 'pageUrl'> {
  status: SiteStatus;
  /** The registry's id, for a registered site. */
  siteId?: string;
  /** A few of the pages, for a person to look at. */
  examples: string[];
  /** For an unknown site: an entry for `rules/sites.yaml`. */
  sitesYaml?: string;
}

function licensed(site: Site, now: Date): boolean {
  if (!site.licence) return false;
  const today = now.toISOString().slice(0, 10);
  return (
    site.licence.granted <= today && (site.licence.expires === undefined || site.licence.expires >= today)
  );
}

/** A registry id made of the host: lower-case letters, digits and dashes. */
export function siteIdOf(host: string): string {
  return (
    host
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'site'
  );
}

export function sitesYamlEntry(host: string, examples: readonly string[]): string {
  const entry = {
    id: siteIdOf(host),
    url: `https://${host}/`,
    // A person decides: a commercial site needs a licence, a community one only the credit.
    kind: 'community',
    discover: { start: examples.slice(0, 3) },
  };
  return stringify([entry], { lineWidth: 0 });
}

/** What a site summary counts of one host's discoveries, wherever they are counted. */
export interface HostCounts {
  host: string;
  /** One of its pages: the site registry is matched on it. */
  pageUrl: string;
  pages: number;
  articles: number;
  full: number;
  excerpts: number;
  violations: number;
  unchecked: number;
}

/** A host's summary: its counts, whether it is registered or licensed, a `sites.yaml` entry if not. */
export function siteSummary(
  counts: HostCounts,
  examples: readonly string[],
  sites: readonly Site[],
  now = new Date(),
): SiteSummary {
  const site = siteOf(sites, counts.pageUrl);
  const summary: SiteSummary = {
    host: counts.host,
    status: site ? (licensed(site, now) ? 'licensed' : 'registered') : 'unknown',
    pages: counts.pages,
    articles: counts.articles,
    full: counts.full,
    excerpts: counts.excerpts,
    violations: counts.violations,
    unchecked: counts.unchecked,
    examples: [...examples],
  };
  if (site) summary.siteId = site.id;
  else summary.sitesYaml = sitesYamlEntry(counts.host, examples);
  return summary;
}

/** Unknown sites first, then registered, then licensed; those reprinting most at the top. */
export function bySiteOrder(a: SiteSummary, b: SiteSummary): number {
  const rank: Record<SiteStatus, number> = { unknown: 0, registered: 1, licensed: 2 };
  return (
    rank[a.status] - rank[b.status] ||
    b.pages - a.pages ||
    b.articles - a.articles ||
    a.host.localeCompare(b.host)
  );
}

export function summariseBySite(
  discoveries: readonly Discovery[],
  sites: readonly Site[],
  now = new Date(),
): SiteSummary[] {
  const byHost = new Map<string, { discoveries: Discovery[]; pages: Set<string>; articles: Set<string> }>();
  for (const discovery of discoveries) {
    let entry = byHost.get(discovery.host);
    if (!entry) {
      entry = { discoveries: [], pages: new Set(), articles: new Set() };
      byHost.set(discovery.host, entry);
    }
    entry.discoveries.push(discovery);
    entry.pages.add(discovery.pageUrl);
    entry.articles.add(discovery.article.id);
  }
  const summaries: SiteSummary[] = [];
  for (const [host, entry] of byHost) {
    const counts: HostCounts = {
      host,
      pageUrl: entry.discoveries[0]!.pageUrl,
      pages: entry.pages.size,
      articles: entry.articles.size,
      full: entry.discoveries.filter((d) => d.kind === 'full').length,
      excerpts: entry.discoveries.filter((d) => d.kind === 'excerpt').length,
      violations: entry.discoveries.filter((d) => d.verdict === 'violation').length,
      unchecked: entry.discoveries.filter((d) => d.verdict === 'unchecked').length,
    };
    summaries.push(siteSummary(counts, [...entry.pages].slice(0, EXAMPLES), sites, now));
  }
  return summaries.sort(bySiteOrder);
}

/** Pages of a site shown as examples (and given as start pages of its `sites.yaml` entry). */
export const EXAMPLES = 5;
