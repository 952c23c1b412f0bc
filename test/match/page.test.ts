import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import type { Element } from 'domhandler';
import { describe, expect, it } from 'vitest';
import { elementsUnder, hasClosest, parsePage, selectEach } from '../../src/match/page.ts';
import { boundMarkup, MAX_DEPTH } from '../../src/text/html-text.ts';
import { FIXTURES } from '../helpers/fixture-store.ts';

const page = (file: string) =>
  parsePage(readFileSync(join(FIXTURES, 'pages', file), 'utf8'), 'https://x.example/p');

describe('main text', () => {
  it.each([
    [
      'wordpress-credit.html',
      'siege of Lower Vessa entered its third week',
      ['Recent Posts', 'Powered by WordPress', 'Thank you for posting', 'Share this', 'An older post'],
    ],
    ['forum.html', 'Fighting around Lower Vessa spread', ["What's new", 'XenForo', 'Peace is a verb']],
    ['amp.html', 'Dockworkers at the port of Aldmouth', ['Back to top', 'Harbour Times']],
    ['excerpt-readmore.html', 'third week on Saturday', ['Trending', 'NewsHub Ltd']],
  ])('of %s keeps the post and drops navigation, widgets, comments and footers', (file, kept, dropped) => {
    const { text } = page(file);
    expect(text).toContain(kept);
    for (const noise of dropped) expect(text).not.toContain(noise);
  });

  it('reads every post of a digest, and maps each run of text back to its element', () => {
    const digest = page('digest.html');
    expect(digest.text).toContain('Beekeepers in the orchard towns');
    expect(digest.text).toContain('Every evening at nine');
    expect(digest.text).not.toContain('2026 Green Notes');
    const at = digest.text.indexOf('Every evening at nine');
    const span = digest.spans.find((candidate) => candidate.start <= at && at < candidate.end)!;
    expect(digest.$(span.element).closest('article').attr('id')).toBe('post-902');
  });

  it('keeps a post whose own element also carries a widget’s name, and drops the widget itself', () => {
    const { text } = parsePage(
      `<body><div class="main"><h1>Title</h1><div class="entry themeform share"><p>The post's own words.</p></div>
<div class="post-share"><a href="/s">Share on Mastodon</a></div></div></body>`,
      'https://x.example/',
    );
    expect(text).toContain("The post's own words.");
    expect(text).not.toContain('Share on Mastodon');
  });

  it('reads a post inside a form (ASP.NET wraps the whole page in one, shops the description) but not its controls', () => {
    const { text } = parsePage(
      `<body><form id="aspnetForm" action="/page.aspx"><div id="header"><a href="/">Home</a></div>
<div class="story"><h2>Title</h2><p>The post's own words.</p><select><option>Choose a size</option></select>
<button>Add to basket</button></div></form></body>`,
      'https://x.example/',
    );
    expect(text).toContain("The post's own words.");
    expect(text).not.toContain('Choose a size');
    expect(text).not.toContain('Add to basket');
  });

  it('reads a post the theme marks as one (hentry) inside a wrapper whose name says sidebar', () => {
    // A three-column theme named the column beside its sidebar "sidebar_content"; the post's title is an h2.
    const { text } = parsePage(
      `<body><div class="sidebar_content"><div class="post type-post hentry"><h2 class="entry-title">Title</h2>
<p>The post's own words.</p></div></div><div class="sidebar"><p>Archives</p></div></body>`,
      'https://x.example/',
    );
    expect(text).toContain("The post's own words.");
    expect(text).not.toContain('Archives');
  });

  it('reads a class that states a layout ("has-sidebar", "no-comments") as no region’s name', () => {
    // A podcast site's article wraps its text in "content-wrap has-sidebar"; its sidebar is a sibling.
    const { text } = parsePage(
      `<body><article class="article-page"><h1>Title</h1><div class="content-wrap has-sidebar no-comments">
<div class="tph-post-content"><p>The post's own words.</p></div></div><aside class="sidebar"><p>Archives</p></aside></article></body>`,
      'https://x.example/',
    );
    expect(text).toContain("The post's own words.");
    expect(text).not.toContain('Archives');
  });

  it('keeps the words of adjacent blocks apart', () => {
    const { text } = parsePage(
      '<article><ul><li>alpha</li><li>beta</li></ul><p>gamma</p></article>',
      'https://x.example/',
    );
    expect(text.split(/\s+/).filter(Boolean)).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('builds the tree cheerio builds of the same page (it calls parse5 itself, to keep a parse alive)', () => {
    const pages = [
      '<noscript><p>scripting on: this is text</p></noscript><p>after',
      '<template><p>inside a template</p></template><table><tr><td>cell<div>fostered</div></table>',
      '<!doctype html><title>a &amp; b</title><svg><foreignObject><p>x</p></foreignObject></svg><math><mi>y</mi></math>',
      '<frameset><frame src="a"></frameset>',
      '',
      'no markup at all',
    ];
    for (const html of pages) {
      const ours = parsePage(html, 'https://x.example/').$;
      const theirs = load(html);
      expect(ours.html()).toBe(theirs.html());
      expect(ours('noscript').text()).toBe(theirs('noscript').text());
    }
  });
});

describe('a page with too many elements', () => {
  const links = Array.from({ length: 3000 }, (_, n) => `<a href="/p${n}">link${n}</a>`).join('');
  const html = `<!doctype html><html><body><article><h1>Title</h1><p>First words of the post.</p>${links}</article></body></html>`;

  it('is read up to the limit and marked as read in part', () => {
    const page = parsePage(html, 'https://site.example/', 1000);
    expect(page.truncated).toBeDefined();
    expect(page.truncated!.readChars).toBeLessThan(html.length);
    expect(page.$('*').length).toBeLessThanOrEqual(1001);
    expect(page.text).toContain('First words of the post.');
    expect(page.text).toContain('link900');
    expect(page.text).not.toContain('link2000');
  });

  it('is read whole under the limit, and the cut never falls inside a tag', () => {
    expect(parsePage(html, 'https://site.example/', 10_000).truncated).toBeUndefined();
    const cut = boundMarkup(html, 1000).cut!;
    expect(html.slice(cut, cut + 3)).toBe('<a ');
    expect(boundMarkup('<p>a < b and c < d</p>', 5).cut).toBeUndefined();
  });
});

describe('a page that nests elements without end', () => {
  const depth = 20_000;
  const html = `<html><body><main><h1>Deep</h1>${'<div class="x">'.repeat(depth)}<p>First words of the post.</p>${'</div>'.repeat(depth)}<p>Source: the end</p><footer>site footer</footer></main></body></html>`;

  it('reads the text of every level, with no element deeper than the limit', () => {
    const page = parsePage(html, 'https://site.example/');
    // main and the divs count as depth (html, body and p close by themselves and never nest):
    // the start and end tag of every div past the limit are dropped.
    expect(page.flattened).toBe(2 * (1 + depth - MAX_DEPTH));
    expect(page.truncated).toBeUndefined();
    expect(page.text).toContain('First words of the post.');
    expect(page.text).toContain('Source: the end');
    let deepest = 0;
    page.$('p').each((_, element) => {
      deepest = Math.max(deepest, page.$(element).parents().length);
    });
    expect(deepest).toBeLessThanOrEqual(MAX_DEPTH + 2);
    // The footer after the deep part is still a sibling of the first level, not inside it.
    expect(page.$('footer').parent().prop('tagName')).toBe('MAIN');
  });

  it('leaves an ordinary page as it is, unclosed paragraphs, void elements and SVG icons included', () => {
    const icon = `<svg viewBox="0 0 9 9">${'<path d="M0 0h9"/>'.repeat(600)}</svg>`;
    const ordinary = `<body>${'<div><p>one<p>two<br><img src=x></div>'.repeat(2000)}${icon.repeat(3)}<ul><li>a<li>b</ul></body>`;
    expect(boundMarkup(ordinary)).toEqual({ html: ordinary, flattened: 0 });
  });

  it.each([
    ['self-closing syntax on HTML elements', '<div/>'],
    ['unclosed formatting elements', '<b>'],
    ['end tags that close nothing', '<section></span>'],
    ['nested lists', '<ul><li>'],
  ])('bounds the depth of %s', (_name, opening) => {
    const page = `<body>${opening.repeat(30_000)}<p>The words at the bottom.</p></body>`;
    const bounded = boundMarkup(page);
    expect(bounded.flattened).toBeGreaterThan(0);
    const read = parsePage(page, 'https://site.example/');
    expect(read.text).toContain('The words at the bottom.');
    // Elements whose end tag is optional are not counted, so a list nests at most twice as deep.
    expect(read.$('p').last().parents().length).toBeLessThanOrEqual(2 * MAX_DEPTH + 2);
  });
});

describe('elementsUnder', () => {
  // The checks' rules once selected these with cheerio; the walk must give the same elements in
  // the same order, scripts, styles, templates, drawings and unclosed markup included.
  const html = `<!doctype html><html><head><style class="s">p{}</style></head><body class="b" id="top">
    <div class="post"><p id="p1">One <a href="/a">a</a> <A HREF="/b" class="x">b</A> <a name="n">no href</a></p>
    <template class="t"><a href="/in-template" class="t2">t</a></template>
    <svg class="g"><a href="/in-svg" class="drawn"><text>d</text></a></svg>
    <script class="js">var a = '<a href="/in-script">';</script>
    <ul><li class="">empty class<li id="">empty id<li><span class="source credit">Source: x</span></ul>
    <table><tr><td class="cell"><a href="/cell">c</a></table><p>unclosed <b class="bold">bold
  </div><footer><a href="/f" class="foot">f</a></footer></body></html>`;
  const page = parsePage(html, 'https://example.com/post');
  const $ = page.$;
  const roots = [
    $('body').get(0)!,
    $('.post').get(0)!,
    $('#p1').get(0)!,
    $('footer').get(0)!,
    $('.cell a').get(0)!,
  ];
  for (const [selector, keep] of [
    ['[class]', (element: Element) => element.attribs.class !== undefined],
    [
      '[class], [id]',
      (element: Element) => element.attribs.class !== undefined || element.attribs.id !== undefined,
    ],
    ['a[href]', (element: Element) => element.name === 'a' && element.attribs.href !== undefined],
  ] as const) {
    it(`gives what $(root).find('${selector}').addBack('${selector}') gives`, () => {
      let found = 0;
      for (const root of roots) {
        const expected = $(root).find(selector).addBack(selector).toArray();
        expect(elementsUnder(root, keep)).toEqual(expected);
        found += expected.length;
      }
      expect(found).toBeGreaterThan(10);
    });
  }
});

describe('selectEach and hasClosest', () => {
  // parsePage reads its selectors in one walk with compiled queries; each must give what cheerio's
  // own $(selector) and .closest(selector) give.
  const html = `<!doctype html><html><head><title>First</title><title>Second</title>
    <meta property="og:title"><meta property="og:title" content="Later">
    <base target="_blank"><base href="/b/"></head>
    <body class="Entry hentry"><header><h1>Site</h1></header><nav><h1>Menu</h1></nav>
    <main id="main"><article class="post type-post" itemtype="https://schema.org/NewsArticle">
      <h1>Title</h1><div class="entry-content"><p>Text</p><aside><h1>Aside</h1></aside></div>
    </article><div itemscope itemtype="http://schema.org/BlogPosting"><h1 class="header">Two</h1></div>
    </main><svg><a class="post">drawn</a></svg><template><article>in template</article></template>
    <footer class="site-footer"><div class="content"><h1>Foot</h1></div></footer></body></html>`;
  const { $ } = parsePage(html, 'https://example.com/post');
  const selectors = [
    'base[href]',
    'meta[property="og:title"]',
    'title',
    'h1',
    'body',
    'article, main, .entry-content, .content, .post, .hentry, .type-post, [itemtype*="Article"], [itemtype*="BlogPosting"]',
    'body > header, .header, #main',
  ];
  it('gives each selector the elements $(selector) gives, in the same order', () => {
    const found = selectEach($, selectors);
    let total = 0;
    for (const [i, selector] of selectors.entries()) {
      expect(found[i]).toEqual($(selector).toArray());
      total += found[i]!.length;
    }
    expect(total).toBeGreaterThan(20);
  });
  it('finds a matching ancestor where .closest(selector) does', () => {
    const near = 'nav, footer, aside, [role="banner"], body > header, .site-header, #masthead, .header';
    const answers = $('h1')
      .toArray()
      .map((heading) => hasClosest(heading as never, near));
    expect(answers).toEqual(
      $('h1')
        .toArray()
        .map((heading) => $(heading).closest(near).length > 0),
    );
    expect(answers).toContain(true);
    expect(answers).toContain(false);
  });
});
