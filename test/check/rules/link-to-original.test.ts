import linkToOriginal from '../../../src/check/rules/link-to-original.ts';
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

new RuleTester().run(linkToOriginal, {
  valid: [
    ...BETWEEN.map(([between, markup]) =>
      pass(`a link after the last paragraphs, which come past ${between} inside the text`, {
        page: splitText(markup, `<p><a href="${ORIGINAL}">Read the original</a></p>`),
      }),
    ),
    pass('a link to the article after the text', { inText: `<p><a href="${ORIGINAL}">original</a></p>` }),
    pass('a link on the title', { heading: `<a href="${ORIGINAL}">Siege</a>` }),
    pass('a link in a footer after the text', {
      afterText: `<footer><a href="${ORIGINAL}">Northwind Review</a></footer>`,
    }),
    pass('a link in an aside', { inText: `<aside><a href="${ORIGINAL}">Read the original</a></aside>` }),
    pass('a link in the byline', { header: `<p>From <a href="${ORIGINAL}">Northwind Review</a></p>` }),
    pass('a link in a theme with no known class names', {
      theme: 'bare',
      afterText: `<div><a href="${ORIGINAL}">original</a></div>`,
    }),
    pass('a link in a note box after the text', {
      inText: `<div style="border:1px solid #ccc;padding:1em"><p><strong>Note</strong></p><p><a href="${ORIGINAL}">original</a></p></div>`,
    }),
    pass('a link in a byline without class names', {
      theme: 'bare',
      header: `<div><p><span>Mara Jensen</span> | <a href="${ORIGINAL}">Northwind Review</a></p></div>`,
    }),
    pass('a link in a table cell beside other cells', {
      afterText: `<table><tr><td>Photo: Ana Ruiz</td><td><a href="${ORIGINAL}">original</a></td></tr></table>`,
    }),
    pass('a link in a figure caption', {
      inText: `<figure><img src="/m.jpg" alt=""><figcaption>Map: <a href="${ORIGINAL}">Northwind Review</a></figcaption></figure>`,
    }),
    pass('a link opening a wrapper that goes on at length', {
      theme: 'bare',
      afterText: `<div><p><a href="${ORIGINAL}">original</a></p><div><p>${'Our own words about the valley, at length. '.repeat(30)}</p></div></div>`,
    }),
    pass('a link through an alias', {
      inText: '<p><a href="https://old.northwind.example/articles/481">original</a></p>',
    }),
    pass('a link with tracking parameters, www, http and a fragment', {
      inText: `<p><a href="http://www.northwind.example/2026/03/river-city-siege/481/?utm_source=x&gclid=1#top">original</a></p>`,
    }),
    pass('a link to the AMP form of the article', {
      inText: '<p><a href="https://northwind.example/2026/03/river-city-siege/481/amp/">AMP original</a></p>',
    }),
    pass('a nofollow link (recorded, accepted)', {
      inText: `<p><a rel="nofollow" href="${ORIGINAL}">original</a></p>`,
    }),
  ],
  invalid: [
    fail('a sponsored link (refused by the terms)', 'relNotAllowed', {
      inText: `<p><a rel="sponsored" href="${ORIGINAL}">original</a></p>`,
    }),
    fail('the home page only', 'homeOnly', {
      inText: '<p><a href="https://northwind.example">Northwind Review</a></p>',
    }),
    fail('another article', 'otherArticle', {
      inText: '<p><a href="https://northwind.example/2026/03/vessa-aid-blocked/502">more</a></p>',
    }),
    fail('a link hidden by display:none', 'hiddenLink', {
      inText: `<a style="display: none" href="${ORIGINAL}">x</a>`,
    }),
    fail('a link hidden by aria-hidden on its parent', 'hiddenLink', {
      inText: `<div aria-hidden="true"><a href="${ORIGINAL}">x</a></div>`,
    }),
    fail('a link only in a sidebar widget', 'missing', {
      sidebar: `<div class="widget"><a href="${ORIGINAL}">x</a></div>`,
    }),
    fail('a link only in the comments', 'missing', {
      comments: `<div class="comment"><p>Found it: <a href="${ORIGINAL}">here</a></p></div>`,
    }),
    fail('a link only in the site footer', 'missing', { siteFooter: `<a href="${ORIGINAL}">x</a>` }),
    fail('no link', 'missing', {}),
    fail('a link only in a promotion between the parts of the text', 'missing', {
      page: splitText(`<div class="sidebar-promo"><a href="${ORIGINAL}">Read it</a></div>`, ''),
    }),
  ],
});
