/**
 * URL normalisation and site scope. One page has one normalised URL, so the frontier fetches it
 * once whatever way it was linked (fragment, default port, percent-encoding case, tracking tags).
 */

/** Query parameters that only track a visit and never change the page. */
const TRACKING =
  /^(utm_[a-z0-9_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|_ga|_gl|yclid|igshid)$/i;

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Upper-case every percent escape and decode the ones that stand for unreserved characters. */
export function normalisePercentEncoding(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`;
  });
}

/**
 * The normalised form of an http(s) URL, or `undefined` for anything else (mailto:, javascript:,
 * data:, unparsable text). `base` resolves relative references.
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
      .filter((pair) => pair !== '' && !TRACKING.test(decodeSafely(pair.split('=')[0] ?? '')))
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

/** The host without a leading `www.`: a site and its `www.` twin share it. */
export function siteHost(hostname: string): string {
  const host = hostname.toLowerCase();
  return host.startsWith('www.') ? host.slice(4) : host;
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

export function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
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
