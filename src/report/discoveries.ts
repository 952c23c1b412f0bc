/**
 * The discoveries section of a report: pages on any site that reprint stored articles, found in
 * web archives by `discover`, grouped by site with the unknown sites first. Each format renders
 * it with its own function; text from archives is escaped like any crawled text.
 */
import type { Site } from '../config/sites.ts';
import { listDiscoveries, type StoredDiscovery } from '../discover/store.ts';
import { type SiteSummary, summariseBySite } from '../discover/summary.ts';
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

const percent = (coverage: number) => `${Math.round(coverage * 100)}%`;

export function discoveriesHtml(section: DiscoveriesSection | undefined): string {
  if (!section || section.discoveries.length === 0) return '';
  const parts = [
    `<section id="discoveries"><h2>Discovered in web archives (${section.discoveries.length})</h2>`,
  ];
  for (const site of section.sites) {
    parts.push(
      `<h3>${escapeHtml(site.host)} <small>${escapeHtml(site.status)}${site.siteId ? ` (${escapeHtml(site.siteId)})` : ''}: ${site.pages} pages, ${site.articles} articles, ${site.violations} violations, ${site.unchecked} unchecked</small></h3><table><tr><th>page</th><th>article</th><th>kind</th><th>coverage</th><th>verdict</th><th>archive record</th></tr>`,
    );
    for (const discovery of section.discoveries.filter((item) => item.host === site.host)) {
      parts.push(
        `<tr><td>${htmlLink(discovery.pageUrl)}</td><td>${htmlLink(discovery.article.url, discovery.article.title)}</td><td>${escapeHtml(discovery.kind)}</td><td>${percent(discovery.coverage)}</td><td>${escapeHtml(discovery.verdict)}</td><td>${escapeHtml(discovery.source)} @${discovery.recordOffset}+${discovery.recordLength}${discovery.capturedAt ? `, ${escapeHtml(discovery.capturedAt)}` : ''}</td></tr>`,
      );
    }
    parts.push('</table>');
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
