import type { CrawlerConfig, Site } from '../config/sites.ts';
import { decodeBody } from '../net/charset.ts';
import { FetchError } from '../net/errors.ts';
import type { FetchResult } from '../net/http.ts';
import { normaliseUrl, sameSite } from '../net/url.ts';
import type { Admission } from './admission.ts';
import { extractLinks, parseFeedLinks, parseSitemap, UnreadableDocumentError } from './discovery.ts';
import { toPageSnapshot } from './page.ts';
import type { FrontierItem, NewItem, Outcome } from './queue.ts';
import type { RobotsPolicy } from './robots.ts';

/**
 * A handler per kind of item: what a seed, a sitemap, a feed or a page yields (its outcome and
 * the items it discovered). Handlers fetch nothing and write nothing; the crawl fetched the body
 * and records what they return.
 */

export interface HandlerContext {
  crawler: Pick<CrawlerConfig, 'maxBodyBytes' | 'maxLinksPerPage'>;
  admission: Admission;
  now: () => Date;
}

export interface Handled {
  outcome: Outcome;
  discovered: NewItem[];
}

/**
 * What a site's seed starts: its sitemaps (from sites.yaml, else robots.txt, else `/sitemap.xml`
 * if there is one), its feeds and its start pages.
 */
export function seedItems(context: HandlerContext, site: Site, robots: RobotsPolicy): NewItem[] {
  const { admission } = context;
  const base = { siteId: site.id };
  const items: NewItem[] = [];
  const robotsSitemaps = robots.sitemaps
    .map((url) => normaliseUrl(url, site.url))
    .filter((url): url is string => url !== undefined && sameSite(url, site.url));
  if (site.discover.sitemaps) {
    const named = site.discover.sitemaps.map((url) => normaliseUrl(url)!);
    items.push(
      ...admission.admitSitemaps(
        site,
        named,
        0,
        (url) => ({ ...base, url, kind: 'sitemap', source: 'config' }),
        true,
      ),
    );
  } else if (robotsSitemaps.length > 0) {
    // A robots.txt may list thousands of Sitemap lines: the per-site budget holds for them too.
    items.push(
      ...admission.admitSitemaps(site, robotsSitemaps, 0, (url) => ({
        ...base,
        url,
        kind: 'sitemap',
        source: 'robots',
      })),
    );
  } else {
    items.push(
      ...admission.admitSitemaps(site, [normaliseUrl('/sitemap.xml', site.url)!], 0, (url) => ({
        ...base,
        url,
        kind: 'sitemap',
        source: 'default',
        optional: true,
      })),
    );
  }
  for (const url of site.discover.feeds ?? [])
    items.push({ ...base, url: normaliseUrl(url)!, kind: 'feed', source: 'config' });
  const starts = (site.discover.start ?? []).map((url) => normaliseUrl(url)!);
  items.push(
    ...admission.admitPages(site, starts, (url) => ({
      ...base,
      url,
      kind: 'page',
      source: 'start',
      depth: 0,
      follow: true,
    })),
  );
  return items;
}

export function handleSitemap(
  context: HandlerContext,
  item: FrontierItem,
  site: Site,
  result: FetchResult,
): Handled {
  const { admission } = context;
  if (result.truncated) throw new FetchError('too-large', item.url, 'sitemap larger than the size limit');
  const base = { siteId: site.id };
  const depth = item.depth + 1;
  // Entries past the budgets are not even kept: fifty thousand URLs beyond maxPages cost one pass
  // over the text and nothing more.
  const contents = readable(item, () =>
    parseSitemap(
      result.bytes,
      result.headers['content-type'],
      result.finalUrl,
      context.crawler.maxBodyBytes,
      {
        maxPages: admission.pagesLeft(site),
        acceptPage: (url) => admission.admissible(site, url),
        maxSitemaps: admission.sitemapsLeft(site, depth),
        acceptSitemap: (url) => admission.sitemapAdmissible(site, url),
      },
    ),
  );
  if (contents.droppedPages > 0) admission.noteBudget(site.id, 'pages');
  if (contents.droppedSitemaps > 0) admission.noteBudget(site.id, 'sitemaps');
  const children = admission.admitSitemaps(site, contents.sitemaps, depth, (url) => ({
    ...base,
    url,
    kind: 'sitemap',
    source: 'sitemap',
  }));
  const pages = admission.admitPages(site, contents.pages, (url) => ({
    ...base,
    url,
    kind: 'page',
    source: 'sitemap',
  }));
  return { outcome: { state: 'done' }, discovered: [...children, ...pages] };
}

export async function handleFeed(
  context: HandlerContext,
  item: FrontierItem,
  site: Site,
  result: FetchResult,
): Promise<Handled> {
  if (result.truncated) throw new FetchError('too-large', item.url, 'feed larger than the size limit');
  const text = decodeBody(result.bytes, result.headers['content-type']).text;
  const links = readable(item, () => parseFeedLinks(text, result.finalUrl, context.crawler.maxLinksPerPage));
  const pages = context.admission.admitPages(site, links, (url) => ({
    siteId: site.id,
    url,
    kind: 'page',
    source: 'feed',
  }));
  return { outcome: { state: 'done' }, discovered: pages };
}

/** A page: its snapshot, and the links it admits when it is followed and not too deep. */
export function handlePage(
  context: HandlerContext,
  item: FrontierItem,
  site: Site,
  result: FetchResult,
  previousHash: string | undefined,
): Handled {
  const { admission } = context;
  const snapshot = toPageSnapshot(result, context.now());
  if (snapshot.finalUrl !== snapshot.url)
    admission.noteLanding(normaliseUrl(snapshot.finalUrl) ?? snapshot.finalUrl);
  let discovered: NewItem[] = [];
  if (item.follow && item.depth < site.discover.maxDepth && snapshot.contentType.includes('html')) {
    const links = extractLinks(snapshot.body, snapshot.finalUrl, {
      max: Math.min(context.crawler.maxLinksPerPage, admission.pagesLeft(site) + 1),
      accept: (url) => admission.admissible(site, url),
    });
    discovered = admission.admitPages(site, links, (url) => ({
      siteId: site.id,
      url,
      kind: 'page',
      source: 'link',
      depth: item.depth + 1,
      follow: true,
    }));
  }
  return {
    outcome: {
      state: 'done',
      snapshot: { snapshot, httpStatus: result.status, changed: snapshot.bodyHash !== previousHash },
    },
    discovered,
  };
}

/** The handler for a fetched item's body, by its kind (seeds are never fetched). */
export function handleBody(
  context: HandlerContext,
  item: FrontierItem,
  site: Site,
  result: FetchResult,
  previousHash: string | undefined,
): Handled | Promise<Handled> {
  if (item.kind === 'sitemap') return handleSitemap(context, item, site, result);
  if (item.kind === 'feed') return handleFeed(context, item, site, result);
  return handlePage(context, item, site, result, previousHash);
}

/** A sitemap or feed that cannot be read is the item's failure, of kind `parse`. */
function readable<T>(item: FrontierItem, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnreadableDocumentError) throw new FetchError('parse', item.url, error.message);
    throw error;
  }
}
