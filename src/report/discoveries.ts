/**
 * The discoveries section of a report: pages on any site that reprint stored articles, found in
 * web archives by `discover`, grouped by site with the unknown sites first. Each format renders
 * it with its own function; text from archives is escaped like any crawled text.
 */
import type { Site } from '../config/sites.ts';
import {
  discoveriesOfHosts,
  discoveryCountsByHost,
  examplePages,
  listDiscoveries,
  type StoredDiscovery,
} from '../discover/store.ts';
import {
  bySiteOrder,
  EXAMPLES,
  type SiteSummary,
  siteSummary,
  summariseBySite,
} from '../discover/summary.ts';
import type { Sql } from '../store/sql.ts';
import { escapeHtml, htmlLink } from '../text/html.ts';
import { escapeMarkdown, markdownLink } from '../text/markdown.ts';

export interface DiscoveriesSection {
  sites: SiteSummary[];
  discoveries: StoredDiscovery[];
}

export async function discoveriesOf(
  sql: Sql,
  sites: readonly Site[] = [],
  now = new Date(),
): Promise<DiscoveriesSection> {
  const discoveries = await listDiscoveries(sql);
  return { sites: summariseBySite(discoveries, sites, now), discoveries };
}

/** Sites on a page of the review pages' discoveries, and the discoveries shown of each there. */
export const SITES_PER_PAGE = 20;
export const SHOWN_PER_SITE = 10;
/** Discoveries on a page of one site's discoveries. */
export const DISCOVERIES_PER_PAGE = 50;

/** One page of the discoveries: some sites and some of their discoveries, and where it stands. */
export interface DiscoveriesPage {
  section: DiscoveriesSection;
  /** Every site's and every discovery's count (of the one site's, for a site's page). */
  sites: number;
  discoveries: number;
  page: number;
  pages: number;
  /** The site a page of one site's discoveries shows. */
  host?: string;
}

/**
 * A page of the discoveries for the review pages: the sites in the order of the summary, a page
 * at a time, each with its first discoveries; or, given a `host`, that site's discoveries a page at
 * a time. The sites are counted by the store and only the page's discoveries are read, however
 * many an archive sweep recorded.
 */
export async function discoveriesPageOf(
  sql: Sql,
  sites: readonly Site[],
  where: { page: number; host?: string },
  now = new Date(),
): Promise<DiscoveriesPage> {
  const counts = await discoveryCountsByHost(sql);
  const total = counts.reduce((sum, site) => sum + site.full + site.excerpts, 0);
  if (where.host !== undefined) {
    const site = counts.find((candidate) => candidate.host === where.host);
    const found = site ? site.full + site.excerpts : 0;
    const pages = Math.max(1, Math.ceil(found / DISCOVERIES_PER_PAGE));
    const page = Math.min(where.page, pages);
    const examples = await examplePages(sql, site ? [site.host] : [], EXAMPLES);
    return {
      section: {
        sites: site ? [siteSummary(site, examples.get(site.host) ?? [], sites, now)] : [],
        discoveries: site
          ? await discoveriesOfHosts(
              sql,
              [site.host],
              (page - 1) * DISCOVERIES_PER_PAGE,
              DISCOVERIES_PER_PAGE,
            )
          : [],
      },
      sites: site ? 1 : 0,
      discoveries: found,
      page,
      pages,
      host: where.host,
    };
  }
  // Ordered without examples (the order needs none), then the page's sites made in full.
  const ordered = counts
    .map((site) => ({ site, summary: siteSummary(site, [], sites, now) }))
    .sort((a, b) => bySiteOrder(a.summary, b.summary));
  const pages = Math.max(1, Math.ceil(ordered.length / SITES_PER_PAGE));
  const page = Math.min(where.page, pages);
  const shown = ordered.slice((page - 1) * SITES_PER_PAGE, page * SITES_PER_PAGE).map(({ site }) => site);
  const hosts = shown.map((site) => site.host);
  const examples = await examplePages(sql, hosts, EXAMPLES);
  return {
    section: {
      sites: shown.map((site) => siteSummary(site, examples.get(site.host) ?? [], sites, now)),
      discoveries: await discoveriesOfHosts(sql, hosts, 0, SHOWN_PER_SITE),
    },
    sites: counts.length,
    discoveries: total,
    page,
    pages,
  };
}

const percent = (coverage: number) => `${Math.round(coverage * 100)}%`;

/** How a page that shows part of the discoveries says so. */
export interface PartialView {
  /** Every discovery's count, for the heading. */
  total: number;
  /** Where the rest of a site's discoveries are, when the page shows only some of them. */
  moreHref?: (host: string) => string;
}

export function discoveriesHtml(section: DiscoveriesSection | undefined, partial?: PartialView): string {
  if (!section || section.discoveries.length === 0) return '';
  const parts = [
    `<section id="discoveries"><h2>Discovered in web archives (${partial?.total ?? section.discoveries.length})</h2>`,
  ];
  for (const site of section.sites) {
    parts.push(
      `<h3>${escapeHtml(site.host)} <small>${escapeHtml(site.status)}${site.siteId ? ` (${escapeHtml(site.siteId)})` : ''}: ${site.pages} pages, ${site.articles} articles, ${site.violations} violations, ${site.unchecked} unchecked</small></h3><table><tr><th>page</th><th>article</th><th>kind</th><th>coverage</th><th>verdict</th><th>archive record</th></tr>`,
    );
    const listed = section.discoveries.filter((item) => item.host === site.host);
    for (const discovery of listed) {
      parts.push(
        `<tr><td>${htmlLink(discovery.pageUrl)}</td><td>${htmlLink(discovery.article.url, discovery.article.title)}</td><td>${escapeHtml(discovery.kind)}</td><td>${percent(discovery.coverage)}</td><td>${escapeHtml(discovery.verdict)}</td><td>${escapeHtml(discovery.source)} @${discovery.recordOffset}+${discovery.recordLength}${discovery.capturedAt ? `, ${escapeHtml(discovery.capturedAt)}` : ''}</td></tr>`,
      );
    }
    parts.push('</table>');
    const all = site.full + site.excerpts;
    if (partial?.moreHref && listed.length < all)
      parts.push(
        `<p class="meta"><a href="${escapeHtml(partial.moreHref(site.host))}">All ${all} discoveries of ${escapeHtml(site.host)}</a></p>`,
      );
    if (site.sitesYaml)
      parts.push(
        `<p>To watch it, add to <code>rules/sites.yaml</code>:</p><pre>${escapeHtml(site.sitesYaml)}</pre>`,
      );
  }
  parts.push('</section>');
  return parts.join('\n');
}

export function discoveriesMarkdown(section: DiscoveriesSection | undefined): string[] {
  if (!section || section.discoveries.length === 0) return [];
  const lines = ['', `## Discovered in web archives (${section.discoveries.length})`];
  for (const site of section.sites) {
    lines.push(
      '',
      `### ${escapeMarkdown(site.host)} (${site.status}${site.siteId ? ` ${escapeMarkdown(site.siteId)}` : ''})`,
      '',
      `${site.pages} pages, ${site.articles} articles, ${site.violations} violations, ${site.unchecked} unchecked.`,
      '',
    );
    for (const discovery of section.discoveries.filter((item) => item.host === site.host)) {
      lines.push(
        `- ${markdownLink(discovery.pageUrl)} reprints ${markdownLink(discovery.article.url, discovery.article.title)} (${discovery.kind}, ${percent(discovery.coverage)}, ${escapeMarkdown(discovery.verdict)}); record ${escapeMarkdown(discovery.source)} @${discovery.recordOffset}+${discovery.recordLength}`,
      );
    }
    if (site.sitesYaml) {
      // An indented block: Markdown renders it verbatim, so nothing in it is markup.
      lines.push(
        '',
        'To watch it, add to `rules/sites.yaml`:',
        '',
        ...site.sitesYaml
          .trimEnd()
          .split('\n')
          .map((line) => `    ${line}`),
      );
    }
  }
  return lines;
}
