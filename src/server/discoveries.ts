/**
 * The review pages' discoveries: pages on any site that reprint stored articles, found in web
 * archives by `discover`, grouped by site with the unknown sites first and a `sites.yaml` entry
 * for each. The same section as the HTML report's (report/discoveries.ts), in the review layout,
 * a page of sites at a time with each site's first discoveries, and a page of its own for each
 * site's discoveries: an archive sweep may record tens of thousands.
 */
import { type DiscoveriesPage, discoveriesHtml, SHOWN_PER_SITE } from '../report/discoveries.ts';
import { escapeHtml } from '../text/html.ts';
import { layout, pagerHtml } from './pages.ts';

const BASE = '/review/discoveries';

/** The address of a page of the discoveries (of one site's, given its host). */
export function discoveriesHref(page: number, host?: string): string {
  const params = new URLSearchParams();
  if (host !== undefined) params.set('host', host);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `${BASE}?${query}` : BASE;
}

/** Which page the address asks for: `page` (from 1) and `host`, whatever else it holds. */
export function discoveriesWhere(params: URLSearchParams): { page: number; host?: string } {
  const page = /^\d{1,9}$/.test(params.get('page') ?? '') ? Math.max(1, Number(params.get('page'))) : 1;
  const host = params.get('host')?.trim().slice(0, 300);
  return host ? { page, host } : { page };
}

export function discoveriesPage(view: DiscoveriesPage): string {
  const pager = pagerHtml(view.page, view.pages, (page) => discoveriesHref(page, view.host));
  if (view.host !== undefined) {
    const back = `<p class="meta"><a href="${BASE}">← every site</a></p>`;
    const body =
      view.section.discoveries.length > 0
        ? `${discoveriesHtml(view.section, { total: view.discoveries })}${pager}`
        : `<p>Nothing discovered on ${escapeHtml(view.host)}.</p>`;
    return layout(`Discoveries on ${view.host}`, `${back}${body}`, { wide: true });
  }
  if (view.section.discoveries.length === 0)
    return layout(
      'Discoveries',
      '<p>Nothing found in web archives yet: <code>syndicate discover FILE…</code> reads WARC and WET files.</p>',
      { wide: true },
    );
  const meta = `<p class="meta">${view.sites} sites, ${view.discoveries} discoveries; the first ${SHOWN_PER_SITE} of each site here.</p>`;
  const body = discoveriesHtml(view.section, {
    total: view.discoveries,
    moreHref: (host) => discoveriesHref(1, host),
  });
  return layout('Discoveries', `${meta}${body}${pager}`, { wide: true });
}
