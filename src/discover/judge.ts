/**
 * What one archive record reprints. A WARC response goes through `checkSnapshot`, the code path
 * `check` and `scan` use (identification, quotations excluded by its rules, then every reprint
 * rule); a WET conversion has text but no markup, so it is identified only and flagged for a
 * check of the live page. Either way the prefilter looks first, so most records cost a scan of
 * their text and nothing more.
 */
import { createHash } from 'node:crypto';
import { articleUrls, publisherHosts } from '../check/_scope.ts';
import { checkSnapshot, matchOptions } from '../check/check-snapshot.ts';
import type { Site } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import { isMarkup, mediaType } from '../crawl/page.ts';
import type { PageSnapshot } from '../crawl/snapshot.ts';
import type { FingerprintPairs } from '../match/fingerprint.ts';
import { hasCandidate, identify, PageFingerprints } from '../match/identify.ts';
import { tokenise } from '../match/tokens.ts';
import { bodyCharset, decodeIn } from '../net/charset.ts';
import { bareHost, matchKey, siteOf } from '../net/url.ts';
import type { Sql } from '../store/sql.ts';
import { scanMarkupText } from '../text/html-text.ts';
import type { Prefilter } from './prefilter.ts';
import type { ArchiveRecord, RecordHead } from './records.ts';

export interface Discovery {
  source: string;
  recordOffset: number;
  recordLength: number;
  recordType: 'response' | 'conversion';
  pageUrl: string;
  host: string;
  capturedAt?: string;
  pageTitle?: string;
  site?: string;
  article: { id: string; url: string; title: string };
  coverage: number;
  kind: 'full' | 'excerpt';
  /** `unchecked` for a WET record until `--check` judges the live page. */
  verdict: string;
  violations: Array<{ rule: string; message: string; evidence: string }>;
}

export interface JudgeContext {
  sql: Sql;
  terms: Terms;
  sites: readonly Site[];
  prefilter: Prefilter;
  /** Reprints below this coverage are not recorded. */
  minCoverage: number;
}

/** Text a prefilter reads at most per page, in bytes of UTF-8: a page longer than this is not an article page. */
const MAX_TEXT_BYTES = 2_000_000;

/** The records whose payload is worth reading: successful HTML responses and WET conversions. */
export function wantsRecord(head: RecordHead): boolean {
  if (!head.url || !/^https?:/i.test(head.url)) return false;
  if (head.type === 'conversion') return true;
  if (head.type !== 'response' || head.httpStatus === undefined) return false;
  if (head.httpStatus < 200 || head.httpStatus > 299) return false;
  const type = (head.httpContentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === '' || type === 'text/html' || type === 'application/xhtml+xml';
}

export interface Judged {
  /** Whether the prefilter sent the record to the full check. */
  candidate: boolean;
  discoveries: Discovery[];
}

export async function judgeRecord(
  context: JudgeContext,
  source: string,
  record: ArchiveRecord,
): Promise<Judged> {
  if (!record.payload || !record.url) return { candidate: false, discoveries: [] };
  return record.type === 'conversion'
    ? judgeConversion(context, source, record)
    : judgeResponse(context, source, record);
}

function base(source: string, record: ArchiveRecord, type: Discovery['recordType']) {
  let host = '';
  try {
    host = bareHost(new URL(record.url!).hostname);
  } catch {
    // A target URI that is no URL has no host; it is still recorded under its text.
  }
  const common = {
    source,
    recordOffset: record.offset,
    recordLength: record.length,
    recordType: type,
    pageUrl: record.url!,
    host,
  };
  return record.date ? { ...common, capturedAt: record.date } : common;
}

/**
 * The prefilter's hits in a page. A UTF-8 page (most of the web) is read in its bytes, its text
 * never decoded; a page in another charset is decoded whole first.
 */
function pageHits(prefilter: Prefilter, bytes: Buffer, charset: { charset: string; start: number }) {
  if (charset.charset === 'utf-8' && charset.start === 0) return prefilter.markupHits(bytes, MAX_TEXT_BYTES);
  return prefilter.hits(scanMarkupText(decodeIn(bytes, charset), { maxChars: MAX_TEXT_BYTES }));
}

/**
 * Whether a page may reprint a stored article: the prefilter's hits, confirmed in the index. A
 * false hit of the filter (a few on every long page) costs one lookup instead of a full check.
 */
async function confirmed(context: JudgeContext, hits: FingerprintPairs | undefined): Promise<boolean> {
  return hits !== undefined && (await hasCandidate(context.sql, hits, context.prefilter.options));
}

async function judgeResponse(context: JudgeContext, source: string, record: ArchiveRecord): Promise<Judged> {
  const bytes = Buffer.from(record.payload!.buffer, record.payload!.byteOffset, record.payload!.byteLength);
  const contentType = mediaType(record.httpContentType, bytes);
  if (!isMarkup(contentType)) return { candidate: false, discoveries: [] };
  const charset = bodyCharset(bytes, record.httpContentType);
  if (!(await confirmed(context, pageHits(context.prefilter, bytes, charset))))
    return { candidate: false, discoveries: [] };
  const html = decodeIn(bytes, charset);
  const snapshot: PageSnapshot = {
    url: record.url!,
    finalUrl: record.url!,
    status: record.httpStatus ?? 200,
    headers: record.httpHeaders ?? {},
    fetchedAt: record.date ?? new Date(0).toISOString(),
    contentType,
    body: html,
    bodyHash: createHash('sha256').update(bytes).digest('hex'),
  };
  if (record.payloadTruncated) snapshot.truncated = true;
  const result = await checkSnapshot(context.sql, snapshot, { terms: context.terms, sites: context.sites });
  const discoveries: Discovery[] = [];
  for (const match of result.matches) {
    if (match.coverage < context.minCoverage) continue;
    const discovery: Discovery = {
      ...base(source, record, 'response'),
      article: match.article,
      coverage: match.coverage,
      kind: match.kind,
      verdict: match.verdict,
      violations: match.violations.map(({ rule, message, evidence }) => ({ rule, message, evidence })),
    };
    if (result.title) discovery.pageTitle = result.title;
    if (result.site) discovery.site = result.site;
    discoveries.push(discovery);
  }
  return { candidate: true, discoveries };
}

async function judgeConversion(
  context: JudgeContext,
  source: string,
  record: ArchiveRecord,
): Promise<Judged> {
  const bytes = record.payload!.subarray(0, MAX_TEXT_BYTES);
  if (!(await confirmed(context, context.prefilter.hits(bytes))))
    return { candidate: false, discoveries: [] };
  const text = new TextDecoder('utf-8').decode(bytes);
  const pageUrl = record.url!;
  const host = base(source, record, 'conversion').host;
  // The publisher's own pages are the originals, never reprints (as in `checkSnapshot`).
  if (host && publisherHosts(context.terms).has(host)) return { candidate: true, discoveries: [] };
  const options = matchOptions(context.terms);
  const found = await identify(context.sql, new PageFingerprints(tokenise(text), options.shingles), options);
  const normalPage = matchKey(pageUrl);
  const site = siteOf(context.sites, pageUrl);
  const discoveries: Discovery[] = [];
  for (const identified of found) {
    if (normalPage && articleUrls(identified.article).has(normalPage)) continue;
    const coverage = Math.round(identified.coverage * 1000) / 1000;
    if (coverage < context.minCoverage) continue;
    const discovery: Discovery = {
      ...base(source, record, 'conversion'),
      article: { id: identified.article.id, url: identified.article.url, title: identified.article.title },
      coverage,
      kind: identified.coverage < context.terms.excerptBelow ? 'excerpt' : 'full',
      verdict: 'unchecked',
      violations: [],
    };
    if (site) discovery.site = site.id;
    discoveries.push(discovery);
  }
  return { candidate: true, discoveries };
}
