import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/index.ts';
import { composeNotice, loadNotices } from '../../src/report/index.ts';
import { pageLanguage } from '../../src/scan/language.ts';
import { tempDir } from '../helpers/tmp.ts';

/** Letters that fit the violation: the kind of letter, its language, the site's display name. */
function finding(overrides: Partial<Finding> & { language?: string; commercial?: boolean } = {}): Finding {
  const { language, commercial, ...rest } = overrides;
  return {
    id: 7,
    pageUrl: 'https://www.newsmill.example/world/palmyra',
    pageTitle: 'Palmyra, again',
    articleId: 'palmyra',
    articleUrl: 'https://northwind.example/palmyra-again/123',
    articleTitle: 'Palmyra, again',
    site: 'newsmill',
    firstSeen: '2026-01-03T03:00:00.000Z',
    firstScan: 1,
    lastSeen: '2026-01-03T03:00:00.000Z',
    lastScan: 1,
    resolvedAt: null,
    resolvedWhy: null,
    status: 'open',
    verdict: 'violation',
    violations: commercial
      ? [
          {
            rule: 'commercial-use',
            messageId: 'unlicensed',
            message: 'commercial, no licence',
            evidence: '',
          },
          { rule: 'link-to-original', messageId: 'missing', message: 'no link', evidence: '' },
        ]
      : [
          { rule: 'link-to-original', messageId: 'missing', message: 'no link', evidence: '' },
          { rule: 'copyright-notice', messageId: 'missing', message: 'no copyright', evidence: '' },
        ],
    evidence: {
      passages: [],
      rules: [],
      links: [],
      site: {
        id: 'newsmill',
        name: 'Newsmill',
        url: 'https://newsmill.example/',
        kind: commercial ? 'commercial' : 'community',
      },
      ...(language ? { language } : {}),
    },
    reprintHash: '',
    deadline: null,
    overdueSince: null,
    ...rest,
  };
}

const context = {
  publisher: 'Northwind Review',
  publisherHome: 'https://northwind.example/',
  today: '2026-01-04',
};
const notices = loadNotices(tempDir());

describe('letters', () => {
  it('asks a community site for the credit and link it left out, naming the site by its display name', async () => {
    const notice = composeNotice(notices, finding(), context);
    expect(notice).toMatchObject({
      kind: 'credit',
      language: 'en',
      subject: 'Reprint of "Palmyra, again" on Newsmill',
    });
    expect(notice.body).toMatch(/^Dear editors of Newsmill,/);
    expect(notice.body).toContain(
      '- a link to the original article (a link to our home page is not enough)\n- the copyright notice of the article',
    );
    expect(notice.body).not.toContain('newsmill,');
    expect(notice.text).not.toMatch(/\{\{/);
  });

  it('offers a commercial site without a licence the licence terms instead of asking for a credit', async () => {
    const notice = composeNotice(notices, finding({ commercial: true }), context);
    expect(notice.kind).toBe('licence');
    expect(notice.body).toContain('which Newsmill does not\nhold from us at present (none)');
    expect(notice.body).toContain('we will send you our licence terms and rates');
    expect(notice.body).toContain('https://northwind.example/\n');
    expect(notice.body).not.toMatch(/could not find|add these|glad for community sites/);
  });

  it('writes in the page’s language, then the publisher’s, then English', async () => {
    expect(composeNotice(notices, finding({ language: 'fr-ca' }), context)).toMatchObject({
      language: 'fr',
      subject: 'Reprise de « Palmyra, again » sur Newsmill',
    });
    const french = composeNotice(notices, finding({ language: 'fr' }), context).body;
    expect(french).toContain("- un lien vers l'article original");
    expect(composeNotice(notices, finding({ language: 'es', commercial: true }), context).body).toContain(
      'Con gusto le ofrecemos una',
    );
    // A German page, and no German letter: the publisher's language (the article's), then English.
    expect(composeNotice(notices, finding({ language: 'de' }), { ...context, language: 'es' }).language).toBe(
      'es',
    );
    expect(composeNotice(notices, finding({ language: 'de' }), context).language).toBe('en');
  });

  it('names the site by its host when the registry gives no name, never by its id', async () => {
    const nameless = finding();
    nameless.evidence.site = { id: 'newsmill', url: 'https://www.newsmill.example/' };
    expect(composeNotice(notices, nameless, context).body).toMatch(/^Dear editors of newsmill\.example,/);
  });

  it('reads a rules folder’s own letters, and names the file of a bad one', async () => {
    const rules = tempDir();
    mkdirSync(join(rules, 'notices'));
    writeFileSync(join(rules, 'notices', 'credit.en.md'), 'Subject: Hello {{site}}\n\nPlease credit us.\n');
    writeFileSync(
      join(rules, 'notices', 'licence.en.md'),
      'Subject: A licence\n\nBuy one from {{publisher}}.\n',
    );
    writeFileSync(join(rules, 'notices', 'credit.pt-br.md'), 'Subject: Olá\n\nPor favor.\n');
    const own = loadNotices(rules);
    expect(composeNotice(own, finding(), context).text).toBe(
      'Subject: Hello Newsmill\n\nPlease credit us.\n',
    );
    expect(composeNotice(own, finding({ language: 'pt-BR' }), context).language).toBe('pt-br');
    expect(composeNotice(own, finding({ commercial: true }), context).body).toBe(
      'Buy one from Northwind Review.\n',
    );

    writeFileSync(join(rules, 'notices', 'credit.en.md'), 'Subject: x\n\nDear {{sitename}}\n');
    expect(() => loadNotices(rules)).toThrow(
      expect.objectContaining({ where: { file: join(rules, 'notices', 'credit.en.md'), line: 3 } }),
    );
    writeFileSync(join(rules, 'notices', 'credit.en.md'), 'ok\n');
    writeFileSync(join(rules, 'notices', 'reminder.en.md'), 'ok\n');
    expect(() => loadNotices(rules)).toThrow(
      expect.objectContaining({ where: { file: join(rules, 'notices', 'reminder.en.md') } }),
    );
  });

  it('uses an older single rules/notice.md for every letter', async () => {
    const rules = tempDir();
    writeFileSync(join(rules, 'notice.md'), 'Subject: Our terms\n\nDear {{site}}: {{missing}}\n');
    const single = loadNotices(rules);
    expect(composeNotice(single, finding({ commercial: true, language: 'fr' }), context).body).toBe(
      'Dear Newsmill: - a licence for commercial use\n- a link to the original article (a link to our home page is not enough)\n',
    );
  });
});

describe('the language of a page', () => {
  it.each([
    ['<!doctype html><html lang="fr-CA"><head>', {}, 'fr-ca'],
    ["<HTML class='no-js' LANG=es>", {}, 'es'],
    ['<html><body>', { 'content-language': 'de-DE, en' }, 'de-de'],
    ['<html lang="">', { 'content-language': 'not a tag!' }, undefined],
    ['<html><body>', {}, undefined],
    // The element a browser sees, not the ones in Internet Explorer's conditional comments.
    [
      '<!--[if IE 7]><html lang="en-us" class="ie7"><![endif]--><!--[if !IE]><!--><html lang="de"><!--<![endif]-->',
      {},
      'de',
    ],
    ['<!-- an unclosed comment <html lang="fr">', {}, undefined],
  ])('%s', (body, headers, expected) => {
    expect(pageLanguage({ body, headers })).toBe(expected);
  });

  it('looks only at the top of a page: a lang attribute 64 KB down is not the page’s', async () => {
    const body = `<html>${'<p>x</p>'.repeat(10_000)}<html lang="fr">`;
    expect(pageLanguage({ body, headers: {} })).toBeUndefined();
  });
});
