/**
 * An ESLint-style tester for one rule. Each case is a page (built by `_pages.ts` from placements,
 * or given whole); the tester prepares the context the rule would get inside the checker (the page
 * parsed, the fixture article's passages found in it, the post found from them, the site, the
 * terms and the rule's options read through its own schema) and runs that ONE rule on it, nothing
 * else: no other rule, no verdict. Where a post ends and what makes a verdict uncertain are tested
 * apart, through the whole check.
 *
 * `valid` cases must not fail (pass, or unknown when they say so); `invalid` cases must fail with
 * the `messageId` they name, which every invalid case must have and the rule must define.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { findPost } from '../../src/check/_post.ts';
import { runRule } from '../../src/check/engine.ts';
import type { RuleOutcome } from '../../src/check/result.ts';
import type { Rule, RuleContext } from '../../src/check/rule.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { loadSites, type Site } from '../../src/config/sites.ts';
import type { Terms } from '../../src/config/terms.ts';
import { DEFAULT_MATCH, findReprints, PageFingerprints } from '../../src/match/identify.ts';
import { parsePage } from '../../src/match/page.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { siteOf } from '../../src/net/url.ts';
import type { Article } from '../../src/store/article.ts';
import type { Sql } from '../../src/store/sql.ts';
import { fixtureStore } from '../helpers/fixture-store.ts';
import { type Placement, snapshotOf } from './_pages.ts';

interface BaseCase extends Placement {
  name: string;
  /** The rule's options as a terms file would give them (the fixture terms' by default). */
  options?: unknown;
  /** The match the checker would have made; a full reprint by default. */
  kind?: 'full' | 'excerpt';
}

export interface ValidCase extends BaseCase {
  /** `unknown` when the rule cannot tell (never `fail`); `pass` by default. */
  outcome?: 'pass' | 'unknown';
  messageId?: string;
}

export interface InvalidCase extends BaseCase {
  outcome?: 'fail';
  /** Required: which of the rule's messages the failure gives. */
  messageId: string;
}

export interface Tables {
  valid: ValidCase[];
  invalid: InvalidCase[];
}

/** What the tester needs from the world: a store holding the article, the terms and the sites. */
export interface Fixture {
  sql: Sql;
  articleId: string;
  terms: Terms;
  sites: readonly Site[];
}

export async function defaultFixture(): Promise<Fixture> {
  const { sql, rules } = await fixtureStore();
  return { sql, articleId: 'nw-481', terms: loadTerms(rules), sites: loadSites(rules).sites };
}

/** The context the checker would hand the rule for this page, or why it cannot be made. */
export async function prepareContext<Options>(
  fixture: Fixture,
  rule: Rule<Options>,
  test: BaseCase,
): Promise<RuleContext<Options>> {
  const snapshot = snapshotOf(test);
  const page = parsePage(snapshot.body, snapshot.finalUrl);
  const tokens = tokenise(page.text);
  const { reprints } = await findReprints(fixture.sql, new PageFingerprints(tokens, DEFAULT_MATCH.shingles));
  const found = reprints.find((reprint) => reprint.article.id === fixture.articleId);
  if (!found) throw new Error(`case "${test.name}": the page does not reprint ${fixture.articleId}`);
  // The options the terms give the rule, as the checker reads them, unless the case brings its own.
  const fromTerms = fixture.terms.rules.find((entry) => entry.id === rule.meta.id)?.options;
  const parsed = rule.meta.optionsSchema.safeParse(test.options ?? fromTerms ?? {});
  if (!parsed.success)
    throw new Error(`case "${test.name}": options do not fit ${rule.meta.id}: ${parsed.error.message}`);
  const article: Article = found.article;
  return {
    snapshot,
    page,
    scope: findPost(page, tokens, found.passages).scope,
    article,
    match: { coverage: found.coverage, kind: test.kind ?? 'full' },
    site: siteOf(fixture.sites, snapshot.finalUrl),
    terms: fixture.terms,
    options: parsed.data,
  };
}

/**
 * Why an outcome does not meet its case, as sentences (none when it does). Kept apart from vitest
 * so the tester's own judgement can be tested.
 */
export function problems(
  rule: Rule<unknown>,
  kind: 'valid' | 'invalid',
  test: ValidCase | InvalidCase,
  outcome: RuleOutcome,
): string[] {
  const found: string[] = [];
  if (test.messageId !== undefined && !(test.messageId in rule.meta.messages))
    found.push(`${rule.meta.id} has no message "${test.messageId}"`);
  const wanted = kind === 'invalid' ? 'fail' : (test.outcome ?? 'pass');
  if (outcome.outcome !== wanted)
    found.push(
      `expected ${wanted}, got ${outcome.outcome}${outcome.message ? ` (${outcome.message})` : ''}${
        outcome.evidence ? ` evidence: ${outcome.evidence}` : ''
      }`,
    );
  if (test.messageId !== undefined && outcome.messageId !== test.messageId)
    found.push(`expected message "${test.messageId}", got "${outcome.messageId ?? 'none'}"`);
  return found;
}

/** Refuses a table that cannot say anything: an invalid case without its message id, or no name. */
export function checkTables(rule: Rule<unknown>, tables: Tables): void {
  for (const test of tables.invalid) {
    if (typeof test.messageId !== 'string' || test.messageId === '')
      throw new Error(`${rule.meta.id}: invalid case "${test.name}" has no messageId`);
  }
  for (const test of [...tables.valid, ...tables.invalid]) {
    if (!test.name) throw new Error(`${rule.meta.id}: a case has no name`);
  }
  const names = [...tables.valid, ...tables.invalid].map((test) => test.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw new Error(`${rule.meta.id}: two cases are named "${twice}"`);
}

export class RuleTester {
  readonly #fixture: () => Promise<Fixture>;

  constructor(fixture: () => Promise<Fixture> = defaultFixture) {
    this.#fixture = fixture;
  }

  // biome-ignore lint/suspicious/noExplicitAny: a rule's options type is its own; its schema reads the case's options.
  run(rule: Rule<any>, tables: Tables): void {
    checkTables(rule, tables);
    describe(rule.meta.id, () => {
      let fixture: Fixture;
      beforeAll(async () => {
        fixture = await this.#fixture();
      });
      const cases = [
        ...tables.valid.map((test) => ['valid', test] as const),
        ...tables.invalid.map((test) => ['invalid', test] as const),
      ];
      it.each(cases.map(([kind, test]) => [`${kind}: ${test.name}`, kind, test] as const))(
        '%s',
        async (_name, kind, test) => {
          const outcome = runRule(rule, await prepareContext(fixture, rule, test));
          expect(problems(rule, kind, test, outcome)).toEqual([]);
        },
      );
    });
  }
}
