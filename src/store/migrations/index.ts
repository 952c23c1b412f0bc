import type Database from 'better-sqlite3';
import { articles } from './001-articles.ts';
import { fingerprints } from './002-fingerprints.ts';
import { crawl } from './003-crawl.ts';
import { findings } from './004-findings.ts';
import { judgements } from './005-judgements.ts';
import { discoveries } from './006-discoveries.ts';
import { articleRevisions } from './007-article-revisions.ts';
import { evidence } from './008-evidence.ts';
import { reviewIndexes } from './009-review-indexes.ts';
import { uncertainVerdict } from './010-uncertain-verdict.ts';
import { siteResults } from './011-site-results.ts';
import { deadlines } from './012-deadlines.ts';
import { prefilter } from './013-prefilter.ts';
import { crawlBudgetStops } from './014-crawl-budget-stops.ts';
import { crawlClaims } from './015-crawl-claims.ts';
import { scanLockLease } from './016-scan-lock-lease.ts';
import { hostLimits } from './017-host-limits.ts';
import { evidenceBlobs } from './018-evidence-blobs.ts';
import { feedItemSources } from './019-feed-item-sources.ts';
import { revisionPerStatement } from './020-revision-per-statement.ts';
import { fingerprintPostings } from './021-fingerprint-postings.ts';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/**
 * Every schema change, in order. A released migration is never edited: add a new one.
 * Versions are allotted to stages so that work on them can proceed side by side:
 * 1 articles, 2 fingerprints (match), 3 crawl frontier and snapshots, 4 scans and findings,
 * 5 the last judgement of each page (scan), 6 web-archive discoveries (discover), 7 article
 * revisions and feed selection indexes (feed), 8 evidence of violations and the exchanges it is
 * made from (evidence), 9 indexes for the review pages, 10 the uncertain verdict of a finding (check),
 * 11 each site's result in a scan (scan), 12 finding deadlines (findings), 13 discover's stored
 * prefilter and the index revision it is keyed on (discover),
 * 14 the budgets that stopped a site in a crawl pass (crawl), 15 frontier claims and pass-lock
 * leases, for processes sharing a crawl (crawl), 16 the scan lock's lease (findings), 17 per-host
 * limits shared by every process that crawls from the store (crawl, issue 11), 18 evidence files
 * kept in the store itself, so that every machine of a PostgreSQL store can read them (evidence),
 * 19 each article's feed item source, its HTML cleaned (feed, issue 13), 20 the index revision
 * bumped per statement on PostgreSQL (match, issue 12), 21 the inverted index as postings lists,
 * one row per hash bucket and part of the articles (match, issue 12).
 */
export const migrations: Migration[] = [
  articles,
  fingerprints,
  crawl,
  findings,
  judgements,
  discoveries,
  articleRevisions,
  evidence,
  reviewIndexes,
  uncertainVerdict,
  siteResults,
  deadlines,
  prefilter,
  crawlBudgetStops,
  crawlClaims,
  scanLockLease,
  hostLimits,
  evidenceBlobs,
  feedItemSources,
  revisionPerStatement,
  fingerprintPostings,
];
