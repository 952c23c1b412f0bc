/**
 * Check one page: identify what it reprints, then judge each reprint against the terms' rules.
 * Pure over its inputs: the snapshot, the store and the configuration; it fetches nothing.
 */
import type { AnyNode, Element } from 'domhandler';
import type { Site } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import { DEFAULT_MATCH, findReprints, type MatchOptions, PageFingerprints } from '../match/identify.ts';
import { elementsUnder, type PageDocument, parsePage } from '../match/page.ts';
import { tokenise } from '../match/tokens.ts';
import { bareHost, matchKey, siteOf } from '../net/url.ts';
import type { PageSnapshot } from '../snapshot/index.ts';
import type { Sql } from '../store/sql.ts';
import { MAX_DEPTH } from '../text/html-text.ts';
import { findPost, type Post } from './_post.ts';
import { articleUrls, concealedByClass, publisherHosts } from './_scope.ts';
import { findRule, runRule, runRules } from './engine.ts';
import type { PageResult, ReprintMatch, RuleOutcome, Suspected, Violation } from './result.ts';
import type { Rule, RuleContext } from './rule.ts';

export interface CheckOptions {
  terms: Terms;
  sites: readonly Site[];
  now?: Date;
  /** Elements of a page read at most (`MAX_ELEMENTS` by default); the rest is left unread. */
  maxElements?: number;
  /** Called with the post found for each reprint: for tools that explain a verdict (`eval:pages --explain`). */
  onPost?: (post: Post, page: PageDocument) => void;
}

const HTML_TYPES = /^(?:text\/html|application\/xhtml\+xml|text\/plain|application\/xml|text\/xml)$/;

export function matchOptions(terms: Terms): MatchOptions {
  return { ...DEFAULT_MATCH, ...terms.match };
}

/** Rules whose evidence is in the page's text, so a post read too narrowly may miss it. */
const CREDIT_RULES = new Set(['source-attribution', 'copyright-notice', 'link-to-original']);

function toViolation(outcome: RuleOutcome): Violation {
  const violation: Violation = {
    rule: outcome.rule,
    messageId: outcome.messageId ?? 'fail',
    message: outcome.message ?? '',
    evidence: outcome.evidence ?? '',
  };
  if (outcome.details) violation.data = outcome.details;
  return violation;
}

/**
 * The verdict of one reprint. A credit rule that fails on the post but passes once the regions of
 * unclear belonging are read too (past the budget of what follows the text, or hidden by a class
 * whose stylesheet we never run), or at last the rest of the page outside every region known to be
 * another's, is suspected, not violated; so is a rule that could not read the page. Only a failure
 * that no such reading can explain away is a violation.
 */
function judge(
  rules: ReadonlyArray<{ rule: Rule<unknown>; options: unknown }>,
  context: Omit<RuleContext<unknown>, 'options' | 'scope'>,
  post: Post,
): Pick<ReprintMatch, 'verdict' | 'violations' | 'suspected' | 'reason' | 'rules'> {
  const outcomes = runRules(rules, { ...context, scope: post.scope });
  const concealed = [...post.concealed, ...concealedIn(post.scope)];
  // Readings wider than the post, tried in turn when a credit rule fails on it: each names why a
  // credit found there leaves the verdict uncertain.
  const near = [...post.scope, ...post.nearby, ...concealed];
  const readings = [
    {
      scope: near,
      reason: 'the post’s bounds are unclear',
      says: 'a credit is on the page near the post, but whether it belongs to the post is unclear',
    },
    {
      scope: [...near, ...post.elsewhere],
      reason: 'a credit is on the page outside the post',
      says: 'a credit is on the page, outside what was read as the post, in no region known to be another’s',
    },
  ].filter((reading) => reading.scope.length > post.scope.length);
  const violations: Violation[] = [];
  const suspected: Suspected[] = [];
  const reasons = new Set<string>();
  judging: for (const outcome of outcomes) {
    if (outcome.outcome === 'error') {
      const reason = `the rule could not read the page (${outcome.message ?? 'error'})`;
      suspected.push({ ...toViolation(outcome), reason });
      reasons.add(reason);
      continue;
    }
    if (outcome.outcome !== 'fail') continue;
    if (CREDIT_RULES.has(outcome.rule)) {
      const entry = rules.find((candidate) => candidate.rule.meta.id === outcome.rule)!;
      for (const reading of readings) {
        const again = runRule(entry.rule, { ...context, scope: reading.scope, options: entry.options });
        if (again.outcome !== 'pass') continue;
        const inConcealed =
          concealed.length > 0 &&
          runRule(entry.rule, { ...context, scope: concealed, options: entry.options }).outcome === 'pass';
        const reason = inConcealed
          ? `a credit is in a part of the post that the page's stylesheet may hide: ${again.evidence ?? ''}`
          : `${reading.says}: ${again.evidence ?? ''}`;
        suspected.push({ ...toViolation(outcome), reason });
        reasons.add(inConcealed ? 'the credit may be hidden by the page' : reading.reason);
        continue judging;
      }
    }
    if (post.ambiguity && CREDIT_RULES.has(outcome.rule)) {
      suspected.push({ ...toViolation(outcome), reason: post.ambiguity });
      reasons.add(post.ambiguity);
      continue;
    }
    violations.push(toViolation(outcome));
  }
  const verdict = violations.length > 0 ? 'violation' : suspected.length > 0 ? 'uncertain' : 'compliant';
  const result: Pick<ReprintMatch, 'verdict' | 'violations' | 'suspected' | 'reason' | 'rules'> = {
    verdict,
    violations,
    rules: outcomes,
  };
  if (suspected.length > 0) {
    result.suspected = suspected;
    result.reason = [...reasons].join('; ');
  }
  return result;
}

export async function checkSnapshot(
  sql: Sql,
  snapshot: PageSnapshot,
  options: CheckOptions,
): Promise<PageResult> {
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
  const page = parsePage(snapshot.body, pageUrl, options.maxElements);
  if (page.title) result.title = page.title;
  const pageHost = bareHost(new URL(pageUrl).hostname);
  // The publisher's own pages are the originals, never reprints.
  if (publisherHosts(terms).has(pageHost)) return result;

  const tokens = tokenise(page.text);
  const options_ = matchOptions(terms);
  const { reprints, quotations } = await findReprints(
    sql,
    new PageFingerprints(tokens, options_.shingles),
    options_,
  );
  const normalPage = matchKey(pageUrl);
  const rules = terms.rules
    .map(({ id, options: ruleOptions }) => ({ rule: findRule(id), options: ruleOptions }))
    .filter((entry): entry is { rule: Rule<unknown>; options: unknown } => entry.rule !== undefined);

  for (const identified of reprints) {
    if (normalPage && articleUrls(identified.article).has(normalPage)) continue;
    const kind = identified.coverage < terms.excerptBelow ? 'excerpt' : 'full';
    const post = findPost(page, tokens, identified.passages);
    options.onPost?.(post, page);
    // Past the part of a huge page that was read there may be a credit: a failing credit rule is
    // then suspected, never a violation.
    if (page.truncated && !post.ambiguity)
      post.ambiguity = `the page is too large to read whole (only its first ${page.truncated.readChars} of ${page.truncated.totalChars} characters were read)`;
    if (page.flattened && !post.ambiguity)
      post.ambiguity = `the page nests elements deeper than ${MAX_DEPTH} levels (${page.flattened} of their tags were read as plain text)`;
    const judged = judge(
      rules,
      {
        snapshot,
        page,
        article: identified.article,
        match: { coverage: identified.coverage, kind },
        site,
        terms,
      },
      post,
    );
    const match: ReprintMatch = {
      article: { id: identified.article.id, url: identified.article.url, title: identified.article.title },
      coverage: Math.round(identified.coverage * 1000) / 1000,
      kind,
      ...judged,
      passages: identified.passages
        .slice(0, 10)
        .map((passage) => ({ page: passage.page, article: passage.article })),
    };
    result.matches.push(match);
  }
  const quoted = quotations.filter(
    (quotation) => !reprints.some((found) => found.article.id === quotation.article.id),
  );
  if (quoted.length > 0) {
    result.quotations = quoted.map((quotation) => ({
      article: { id: quotation.article.id, url: quotation.article.url, title: quotation.article.title },
      sentences: quotation.sentences,
      words: quotation.words,
      passages: quotation.passages
        .slice(0, 3)
        .map((passage) => ({ page: passage.page, article: passage.article })),
    }));
  }
  if (result.matches.length > 0) result.status = 'reprint';
  return result;
}

/** Elements of the post that a class may hide (read on purpose when a credit rule fails). */
function concealedIn(scope: readonly AnyNode[]): Element[] {
  const found: Element[] = [];
  for (const node of scope) {
    found.push(
      ...elementsUnder(node, (element) => element.attribs.class !== undefined && concealedByClass(element)),
    );
  }
  return found;
}
