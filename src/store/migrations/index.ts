import type Database from 'better-sqlite3';
import { articles } from './001-articles.ts';
import { fingerprints } from './002-fingerprints.ts';
import { crawl } from './003-crawl.ts';
import { findings } from './004-findings.ts';
import { judgements } from './005-judgements.ts';
import { siteResults } from './006-site-results.ts';
import { deadlines } from './007-deadlines.ts';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/**
 * Every schema change, in order. A released migration is never edited: add a new one.
 * Versions are allotted to stages so that work on them can proceed side by side:
 * 1 articles, 2 fingerprints (match), 3 crawl frontier and snapshots, 4 scans and findings,
 * 5 the last judgement of each page (scan), 6 each site's result in a scan, 7 finding deadlines.
 */
export const migrations: Migration[] = [
  articles,
  fingerprints,
  crawl,
  findings,
  judgements,
  siteResults,
  deadlines,
];
