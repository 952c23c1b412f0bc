/**
 * A page as fetched: what the crawler keeps and what the checks judge. The checks never fetch;
 * they read snapshots, whether they came from a crawl, a single URL or a saved file.
 */
export interface PageSnapshot {
  /** The URL that was asked for (normalised). */
  url: string;
  /** Where the page really is, after redirects; links are resolved against it (or `<base>`). */
  finalUrl: string;
  /** HTTP status; 200 for a local file. */
  status: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
  /** When it was fetched, ISO 8601. */
  fetchedAt: string;
  /** The media type without parameters, e.g. `text/html`. */
  contentType: string;
  /** The body decoded to text (charset from BOM, then header, then `<meta>`). */
  body: string;
  /** sha256 hex of the raw body bytes. */
  bodyHash: string;
  /** Set when the body was cut at the size limit. */
  truncated?: boolean;
  /** The registered site the page belongs to (set for crawled pages). */
  siteId?: string;
  /** Whether the page differs from the previous crawl pass: a new body hash, not a 304. */
  changed?: boolean;
  /** Whether the server answered 304 Not Modified; the body is then the previous one. */
  notModified?: boolean;
  /**
   * The exchange as fetched, for evidence (a WARC): the request headers sent and the body bytes
   * before charset decoding. Set on fresh fetches only; the crawl stores it compressed.
   */
  exchange?: { requestHeaders: Record<string, string>; bytes: Buffer };
}
