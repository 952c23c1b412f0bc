import { gunzipSync } from 'node:zlib';
import * as cheerio from 'cheerio';
import Parser from 'rss-parser';
import { decodeBody } from './charset.ts';
import { normaliseUrl } from './url.ts';

/**
 * Where pages come from: sitemaps (index files, gzip, plain text), the site's own feeds, and the
 * links of parsed HTML. Only parsed markup counts: a URL in a comment or a script is no link.
 */

export interface SitemapContents {
  /** Child sitemaps of a sitemap index. */
  sitemaps: string[];
  /** Page URLs of a URL set. */
  pages: string[];
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Parse a sitemap body (gzip or not) into child sitemaps and pages; `max` caps the unzipped size. */
export function parseSitemap(
  bytes: Buffer,
  contentType: string | undefined,
  base: string,
  max: number,
): SitemapContents {
  let data = bytes;
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    data = gunzipSync(bytes, { maxOutputLength: max });
  }
  const text = decodeBody(data, contentType).text.replace(/^\uFEFF/, '');
  if (!text.trimStart().startsWith('<')) {
    // A text sitemap: one URL a line.
    const pages = text
      .split(/\r?\n/)
      .map((line) => normaliseUrl(line.trim()))
      .filter((url): url is string => url !== undefined);
    return { sitemaps: [], pages };
  }
  const $ = cheerio.load(text, { xml: true });
  const locs = (selector: string) =>
    $(selector)
      .map((_index, element) => normaliseUrl($(element).text().trim(), base))
      .get()
      .filter((url): url is string => url !== undefined);
  return { sitemaps: locs('sitemapindex > sitemap > loc'), pages: locs('urlset > url > loc') };
}

const feedParser = new Parser({ timeout: 0 });

/** The article links of an RSS or Atom feed. */
export async function parseFeedLinks(text: string, base: string): Promise<string[]> {
  const feed = await feedParser.parseString(text);
  return feed.items
    .map((item) => (item.link ? normaliseUrl(item.link, base) : undefined))
    .filter((url): url is string => url !== undefined);
}

/** Links of an HTML page, resolved against its `<base href>` (itself resolved against the page). */
export function extractLinks(html: string, pageUrl: string): string[] {
  const $ = cheerio.load(html);
  let base = pageUrl;
  const baseHref = $('base[href]').first().attr('href');
  if (baseHref) {
    try {
      base = new URL(baseHref, pageUrl).href;
    } catch {
      // An unusable <base> is ignored, as browsers do.
    }
  }
  const links = new Set<string>();
  $('a[href], area[href]').each((_index, element) => {
    const url = normaliseUrl($(element).attr('href') ?? '', base);
    if (url) links.add(url);
  });
  return [...links];
}

/** Whether a page URL passes the site's include and exclude patterns. */
export function urlFilter(include?: string[], exclude?: string[]): (url: string) => boolean {
  const includes = (include ?? []).map((pattern) => new RegExp(pattern));
  const excludes = (exclude ?? []).map((pattern) => new RegExp(pattern));
  return (url) =>
    (includes.length === 0 || includes.some((pattern) => pattern.test(url))) &&
    !excludes.some((pattern) => pattern.test(url));
}
