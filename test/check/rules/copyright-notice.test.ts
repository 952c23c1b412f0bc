import copyrightNotice from '../../../src/check/rules/copyright-notice.ts';
import { BETWEEN, ORIGINAL, type Placement, splitText } from '../_pages.ts';
import { type InvalidCase, RuleTester, type ValidCase } from '../rule-tester.ts';

type Fields = Placement;
const pass = (name: string, fields: Fields): ValidCase => ({
  name,
  ...fields,
  outcome: 'pass',
  messageId: 'found',
});
const fail = (name: string, messageId: string, fields: Fields): InvalidCase => ({
  name,
  ...fields,
  outcome: 'fail',
  messageId,
});

const notices = [
  '&copy; 2026 Northwind Review',
  '© Northwind Review 2026',
  '(c) Mara Jensen',
  '(c) 2026 Northwind Review',
  'Copyright Northwind Review. All rights reserved.',
  'Copyright © 2026 Mara Jensen',
  'Northwind Review 2026. All rights reserved.',
  '©\u00a02026\u00a0Northwind\u00a0Review',
  'Mara Jensen / Northwind Review, 2026 ©',
  '© 2026 Northwind Review. Tous droits réservés.',
  'Northwind Review – Todos los derechos reservados.',
  '© The Northwind',
];

const places: Array<[string, (notice: string) => Fields]> = [
  ['after the text', (notice) => ({ inText: `<p>${notice}</p>` })],
  ['in a footer after the text', (notice) => ({ afterText: `<footer>${notice}</footer>` })],
  ['in small print', (notice) => ({ inText: `<p><small>${notice}</small></p>` })],
  ['in an aside', (notice) => ({ inText: `<aside>${notice}</aside>` })],
  [
    'in a figure caption',
    (notice) => ({ inText: `<figure><figcaption>Photo and text ${notice}</figcaption></figure>` }),
  ],
  [
    'in a theme with no known class names',
    (notice) => ({ theme: 'bare', afterText: `<div>${notice}</div>` }),
  ],
  [
    'in a note box after the text',
    (notice) => ({
      inText: `<div style="border:1px solid #ccc;padding:1em"><p><strong>Note</strong></p><p>${notice}</p></div>`,
    }),
  ],
  [
    'in a byline without class names',
    (notice) => ({ theme: 'bare', header: `<div><p><span>Mara Jensen</span> | ${notice}</p></div>` }),
  ],
  [
    'in a table cell beside other cells',
    (notice) => ({ afterText: `<table><tr><td>Photo: Ana Ruiz</td><td>${notice}</td></tr></table>` }),
  ],
  [
    'at the start of a wrapper that goes on at length',
    (notice) => ({
      theme: 'bare',
      afterText: `<div><p>${notice}</p><div><p>${'Our own words about the valley, at length. '.repeat(30)}</p></div></div>`,
    }),
  ],
];

new RuleTester().run(copyrightNotice, {
  valid: [
    ...BETWEEN.map(([between, markup]) =>
      pass(`a notice after the last paragraphs, which come past ${between} inside the text`, {
        page: splitText(markup, '<p>© 2026 Northwind Review</p>'),
      }),
    ),
    ...notices.map((notice, index) => {
      const [where, place] = places[index % places.length]!;
      return pass(`"${notice}" ${where}`, place(notice));
    }),
    pass('a notice in the credit line with the link', {
      afterText: `<p>Source: <a href="${ORIGINAL}">Northwind Review</a> | © 2026 Mara Jensen</p>`,
    }),
  ],
  invalid: [
    fail('the republisher’s own notice only, in the site footer', 'missing', {
      siteFooter: '© 2026 Peace Blog',
    }),
    fail('a notice in the post for the republisher', 'otherOwner', {
      inText: '<p>© 2026 Peace Blog. Source: Northwind Review</p>',
    }),
    fail('a notice naming another publisher', 'otherOwner', { inText: '<p>© 2026 Valley Gazette</p>' }),
    fail('a notice in a sidebar widget', 'missing', {
      sidebar: '<div class="widget">© Northwind Review</div>',
    }),
    fail('a notice only in the site footer', 'missing', {
      siteFooter: '© 2026 Northwind Review and Peace Blog',
    }),
    fail('a notice only in the comments', 'missing', {
      comments: '<div class="comment"><p>© Northwind Review, no?</p></div>',
    }),
    fail('a hidden notice', 'missing', { inText: '<p style="display:none">© 2026 Northwind Review</p>' }),
    fail('no notice', 'missing', {}),
    fail('a notice only in a promotion between the parts of the text', 'missing', {
      page: splitText('<div class="sidebar-promo"><p>© 2026 Northwind Review</p></div>', ''),
    }),
  ],
});
