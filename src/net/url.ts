/**
 * URLs, the one home for every stage. Two normal forms serve two different questions and are
 * kept apart on purpose:
 *
 * - `normaliseUrl` answers "which request do I send?": the crawler's form, still a URL that can be
 *   fetched (scheme, port, path and query order kept), so the frontier fetches a page once whatever
 *   way it was linked (fragment, default port, percent-encoding case, tracking tags, credentials).
 * - `matchKey` answers "do these two links lead to the same article?": not a URL but a key without
 *   scheme, `www.`, trailing slash, sorted query and AMP forms, for comparing links with an
 *   article's URL and aliases.
 *
 * The host of a site and of its `www.` twin are the same site everywhere (`siteHost`).
 */
import { isAbsoluteHttpUrl } from '../config/absolute-url.ts';

export { isAbsoluteHttpUrl };

/** Query parameters that only track a visit and never change the page (the crawler's list). */
const TRACKING_FOR_FETCHING =
  /^(utm_[a-z0-9_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|_ga|_gl|yclid|igshid)$/i;

/**
 * Query parameters that do not change which article a link means; `ref_src` and `amp` too, which
 * may change the page served but never the article it carries.
 */
const TRACKING_FOR_MATCHING =
  /^(?:utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|_ga|igshid|ref_src|amp)$/i;

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Parse `text` as an absolute URL, or `undefined`. */
export function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** `href` resolved against `base` when it is an http(s) URL; anything else (mailto:, junk) is `undefined`. */
export function resolveHttpUrl(href: string, base: string | URL): URL | undefined {
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Upper-case every percent escape and decode the ones that stand for unreserved characters. */
export function normalisePercentEncoding(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`;
  });
}

/**
 * The form of an http(s) URL that is fetched, or `undefined` for anything else (mailto:,
 * javascript:, data:, unparsable text). `base` resolves relative references.
 */
export function normaliseUrl(input: string, base?: string | URL): string | undefined {
  let url: URL;
  try {
    url = base === undefined ? new URL(input.trim()) : new URL(input.trim(), base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.hash = '';
  url.username = '';
  url.password = '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  url.pathname = normalisePercentEncoding(url.pathname);
  if (url.search) {
    const kept = url.search
      .slice(1)
      .split('&')
      .filter((pair) => pair !== '' && !TRACKING_FOR_FETCHING.test(decodeSafely(pair.split('=')[0] ?? '')))
      .map(normalisePercentEncoding);
    url.search = kept.length ? `?${kept.join('&')}` : '';
  }
  return url.href;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * One key for the URLs that lead to the same article: scheme, `www.`, default port, trailing
 * slash, fragment, tracking parameters, query order and AMP forms (`/amp/`, `?amp=1`, `.amp.html`,
 * `amp.` hosts, the Google AMP cache) do not matter. Not a URL: never fetch it.
 */
export function matchKey(input: string | URL): string | undefined {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  let host = bareHost(url.hostname);
  let path = url.pathname;
  // https://publisher-example.cdn.ampproject.org/c/s/publisher.example/path → publisher.example/path
  if (host.endsWith('.cdn.ampproject.org')) {
    const inner = /^\/(?:[a-z]\/)+(?:s\/)?([^/]+)(\/.*)?$/.exec(path);
    if (inner) {
      host = bareHost(inner[1]!);
      path = inner[2] ?? '/';
    }
  }
  if (host.startsWith('amp.')) host = host.slice(4);
  path = path
    .replace(/\/amp\/?$/i, '/')
    .replace(/\.amp(\.html?)?$/i, '$1')
    .replace(/\/index\.(?:html?|php)$/i, '/')
    .replace(/\/+$/, '');
  const params = [...url.searchParams]
    .filter(([name]) => !TRACKING_FOR_MATCHING.test(name))
    .sort(([a], [b]) => a.localeCompare(b));
  const query = params.length ? `?${new URLSearchParams(params).toString()}` : '';
  return `${host}${path}${query}`;
}

/** The host without a leading `www.`, lower-cased: a site and its `www.` twin share it. */
export function siteHost(hostname: string): string {
  const host = hostname.toLowerCase();
  return host.startsWith('www.') ? host.slice(4) : host;
}

/**
 * `siteHost` with a final dot dropped as well (`publisher.example.` is `publisher.example`): the
 * form the matcher and the rules compare hosts in, since a link may be written either way. The
 * crawler keeps `siteHost`, whose URLs are normalised (no final dot) before they are compared.
 */
export function bareHost(hostname: string): string {
  return siteHost(hostname).replace(/\.$/, '');
}

/** The `siteHost` of a URL, or `undefined` when it is no URL. */
export function siteHostOf(url: string): string | undefined {
  const parsed = safeUrl(url);
  return parsed ? siteHost(parsed.hostname) : undefined;
}

/** Whether `url` lies on the same site as `siteUrl`: the same host or its `www.` twin, any port. */
export function sameSite(url: string | URL, siteUrl: string | URL): boolean {
  const a = typeof url === 'string' ? safeUrl(url) : url;
  const b = typeof siteUrl === 'string' ? safeUrl(siteUrl) : siteUrl;
  if (!a || !b) return false;
  return siteHost(a.hostname) === siteHost(b.hostname);
}

/** The politeness key: requests to a host and its `www.` twin share one budget. */
export function hostKey(url: string | URL): string {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return `${siteHost(parsed.hostname)}${parsed.port ? `:${parsed.port}` : ''}`;
}

/**
 * A page's identity within its site: the URL with the `www.` twin folded into the bare host, so
 * that `www.site.example/a` and `site.example/a` are fetched once.
 */
export function twinKey(url: string): string {
  const parsed = safeUrl(url);
  if (!parsed) return url;
  parsed.hostname = siteHost(parsed.hostname);
  return parsed.href;
}

/**
 * The registered site whose host (or its `www.` twin) serves `url`, hosts compared in the form
 * `hostOf` gives: `bareHost` (a final dot does not matter) for checking a page, `siteHost` where
 * the findings have always compared (kept so that no finding moves to another site).
 */
export function siteOf<S extends { url: string }>(
  sites: readonly S[],
  url: string,
  hostOf: (hostname: string) => string = bareHost,
): S | undefined {
  const page = safeUrl(url);
  if (!page) return undefined;
  const host = hostOf(page.hostname);
  return sites.find((site) => {
    const home = safeUrl(site.url);
    return home !== undefined && hostOf(home.hostname) === host;
  });
}
