import type { Site } from '../config/sites.ts';
import { sameSite, twinKey } from '../net/url.ts';
import { urlFilter } from './discovery.ts';
import type { NewItem } from './queue.ts';

/** Why a site was only partly crawled: the budget that stopped it. */
export type SiteBudget = 'time' | 'pages' | 'sitemaps';

export interface AdmissionLimits {
  maxSitemapsPerSite: number;
  maxSitemapDepth: number;
}

/** What the pass already holds, read from the store when a crawl starts or resumes. */
export interface KnownUrls {
  pages: Iterable<{ siteId: string; url: string }>;
  sitemaps: Iterable<{ siteId: string; url: string }>;
  /** Final URLs that redirected pages landed on. */
  landedOn: Iterable<string>;
  /** Budgets that stopped sites earlier in the pass (before a resume). */
  budgets?: Record<string, 'pages' | 'sitemaps'>;
}

/**
 * Which discovered URLs a pass takes in: pages on the same site, through its include/exclude
 * filters, not seen before (a `www.` twin or a redirect's landing place counts as seen), within
 * `maxPages`; sitemaps within the per-site count and the index nesting depth. It remembers every
 * budget that turned a URL away, which makes a site partly crawled.
 */
export class Admission {
  readonly overBudget: Record<string, SiteBudget> = {};
  private readonly pages = new Map<string, Set<string>>();
  private readonly sitemaps = new Map<string, Set<string>>();
  private readonly landedOn = new Set<string>();
  private readonly filters: Map<string, (url: string) => boolean>;

  constructor(
    sites: readonly Site[],
    private readonly limits: AdmissionLimits,
    known: KnownUrls,
    /** Told the first time a budget stops a site, to keep it across a resume. */
    private readonly onBudget: (siteId: string, budget: 'pages' | 'sitemaps') => void = () => {},
  ) {
    Object.assign(this.overBudget, known.budgets);
    this.filters = new Map(
      sites.map((site) => [site.id, urlFilter(site.discover.include, site.discover.exclude)]),
    );
    for (const row of known.pages) setOf(this.pages, row.siteId).add(twinKey(row.url));
    for (const row of known.sitemaps) setOf(this.sitemaps, row.siteId).add(row.url);
    for (const url of known.landedOn) this.landedOn.add(twinKey(url));
  }

  noteBudget(siteId: string, budget: 'pages' | 'sitemaps'): void {
    if (this.overBudget[siteId]) return;
    this.overBudget[siteId] = budget;
    this.onBudget(siteId, budget);
  }

  /** A page that redirected: a later link to where it landed is the same page again. */
  noteLanding(url: string): void {
    this.landedOn.add(twinKey(url));
  }

  /** Whether a page URL could be admitted: same site, include/exclude, not seen yet. */
  admissible(site: Site, url: string): boolean {
    const key = twinKey(url);
    return (
      !setOf(this.pages, site.id).has(key) &&
      !this.landedOn.has(key) &&
      sameSite(url, site.url) &&
      this.filters.get(site.id)!(url)
    );
  }

  /** Pages the site's budget still has room for. */
  pagesLeft(site: Site): number {
    return Math.max(0, site.discover.maxPages - setOf(this.pages, site.id).size);
  }

  /** Sitemaps at `depth` the site's budget still has room for. */
  sitemapsLeft(site: Site, depth: number): number {
    if (depth > this.limits.maxSitemapDepth) return 0;
    return Math.max(0, this.limits.maxSitemapsPerSite - setOf(this.sitemaps, site.id).size);
  }

  /** Whether a sitemap URL found in a sitemap or robots.txt could be admitted. */
  sitemapAdmissible(site: Site, url: string): boolean {
    return !setOf(this.sitemaps, site.id).has(url) && sameSite(url, site.url);
  }

  /** Admit discovered page URLs: same site, include/exclude, not seen, within maxPages. */
  admitPages(site: Site, urls: string[], make: (url: string) => NewItem): NewItem[] {
    const known = setOf(this.pages, site.id);
    const admitted: NewItem[] = [];
    for (const url of urls) {
      if (!this.admissible(site, url)) continue;
      if (known.size >= site.discover.maxPages) {
        this.noteBudget(site.id, 'pages');
        break;
      }
      known.add(twinKey(url));
      admitted.push(make(url));
    }
    return admitted;
  }

  /**
   * Admit sitemaps at a nesting depth (0 for those named in sites.yaml or robots.txt): same
   * site, not seen, within maxSitemapsPerSite and maxSitemapDepth. An index of indexes that
   * never names a page ends here, not after thousands of fetches.
   */
  admitSitemaps(
    site: Site,
    urls: string[],
    depth: number,
    make: (url: string) => NewItem,
    anyHost = false,
  ): NewItem[] {
    const known = setOf(this.sitemaps, site.id);
    const admitted: NewItem[] = [];
    for (const url of urls) {
      // Sitemaps named in sites.yaml may live elsewhere (a CDN); found ones must be on the site.
      if (known.has(url) || (!anyHost && !sameSite(url, site.url))) continue;
      if (depth > this.limits.maxSitemapDepth || known.size >= this.limits.maxSitemapsPerSite) {
        this.noteBudget(site.id, 'sitemaps');
        break;
      }
      known.add(url);
      admitted.push({ ...make(url), depth });
    }
    return admitted;
  }
}

function setOf(map: Map<string, Set<string>>, siteId: string): Set<string> {
  let set = map.get(siteId);
  if (!set) {
    set = new Set();
    map.set(siteId, set);
  }
  return set;
}
