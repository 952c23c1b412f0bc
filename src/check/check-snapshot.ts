/**
 * Check one page: identify what it reprints, then judge each reprint against the terms' rules.
 * Pure over its inputs: the snapshot, the store and the configuration; it fetches nothing.
 */
import type { Element } from 'domhandler';
import type { Site } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import type { PageSnapshot } from '../crawl/snapshot.ts';
import {
  DEFAULT_MATCH,
  type Identified,
  identify,
  type MatchOptions,
  PageFingerprints,
} from '../match/identify.ts';
import { type PageDocument, parsePage } from '../match/page.ts';
import { tokenise } from '../match/tokens.ts';
import type { Db } from '../store/db.ts';
import { articleUrls, bareHost, normaliseUrl, publisherHosts } from './_scope.ts';
import { findRule, runRules } from './engine.ts';
import type { PageResult, ReprintMatch, Violation } from './result.ts';
import type { Rule } from './rule.ts';

export interface CheckOptions {
  terms: Terms;
  sites: readonly Site[];
  now?: Date;
}

const HTML_TYPES = /^(?:text\/html|application\/xhtml\+xml|text\/plain|application\/xml|text\/xml)$/;

/** The registered site a URL belongs to (the `www.` twin counts as the same host). */
export function siteOf(sites: readonly Site[], pageUrl: string): Site | undefined {
  let host: string;
  try {
    host = bareHost(new URL(pageUrl).hostname);
  } catch {
    return undefined;
  }
  return sites.find((site) => bareHost(new URL(site.url).hostname) === host);
}

export function matchOptions(terms: Terms): MatchOptions {
  return { ...DEFAULT_MATCH, ...terms.match };
}

/** The post the match sits in: the entry holding most of its passages' words. */
function scopeOf(page: PageDocument, tokens: ReturnType<typeof tokenise>, found: Identified): Element[] {
  const words = new Array<number>(page.entries.length).fill(0);
  for (const passage of found.passages) {
    for (let word = passage.pageFrom; word <= passage.pageTo; word++) {
      const at = tokens.starts[word]!;
      const entry = page.entries.findIndex((candidate) => at >= candidate.start && at < candidate.end);
      if (entry >= 0) words[entry]!++;
    }
  }
  const best = words.indexOf(Math.max(...words));
  const entry = page.entries[best] ?? page.entries[0];
  if (!entry) return [];
  const scope = [entry.post];
  // On a one-post page the title may sit above the post container; its link counts for the post.
  if (page.heading && !page.$(entry.post).find(page.heading).length && page.entries.length === 1) {
    scope.unshift(page.heading);
  }
  return scope;
}

export function checkSnapshot(db: Db, snapshot: PageSnapshot, options: CheckOptions): PageResult {
  const { terms } = options;
  const site = siteOf(options.sites, snapshot.finalUrl || snapshot.url);
  const result: PageResult = {
    url: snapshot.url,
    status: 'no-match',
    fetchedAt: snapshot.fetchedAt,
    matches: [],
  };
  if (site) result.site = site.id;
  if (snapshot.status >= 400) {
    return { ...result, status: 'error', error: `HTTP status ${snapshot.status}` };
  }
  if (snapshot.contentType && !HTML_TYPES.test(snapshot.contentType)) {
    return { ...result, status: 'error', error: `not an HTML page (${snapshot.contentType})` };
  }
  const pageUrl = snapshot.finalUrl || snapshot.url;
  const page = parsePage(snapshot.body, pageUrl);
  if (page.title) result.title = page.title;
  const pageHost = bareHost(new URL(pageUrl).hostname);
  // The publisher's own pages are the originals, never reprints.
  if (publisherHosts(terms).has(pageHost)) return result;

  const tokens = tokenise(page.text);
  const found = identify(db, new PageFingerprints(tokens, matchOptions(terms).shingles), matchOptions(terms));
  const normalPage = normaliseUrl(pageUrl);
  const rules = terms.rules
    .map(({ id, options: ruleOptions }) => ({ rule: findRule(id), options: ruleOptions }))
    .filter((entry): entry is { rule: Rule<unknown>; options: unknown } => entry.rule !== undefined);

  for (const identified of found) {
    if (normalPage && articleUrls(identified.article).has(normalPage)) continue;
    const kind = identified.coverage < terms.excerptBelow ? 'excerpt' : 'full';
    const outcomes = runRules(rules, {
      snapshot,
      page,
      scope: scopeOf(page, tokens, identified),
      article: identified.article,
      match: { coverage: identified.coverage, kind },
      site,
      terms,
    });
    const violations: Violation[] = outcomes
      .filter((outcome) => outcome.outcome === 'fail')
      .map((outcome) => {
        const violation: Violation = {
          rule: outcome.rule,
          messageId: outcome.messageId ?? 'fail',
          message: outcome.message ?? '',
          evidence: outcome.evidence ?? '',
        };
        if (outcome.details) violation.data = outcome.details;
        return violation;
      });
    const match: ReprintMatch = {
      article: { id: identified.article.id, url: identified.article.url, title: identified.article.title },
      coverage: Math.round(identified.coverage * 1000) / 1000,
      kind,
      verdict: violations.length > 0 ? 'violation' : 'compliant',
      violations,
      rules: outcomes,
      passages: identified.passages
        .slice(0, 10)
        .map((passage) => ({ page: passage.page, article: passage.article })),
    };
    result.matches.push(match);
  }
  if (result.matches.length > 0) result.status = 'reprint';
  return result;
}
