/**
 * Table-driven rule tests (ESLint style): for each rule, pages that pass and pages that fail,
 * judged through the whole check so that scope (post versus sidebar or site footer) is tested too.
 */
import { describe, expect, it } from 'vitest';
import { checkSnapshot } from '../../src/check/check-snapshot.ts';
import type { RuleOutcome } from '../../src/check/result.ts';
import { ruleRegistry } from '../../src/check/rules/index.ts';
import { loadSites } from '../../src/config/sites.ts';
import { loadTerms } from '../../src/config/terms.ts';
import type { PageSnapshot } from '../../src/crawl/snapshot.ts';
import { articleText } from '../../src/match/fingerprint-index.ts';
import { fixtureArticles, fixtureStore } from '../helpers/fixture-store.ts';

const river = fixtureArticles().find((article) => article.id === 'nw-481')!;
const body = articleText(river)
  .split('\n')
  .map((paragraph) => `<p>${paragraph.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`)
  .join('\n');
const ORIGINAL = river.url;

interface Case {
  name: string;
  /** Markup inside the post, after the article text. */
  post?: string;
  /** Markup before the article text, inside the post body. */
  lead?: string;
  /** The page title, above the post. */
  heading?: string;
  sidebar?: string;
  siteFooter?: string;
  url?: string;
  fetchedAt?: string;
  outcome: RuleOutcome['outcome'];
  messageId?: string;
}

function page(test: Case): PageSnapshot {
  const html = `<!doctype html><html><head><title>t</title></head><body>
<header class="site-header"><a href="/">Peace Blog</a><nav><a href="https://northwind.example/">Partners</a></nav></header>
<div id="content">${test.heading ?? '<h1 class="entry-title">Siege of Lower Vessa</h1>'}
<article class="post hentry"><div class="entry-content">${test.lead ?? ''}${body}</div>
<footer class="entry-footer">${test.post ?? ''}</footer></article>
<aside id="secondary" class="widget-area">${test.sidebar ?? ''}</aside></div>
<footer id="colophon" class="site-footer">${test.siteFooter ?? '&copy; 2026 Peace Blog'}</footer></body></html>`;
  const url = test.url ?? 'https://peaceblog.example/2026/03/vessa/';
  return {
    url,
    finalUrl: url,
    status: 200,
    headers: {},
    fetchedAt: test.fetchedAt ?? '2026-03-20T10:00:00.000Z',
    contentType: 'text/html',
    body: html,
    bodyHash: '',
  };
}

const tables: Record<string, Case[]> = {
  'source-attribution': [
    {
      name: '"originally published by" in the post footer',
      post: '<p>Originally published by Northwind Review on 14 March.</p>',
      outcome: 'pass',
    },
    { name: '"Source:" with an alias', post: 'Source: The Northwind', outcome: 'pass' },
    {
      name: '"first appeared at" with a link to the publisher host',
      post: 'This first appeared at <a href="https://www.northwind.example/x">their site</a>.',
      outcome: 'pass',
    },
    {
      name: '"reprinted from"',
      lead: '<p><em>Reprinted from Northwind Review with permission.</em></p>',
      outcome: 'pass',
    },
    { name: '"via"', post: 'via <a href="https://example.org/">Northwind Review</a>', outcome: 'pass' },
    { name: '"courtesy of"', post: 'Photo and text courtesy of northwind.example', outcome: 'pass' },
    {
      name: 'a credit line marked by the theme',
      post: '<div class="post-source">Northwind Review</div>',
      outcome: 'pass',
    },
    { name: 'a French credit', post: 'Publié initialement par Northwind Review.', outcome: 'pass' },
    { name: 'a Spanish credit', post: 'Fuente: Northwind Review', outcome: 'pass' },
    { name: 'an extra phrase from the terms', post: 'Tomado de Northwind Review', outcome: 'pass' },
    { name: 'no credit at all', outcome: 'fail', messageId: 'missing' },
    {
      name: 'a credit naming someone else',
      post: 'Source: Valley Gazette',
      outcome: 'fail',
      messageId: 'missing',
    },
    {
      name: 'the name mentioned without a credit',
      post: 'We also like Northwind Review a lot.',
      outcome: 'fail',
      messageId: 'missing',
    },
    {
      name: 'a credit only in a sidebar widget',
      sidebar: '<section class="widget">Via Northwind Review</section>',
      outcome: 'fail',
      messageId: 'missing',
    },
    {
      name: 'a credit only in the site footer',
      siteFooter: 'Some posts reprinted from Northwind Review',
      outcome: 'fail',
      messageId: 'missing',
    },
    {
      name: 'a hidden credit',
      post: '<span hidden>Source: Northwind Review</span>',
      outcome: 'fail',
      messageId: 'missing',
    },
  ],
  'copyright-notice': [
    { name: '© with year and publisher', post: '&copy; 2026 Northwind Review', outcome: 'pass' },
    { name: '(c) with the author', post: '(c) Mara Jensen', outcome: 'pass' },
    {
      name: '"Copyright" without a year',
      post: 'Copyright Northwind Review. All rights reserved.',
      outcome: 'pass',
    },
    { name: 'the article rights line', post: '© 2026 Mara Jensen, Northwind Review', outcome: 'pass' },
    {
      name: 'the republisher’s own notice only',
      siteFooter: '© 2026 Peace Blog',
      outcome: 'fail',
      messageId: 'missing',
    },
    {
      name: 'a notice in the post for the republisher',
      post: '© 2026 Peace Blog. Source: Northwind Review',
      outcome: 'fail',
      messageId: 'otherOwner',
    },
    {
      name: 'a notice in a sidebar widget',
      sidebar: '<div class="widget">© Northwind Review</div>',
      outcome: 'fail',
      messageId: 'missing',
    },
    { name: 'no notice', outcome: 'fail', messageId: 'missing' },
  ],
  'link-to-original': [
    { name: 'a link to the article', post: `<a href="${ORIGINAL}">original</a>`, outcome: 'pass' },
    {
      name: 'a link on the title above the post',
      heading: `<h1 class="entry-title"><a href="${ORIGINAL}">Siege</a></h1>`,
      outcome: 'pass',
    },
    {
      name: 'a link through an alias',
      post: '<a href="https://old.northwind.example/articles/481">original</a>',
      outcome: 'pass',
    },
    {
      name: 'a link with tracking parameters, www, http and a fragment',
      post: `<a href="http://www.northwind.example/2026/03/river-city-siege/481/?utm_source=x&gclid=1#top">original</a>`,
      outcome: 'pass',
    },
    {
      name: 'a link to the AMP form of the article',
      post: '<a href="https://northwind.example/2026/03/river-city-siege/481/amp/">AMP original</a>',
      outcome: 'pass',
    },
    {
      name: 'a nofollow link (recorded, accepted)',
      post: `<a rel="nofollow" href="${ORIGINAL}">original</a>`,
      outcome: 'pass',
    },
    {
      name: 'a sponsored link (refused by the terms)',
      post: `<a rel="sponsored" href="${ORIGINAL}">original</a>`,
      outcome: 'fail',
      messageId: 'relNotAllowed',
    },
    {
      name: 'the home page only',
      post: '<a href="https://northwind.example">Northwind Review</a>',
      outcome: 'fail',
      messageId: 'homeOnly',
    },
    {
      name: 'another article',
      post: '<a href="https://northwind.example/2026/03/vessa-aid-blocked/502">more</a>',
      outcome: 'fail',
      messageId: 'otherArticle',
    },
    {
      name: 'a link hidden by display:none',
      post: `<a style="display: none" href="${ORIGINAL}">x</a>`,
      outcome: 'fail',
      messageId: 'hiddenLink',
    },
    {
      name: 'a link hidden by aria-hidden on its parent',
      post: `<div aria-hidden="true"><a href="${ORIGINAL}">x</a></div>`,
      outcome: 'fail',
      messageId: 'hiddenLink',
    },
    {
      name: 'a link only in a sidebar widget',
      sidebar: `<div class="widget"><a href="${ORIGINAL}">x</a></div>`,
      outcome: 'fail',
      messageId: 'missing',
    },
    { name: 'no link', outcome: 'fail', messageId: 'missing' },
  ],
  'commercial-use': [
    { name: 'a community site', outcome: 'pass', messageId: 'community' },
    {
      name: 'a commercial site with a valid licence',
      url: 'https://press.example/x',
      outcome: 'pass',
      messageId: 'licensed',
    },
    {
      name: 'a commercial site without a licence',
      url: 'https://shop.example/x',
      outcome: 'fail',
      messageId: 'unlicensed',
    },
    {
      name: 'a licence not yet valid on the day',
      url: 'https://press.example/x',
      fetchedAt: '2024-06-01T00:00:00Z',
      outcome: 'fail',
      messageId: 'licenceNotValid',
    },
    {
      name: 'an unregistered site',
      url: 'https://unknown.example/x',
      outcome: 'unknown',
      messageId: 'unregistered',
    },
  ],
};

describe('rule registry', () => {
  it.each(ruleRegistry.map((rule) => [rule.meta.id, rule] as const))(
    '%s has a description, messages and a test table',
    (id, rule) => {
      expect(rule.meta.description.length).toBeGreaterThan(40);
      expect(rule.meta.title).not.toBe('');
      expect(rule.meta.failureTitle).not.toBe('');
      expect(Object.keys(rule.meta.messages).length).toBeGreaterThan(0);
      const table = tables[id] ?? [];
      expect(table.some((test) => test.outcome === 'pass') || id === 'commercial-use').toBe(true);
      expect(table.some((test) => test.outcome === 'fail')).toBe(true);
    },
  );
});

for (const [id, table] of Object.entries(tables)) {
  describe(id, () => {
    const { db, rules } = fixtureStore();
    const terms = loadTerms(rules);
    const sites = loadSites(rules).sites;
    it.each(table.map((test) => [test.name, test] as const))('%s', (_name, test) => {
      const result = checkSnapshot(db, page(test), { terms, sites });
      expect(result.status).toBe('reprint');
      const [match] = result.matches;
      expect(match?.article.id).toBe('nw-481');
      const outcome = match!.rules.find((rule) => rule.rule === id)!;
      expect(outcome.outcome, JSON.stringify(outcome)).toBe(test.outcome);
      if (test.messageId) expect(outcome.messageId).toBe(test.messageId);
      expect(match!.verdict).toBe(match!.violations.length > 0 ? 'violation' : 'compliant');
      expect(match!.violations.some((violation) => violation.rule === id)).toBe(test.outcome === 'fail');
    });
  });
}

describe('rule engine', () => {
  it('turns a rule that throws into an error outcome and runs the others', async () => {
    const { db, rules } = fixtureStore();
    const terms = loadTerms(rules);
    const rule = ruleRegistry.find((candidate) => candidate.meta.id === 'copyright-notice')!;
    const original = rule.check;
    rule.check = () => {
      throw new Error('boom');
    };
    try {
      const result = checkSnapshot(db, page({ name: 'x', outcome: 'pass' }), { terms, sites: [] });
      const outcomes = result.matches[0]!.rules;
      expect(outcomes.find((outcome) => outcome.rule === 'copyright-notice')).toMatchObject({
        outcome: 'error',
        message: expect.stringMatching(/boom/),
      });
      expect(outcomes.filter((outcome) => outcome.outcome !== 'error')).toHaveLength(3);
    } finally {
      rule.check = original;
    }
  });
});
