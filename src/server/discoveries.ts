/**
 * The review pages' discoveries: pages on any site that reprint stored articles, found in web
 * archives by `discover`, grouped by site with the unknown sites first and a `sites.yaml` entry
 * for each. The same section as the HTML report's (report/discoveries.ts), in the review layout.
 */
import type { DiscoveriesSection } from '../report/discoveries.ts';
import { discoveriesHtml } from '../report/discoveries.ts';
import { layout } from './pages.ts';

export function discoveriesPage(section: DiscoveriesSection): string {
  const body =
    section.discoveries.length > 0
      ? discoveriesHtml(section)
      : '<p>Nothing found in web archives yet: <code>syndicate discover FILE…</code> reads WARC and WET files.</p>';
  return layout('Discoveries', body, { wide: true });
}
