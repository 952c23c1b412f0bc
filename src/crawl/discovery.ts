import { gunzipSync } from 'node:zlib';
import { Parser as MarkupParser } from 'htmlparser2';
import { decodeBody } from '../net/charset.ts';
import { normaliseUrl } from '../net/url.ts';
import { boundMarkup } from '../text/html-text.ts';
import { MAX_XML_DEPTH, localName as qualifiedLocalName, writeInSlices } from '../text/xml-stream.ts';

/**
 * Where pages come from: sitemaps (index files, gzip, plain text), the site's own feeds, and the
 * links of parsed HTML. Only parsed markup counts: a URL in a comment or a script is no link.
 *
 * Sitemaps and pages are read by a streaming parser that keeps no document tree, and each stops
 * taking entries at the budget it is given: a page with half a million links or a sitemap with
 * fifty thousand costs one pass over its text and no more memory than the entries kept.
 */

export interface SitemapContents {
  /** Child sitemaps of a sitemap index. */
  sitemaps: string[];
  /** Page URLs of a URL set. */
  pages: string[];
  /** Entries left out because a budget below was full. */
  droppedPages: number;
  droppedSitemaps: number;
}

/** How much of a sitemap to take; entries not accepted do not count against the budget. */
export interface SitemapBudget {
  maxPages?: number;
  maxSitemaps?: number;
  acceptPage?: (url: string) => boolean;
  acceptSitemap?: (url: string) => boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b];
/** No URL worth fetching is longer; a longer <loc> is garbage and is skipped. */
const MAX_URL_CHARS = 8192;
/** A sitemap or feed that cannot be read: no feed at all, cut short, or nested without end. */
export class UnreadableDocumentError extends Error {}

/** Parse a sitemap body (gzip or not) into child sitemaps and pages; `max` caps the unzipped size. */
export function parseSitemap(
  bytes: Buffer,
  contentType: string | undefined,
  base: string,
  max: number,
  budget: SitemapBudget = {},
): SitemapContents {
  let data = bytes;
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    data = gunzipSync(bytes, { maxOutputLength: max });
  }
  const text = decodeBody(data, contentType).text.replace(/^\uFEFF/, '');
  const contents: SitemapContents = { sitemaps: [], pages: [], droppedPages: 0, droppedSitemaps: 0 };
  const maxPages = budget.maxPages ?? Number.POSITIVE_INFINITY;
  const maxSitemaps = budget.maxSitemaps ?? Number.POSITIVE_INFINITY;
  const take = (kind: 'page' | 'sitemap', raw: string, absoluteOnly = false) => {
    if (raw.length > MAX_URL_CHARS) return;
    // Once a budget is full, what follows is only counted: no URL is parsed for it.
    if (kind === 'page' && contents.pages.length >= maxPages) {
      contents.droppedPages++;
      return;
    }
    if (kind === 'sitemap' && contents.sitemaps.length >= maxSitemaps) {
      contents.droppedSitemaps++;
      return;
    }
    const url = absoluteOnly ? normaliseUrl(raw.trim()) : normaliseUrl(raw.trim(), base);
    if (url === undefined) return;
    if (kind === 'page') {
      if (!budget.acceptPage || budget.acceptPage(url)) contents.pages.push(url);
    } else if (!budget.acceptSitemap || budget.acceptSitemap(url)) {
      contents.sitemaps.push(url);
    }
  };
  if (!text.trimStart().startsWith('<')) {
    // A text sitemap: one URL a line.
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      // Only absolute URLs: a line of prose is not a page.
      take('page', text.slice(start, end), true);
      start = end + 1;
    }
    return contents;
  }
  // The path of open elements (local names) and the text of the <loc> being read.
  const open: string[] = [];
  let loc: string | undefined;
  const parser = new MarkupParser(
    {
      onopentag(name) {
        open.push(localName(name));
        if (open.length > MAX_XML_DEPTH) tooDeep();
        if (open.at(-1) === 'loc') loc = '';
      },
      ontext(chunk) {
        if (loc !== undefined && loc.length <= MAX_URL_CHARS) loc += chunk;
      },
      onclosetag() {
        const closing = open.pop();
        if (closing !== 'loc' || loc === undefined) return;
        const parent = open.at(-1);
        const grandparent = open.at(-2);
        if (parent === 'url' && grandparent === 'urlset') take('page', loc);
        else if (parent === 'sitemap' && grandparent === 'sitemapindex') take('sitemap', loc);
        loc = undefined;
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  writeInSlices((slice) => parser.write(slice), text);
  parser.end();
  return contents;
}

/** Stop reading (the throw leaves the parser): the document nests deeper than any real sitemap or feed. */
function tooDeep(): never {
  throw new UnreadableDocumentError(`nests elements deeper than ${MAX_XML_DEPTH} levels`);
}

/** Sitemaps and feeds written by hand get the case of their element names wrong; links are still links. */
function localName(name: string): string {
  return qualifiedLocalName(name).toLowerCase();
}

/**
 * The article links of an RSS 2.0, RSS 1.0 or Atom feed, read in one streaming pass (no tree: a
 * feed is hostile input, so time and memory stay linear in its size) and at most `max` of them:
 * an item's `<link>` text, an entry's `<link rel="alternate">` (or first `<link>`) `href`.
 */
export function parseFeedLinks(text: string, base: string, max = Number.POSITIVE_INFINITY): string[] {
  const links: string[] = [];
  const open: string[] = [];
  let root: string | undefined;
  let linkText: string | undefined;
  let entryLink: { href: string; alternate: boolean } | undefined;
  let done = false;
  let truncated = false;
  // An item's first <link> is its link; a second one (invalid RSS) is not another article.
  let itemLinked = false;
  const take = (raw: string | undefined) => {
    const url = raw ? normaliseUrl(raw.trim(), base) : undefined;
    if (url === undefined) return;
    links.push(url);
    if (links.length >= max) done = true;
  };
  const parser = new MarkupParser(
    {
      onopentag(name, attributes) {
        if (done) return;
        const local = localName(name);
        root ??= local;
        const parent = open.at(-1);
        open.push(local);
        if (open.length > MAX_XML_DEPTH) tooDeep();
        if (local === 'item') itemLinked = false;
        else if (local === 'link' && parent === 'item' && !itemLinked) linkText = '';
        else if (local === 'entry') entryLink = undefined;
        else if (local === 'link' && parent === 'entry' && attributes.href !== undefined) {
          // RFC 4287 §4.2.7.2: no rel is "alternate", and so is its IANA URI; "ALTERNATE" is not.
          const rel = (attributes.rel ?? 'alternate').trim().replace(IANA_RELATIONS, '');
          if (rel === 'alternate' && !entryLink?.alternate)
            entryLink = { href: attributes.href, alternate: true };
          else entryLink ??= { href: attributes.href, alternate: false };
        }
      },
      ontext(chunk) {
        if (linkText !== undefined && linkText.length < MAX_LINK_CHARS) linkText += chunk;
      },
      onclosetag(_name, implied) {
        if (done) return;
        const closing = open.pop();
        // The root closed only because the text ended: a feed cut short, not a feed to trust.
        if (open.length === 0 && implied) truncated = true;
        if (closing === 'link' && linkText !== undefined) {
          take(linkText);
          linkText = undefined;
          itemLinked = true;
        } else if (closing === 'entry') {
          take(entryLink?.href);
          entryLink = undefined;
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  writeInSlices(
    (slice) => parser.write(slice),
    text,
    () => done,
  );
  parser.end();
  if (root !== 'rss' && root !== 'feed' && root !== 'rdf') {
    throw new UnreadableDocumentError(
      root ? `not a feed: the document's root is <${root}>` : 'not a feed: no XML element',
    );
  }
  if (truncated && !done)
    throw new UnreadableDocumentError(`the feed ends before its <${root}> element closes`);
  return links;
}

const IANA_RELATIONS = 'http://www.iana.org/assignments/relation/';

/** Longer link text than this is no URL; it is not kept growing. */
const MAX_LINK_CHARS = 8192;

export interface LinkBudget {
  /** Links kept at most; parsing stops once this many are kept. */
  max?: number;
  /** Which links count (same site, include and exclude, not yet known). */
  accept?: (url: string) => boolean;
}

/**
 * Links of an HTML page, resolved against its `<base href>` (itself resolved against the page),
 * each once, in document order, up to `budget.max` accepted ones. Script, style and comments are
 * not markup to the tokenizer, so a URL in them is no link.
 */
export function extractLinks(markup: string, pageUrl: string, budget: LinkBudget = {}): string[] {
  // htmlparser2's Parser is quadratic in the nesting depth: hostile markup is flattened first.
  const html = boundMarkup(markup).html;
  const max = budget.max ?? Number.POSITIVE_INFINITY;
  let base = pageUrl;
  let baseSeen = false;
  // Hrefs as written, with what they resolved to: a <base> met after some links applies to them too.
  const kept: Array<{ href: string; url: string }> = [];
  const seen = new Set<string>();
  let full = false;
  const consider = (href: string) => {
    if (href.length > MAX_URL_CHARS) return;
    const url = normaliseUrl(href, base);
    if (!url || seen.has(url) || (budget.accept && !budget.accept(url))) return;
    seen.add(url);
    kept.push({ href, url });
    full = kept.length >= max;
  };
  const parser = new MarkupParser(
    {
      onopentag(name, attributes) {
        if (full) return;
        const href = attributes.href;
        if (href === undefined) return;
        if (name === 'a' || name === 'area') consider(href);
        else if (name === 'base' && !baseSeen) {
          baseSeen = true;
          try {
            base = new URL(href, pageUrl).href;
          } catch {
            // An unusable <base> is ignored, as browsers do.
            return;
          }
          const earlier = kept.splice(0);
          seen.clear();
          full = false;
          for (const link of earlier) consider(link.href);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  writeInSlices(
    (slice) => parser.write(slice),
    html,
    () => full,
  );
  if (!full) parser.end();
  return kept.map((link) => link.url);
}

/** Whether a page URL passes the site's include and exclude patterns. */
export function urlFilter(include?: string[], exclude?: string[]): (url: string) => boolean {
  const includes = (include ?? []).map((pattern) => new RegExp(pattern));
  const excludes = (exclude ?? []).map((pattern) => new RegExp(pattern));
  return (url) =>
    (includes.length === 0 || includes.some((pattern) => pattern.test(url))) &&
    !excludes.some((pattern) => pattern.test(url));
}
