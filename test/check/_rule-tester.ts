/**
 * ESLint-style rule tables: each case is a page that reprints the fixture article `nw-481` with
 * markup put in one place of one theme, and the outcome and message id the rule must give. The
 * page goes through the whole check, so where the post is found is tested with the rule.
 */
import { describe, expect, it } from 'vitest';
import { checkSnapshot } from '../../src/check/check-snapshot.ts';
import type { PageResult, RuleOutcome } from '../../src/check/result.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { loadSites } from '../../src/config/sites.ts';
import type { PageSnapshot } from '../../src/crawl/snapshot.ts';
import { articleText } from '../../src/match/fingerprint-index.ts';
import { fixtureArticles, fixtureStore } from '../helpers/fixture-store.ts';

const river = fixtureArticles().find((article) => article.id === 'nw-481')!;
export const ORIGINAL = river.url;
export const PARAGRAPHS = articleText(river)
  .split('\n')
  .map((paragraph) => paragraph.replace(/&/g, '&amp;').replace(/</g, '&lt;'));

export interface Case {
  name: string;
  /** `wordpress`: a theme with the usual class names; `bare`: one without any known name. */
  theme?: 'wordpress' | 'bare';
  /** Inside the text's container, after the last paragraph. */
  inText?: string;
  /** After the text's container, inside the post. */
  afterText?: string;
  /** Before the first paragraph, inside the text's container. */
  lead?: string;
  /** In the post's header, under the title. */
  header?: string;
  heading?: string;
  comments?: string;
  sidebar?: string;
  siteFooter?: string;
  url?: string;
  fetchedAt?: string;
  outcome: RuleOutcome['outcome'];
  messageId: string;
  /** The verdict of the match, when the case is about it. */
  verdict?: 'compliant' | 'violation' | 'uncertain';
}

export function pageHtml(test: Omit<Case, 'outcome' | 'messageId' | 'name'>): string {
  const body = PARAGRAPHS.map((paragraph) => `<p>${paragraph}</p>`).join('\n');
  const heading = test.heading ?? 'Siege of Lower Vessa';
  if (test.theme === 'bare') {
    const menu = ['Home', 'World', 'Valley', 'Opinion', 'About', 'Contact']
      .map((item) => `<a href="/${item.toLowerCase()}">${item}</a>`)
      .join(' ');
    return `<!doctype html><html><head><title>t</title></head><body>
<div><div><b>Peace Blog</b></div><div>${menu}</div></div>
<div><div>
<div><h1>${heading}</h1>${test.header ?? ''}</div>
<div>${test.lead ?? ''}${body}${test.inText ?? ''}</div>
${test.afterText ?? ''}
<section class="comments">${test.comments ?? ''}</section>
</div>
<div>${test.sidebar ?? ''}</div></div>
<footer>${test.siteFooter ?? '&copy; 2026 Peace Blog'}</footer></body></html>`;
  }
  return `<!doctype html><html><head><title>t</title></head><body>
<header class="site-header"><a href="/">Peace Blog</a><nav><a href="https://northwind.example/">Partners</a></nav></header>
<div id="content">
<article class="post hentry"><header class="entry-header"><h1 class="entry-title">${heading}</h1>${test.header ?? ''}</header>
<div class="entry-content">${test.lead ?? ''}${body}${test.inText ?? ''}</div>
${test.afterText ?? ''}
<div id="comments" class="comments-area">${test.comments ?? ''}</div></article>
<aside id="secondary" class="widget-area">${test.sidebar ?? ''}</aside></div>
<footer id="colophon" class="site-footer">${test.siteFooter ?? '&copy; 2026 Peace Blog'}</footer></body></html>`;
}

export function snapshotOf(test: Omit<Case, 'outcome' | 'messageId' | 'name'>): PageSnapshot {
  const url = test.url ?? 'https://peaceblog.example/2026/03/vessa/';
  return {
    url,
    finalUrl: url,
    status: 200,
    headers: {},
    fetchedAt: test.fetchedAt ?? '2026-03-20T10:00:00.000Z',
    contentType: 'text/html',
    body: pageHtml(test),
    bodyHash: '',
  };
}

export function checkCase(test: Omit<Case, 'outcome' | 'messageId' | 'name'>): PageResult {
  const { db, rules } = fixtureStore();
  const result = checkSnapshot(db, snapshotOf(test), {
    terms: loadTerms(rules),
    sites: loadSites(rules).sites,
  });
  db.close();
  return result;
}

/** Runs a rule's table: `valid` cases must pass (or be unknown), `invalid` ones fail. */
export function ruleTester(id: string, tables: { valid: Case[]; invalid: Case[] }): void {
  describe(id, () => {
    const { db, rules } = fixtureStore();
    const terms = loadTerms(rules);
    const sites = loadSites(rules).sites;
    const all = [
      ...tables.valid.map((test) => ['valid', test] as const),
      ...tables.invalid.map((test) => ['invalid', test] as const),
    ];
    it.each(all.map(([kind, test]) => [`${kind}: ${test.name}`, kind, test] as const))(
      '%s',
      (_name, kind, test) => {
        expect(test.messageId, 'every case names its message id').toBeTruthy();
        const result = checkSnapshot(db, snapshotOf(test), { terms, sites });
        expect(result.status).toBe('reprint');
        const [match] = result.matches;
        expect(match?.article.id).toBe('nw-481');
        const outcome = match!.rules.find((rule) => rule.rule === id)!;
        expect(outcome.outcome, JSON.stringify(outcome)).toBe(test.outcome);
        expect(outcome.messageId).toBe(test.messageId);
        if (kind === 'valid') expect(test.outcome).not.toBe('fail');
        const violated = match!.violations.some((violation) => violation.rule === id);
        const suspected = (match!.suspected ?? []).some((entry) => entry.rule === id);
        if (test.verdict === 'uncertain') {
          expect(suspected, JSON.stringify(match)).toBe(true);
          expect(violated).toBe(false);
        } else {
          expect(violated, JSON.stringify(match!.suspected)).toBe(test.outcome === 'fail');
        }
        if (test.verdict) expect(match!.verdict).toBe(test.verdict);
        expect(match!.verdict).toBe(
          match!.violations.length > 0
            ? 'violation'
            : (match!.suspected ?? []).length > 0
              ? 'uncertain'
              : 'compliant',
        );
      },
    );
  });
}
