/**
 * The verdict of a match, through the whole check: rules that fail on the post make a violation,
 * a credit the checker cannot trust reading (hidden by a class, or past the post's clear bounds)
 * makes the match uncertain, with the rules suspected and never violated.
 */
import { describe, expect, it } from 'vitest';
import { checkSnapshot } from '../../src/check/check-snapshot.ts';
import type { ReprintMatch } from '../../src/check/result.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { fixtureStore } from '../helpers/fixture-store.ts';
import { checkCase, ORIGINAL, PARAGRAPHS, snapshotOf } from './_pages.ts';

/** The match is uncertain: every credit rule suspected, none violated. */
function expectCreditsSuspected(match: ReprintMatch | undefined): void {
  expect(match?.verdict).toBe('uncertain');
  expect(match?.violations).toEqual([]);
  expect(match?.suspected?.map((entry) => entry.rule)).toEqual([
    'source-attribution',
    'copyright-notice',
    'link-to-original',
  ]);
}

const COPYRIGHT_AND_LINK = `<p>© 2026 Mara Jensen, <a href="${ORIGINAL}">the original</a></p>`;

describe('verdicts', () => {
  it('is compliant when every rule passes on the post', async () => {
    const [match] = (await checkCase({ inText: `<p>Source: Northwind Review</p>${COPYRIGHT_AND_LINK}` }))
      .matches;
    expect(match).toMatchObject({ verdict: 'compliant', violations: [] });
    expect(match!.suspected).toBeUndefined();
  });

  it('is a violation when a credit rule fails and nothing near the post explains it away', async () => {
    const [match] = (await checkCase({ inText: COPYRIGHT_AND_LINK })).matches;
    expect(match!.verdict).toBe('violation');
    expect(match!.violations.map((violation) => violation.rule)).toEqual(['source-attribution']);
  });

  it('is uncertain when the credit is in a part of the post a stylesheet may hide', async () => {
    const [match] = (
      await checkCase({
        inText: `<p class="sr-only">Source: Northwind Review</p>${COPYRIGHT_AND_LINK}`,
      })
    ).matches;
    expect(match!.verdict).toBe('uncertain');
    expect(match!.violations).toEqual([]);
    expect(match!.suspected!.map((entry) => entry.rule)).toEqual(['source-attribution']);
    expect(match!.reason).toMatch(/hidden/);
  });

  it('stays a violation when the only credit is hidden by markup a reader never sees', async () => {
    const [match] = (
      await checkCase({
        inText: `<p style="display:none">Source: Northwind Review</p>${COPYRIGHT_AND_LINK}`,
      })
    ).matches;
    expect(match!.verdict).toBe('violation');
    expect(match!.suspected).toBeUndefined();
  });

  /** The blogger's own words after the text: more than the budget of what may follow a post's text. */
  const OWN_BLOCK = `<div><p>${Array.from({ length: 18 }, (_, index) => `Our own note number ${index} says little about diets here.`).join(' ')}</p></div>`;
  const CREDIT = `<p>Source: Northwind Review</p>${COPYRIGHT_AND_LINK}`;

  it('is uncertain when the credit is one level out, past a block that ends the post by its length', async () => {
    const [match] = (await checkCase({ theme: 'bare', inText: OWN_BLOCK, afterText: CREDIT })).matches;
    expect(match!.verdict).toBe('uncertain');
    expect(match!.violations).toEqual([]);
    expect(match!.suspected!.map((entry) => [entry.rule, entry.messageId])).toEqual([
      ['source-attribution', 'missing'],
      ['copyright-notice', 'missing'],
      ['link-to-original', 'missing'],
    ]);
    expect(match!.reason).toMatch(/bounds are unclear/);
  });

  it('is compliant when the same credit is within the budget', async () => {
    const [match] = (await checkCase({ theme: 'bare', afterText: CREDIT })).matches;
    expect(match!.verdict).toBe('compliant');
  });

  const RELATED = `<div class="related-posts">${['One', 'Two', 'Three', 'Four', 'Five'].map((item) => `<a href="/${item}">${item} more reading</a>`).join(' ')}</div>`;

  it('is uncertain when the credit follows related posts inside the page’s content: a theme may put the post’s footer there', async () => {
    for (const inText of ['', OWN_BLOCK]) {
      const [match] = (await checkCase({ theme: 'bare', inText, afterText: `${RELATED}${CREDIT}` })).matches;
      expectCreditsSuspected(match);
    }
  });

  it('is uncertain when the related posts have no known class name, only their links', async () => {
    const links = `<div>${['One', 'Two', 'Three', 'Four', 'Five'].map((item) => `<p><a href="/${item}">${item} more reading</a></p>`).join('')}</div>`;
    const [match] = (await checkCase({ theme: 'bare', afterText: `${links}${CREDIT}` })).matches;
    expect(match!.verdict).toBe('uncertain');
  });

  it('stays a violation when the only credit lies past the readers’ comments', async () => {
    for (const theme of ['bare', 'wordpress'] as const) {
      const [match] = (await checkCase({ theme, sidebar: CREDIT })).matches;
      expect(match!.verdict).toBe('violation');
      expect(match!.violations.map((violation) => [violation.rule, violation.messageId])).toEqual([
        ['source-attribution', 'missing'],
        ['copyright-notice', 'missing'],
        ['link-to-original', 'missing'],
      ]);
      expect(match!.suspected).toBeUndefined();
    }
  });

  it('is compliant when a credit opens a wrapper that goes on past the budget with something else', async () => {
    const wrapper = `<div>${CREDIT}<div><p>${'Our own words about the valley, at length. '.repeat(30)}</p></div></div>`;
    const [match] = (await checkCase({ theme: 'bare', afterText: wrapper })).matches;
    expect(match!.verdict).toBe('compliant');
  });

  /** The first match of a page of our own markup around the fixture article's text. */
  async function pageMatch(around: (text: string) => string) {
    const { sql, rules } = await fixtureStore();
    const text = PARAGRAPHS.map((paragraph) => `<p>${paragraph}</p>`).join('');
    const body = `<!doctype html><html><head><title>t</title></head><body>${around(text)}</body></html>`;
    const result = await checkSnapshot(
      sql,
      { ...snapshotOf({}), body },
      { terms: loadTerms(rules), sites: [] },
    );
    await sql.close();
    expect(result.matches).toHaveLength(1);
    return result.matches[0]!;
  }
  const MENU = `<div><b>Peace Blog</b><nav><a href="/">Home</a> <a href="/about">About</a></nav></div>`;

  it('is uncertain, never compliant, when the only credit is a line above the post at the page’s frame level', async () => {
    const match = await pageMatch(
      (text) =>
        `${MENU}<div>${CREDIT}</div><div><h1>Siege of Lower Vessa</h1>${text}</div><footer>© Peace Blog</footer>`,
    );
    expectCreditsSuspected(match);
  });

  it('is uncertain when the only credit follows the theme’s post container or its sidebar, and a violation past the readers’ comments', async () => {
    const post = (text: string) =>
      `<article class="post"><h1>Siege of Lower Vessa</h1><div class="entry-content">${text}</div></article>`;
    const after = await pageMatch((text) => `${MENU}<main>${post(text)}<div>${CREDIT}</div></main>`);
    expect(after!.verdict).toBe('uncertain');
    expect(after!.reason).toMatch(/bounds are unclear/);
    // Past a sidebar a theme may still put the post's footer (after the wrapper of text and sidebar).
    const sidebar = await pageMatch(
      (text) =>
        `${MENU}<main>${post(text)}<div class="sidebar"><p>Archives</p></div><div>${CREDIT}</div></main>`,
    );
    expect(sidebar!.verdict).toBe('uncertain');
    expect(sidebar!.reason).toBe('a credit is on the page outside the post');
    const comments = await pageMatch(
      (text) =>
        `${MENU}<main>${post(text)}<div class="comments"><p>Nice piece.</p></div><div>${CREDIT}</div></main>`,
    );
    expect(comments!.verdict).toBe('violation');
  });

  it('counts a footer after the text as the post’s when the post’s own header holds its title and a pager follows', async () => {
    const match = await pageMatch(
      (text) =>
        `${MENU}<div id="content"><header><h1>Siege of Lower Vessa</h1></header>${text}<footer>${CREDIT}</footer><nav><a href="/prev">Previous</a> <a href="/next">Next</a></nav></div><footer>© Peace Blog</footer>`,
    );
    expect(match!.verdict).toBe('compliant');
  });

  it('reads a wiki’s navigation box between two parts of the text as the text’s, not as the page’s frame', async () => {
    // A menu between the text's parts (role=navigation, as MediaWiki's navboxes are) does not make
    // the text's level the page's frame, where an aside after the text would be the site's.
    const match = await pageMatch((text) => {
      const half = text.indexOf('</p>', text.length / 2) + 4;
      return `${MENU}<div id="content"><h1>Siege of Lower Vessa</h1><div class="mw-parser-output">${text.slice(0, half)}<div role="navigation" class="navbox"><a href="/a">A</a> <a href="/b">B</a></div>${text.slice(half)}<aside>${CREDIT}</aside></div></div><footer>© Peace Blog</footer>`;
    });
    expect(match!.verdict).toBe('compliant');
  });

  it('reads a complementary preface before the text as the post’s, so that an aside after the text is the post’s too', async () => {
    // A work's preface (role=complementary) is no site header: the level is not the page's frame.
    const match = await pageMatch(
      (text) =>
        `${MENU}<div id="chapter-1"><div role="complementary"><h3><a href="/works/1/chapters/1">Chapter 1</a>: Siege of Lower Vessa</h3></div><div role="article">${text}</div><aside>${CREDIT}</aside></div><div id="comments"></div><footer>© Peace Blog</footer>`,
    );
    expect(match!.verdict).toBe('compliant');
  });

  it('reads a title over its deck as one title block, so that a credit line above the title is the post’s', async () => {
    // A kicker credit, a dateline, the title (h1) over its deck (h2), a byline and a share bar
    // whose markup holds a heading of its own: nothing but the title block lies between them.
    const match = await pageMatch(
      (text) =>
        `${MENU}<div class="inner"><p><em>${CREDIT}</em></p><span class="dateline">Sunday, Feb 1, 2015</span><h1>Siege of Lower Vessa</h1><h2>What the valley lost, and what it kept through the winter</h2><span class="byline">Mara Jensen</span><div class="shareContainer"><h3>Share</h3><a href="/s">Share</a></div><div class="articleContent">${text}</div></div><footer>© Peace Blog</footer>`,
    );
    expect(match!.verdict).toBe('compliant');
  });

  it('is uncertain, never a violation, when the only credit lies outside the post as read but in no region known to be another’s', async () => {
    // A lead note above the breadcrumb over the theme's post container, and a lead note before a long
    // box of the theme's own between it and the text: the post's header is read back to its title,
    // and within its budget, no further.
    const box = `<div class="info">${'Filed under valley news, with the usual weekly summary of what changed. '.repeat(12)}</div>`;
    for (const page of [
      (text: string) =>
        `${MENU}<div id="content"><p><em>${CREDIT}</em></p><p class="breadcrumb"><a href="/">Home</a> » Valley</p><div class="post"><h1>Siege of Lower Vessa</h1><div>${text}</div></div></div><footer>© Peace Blog</footer>`,
      (text: string) =>
        `${MENU}<div id="content"><h1>Siege of Lower Vessa</h1><div class="lead"><p><em>${CREDIT}</em></p>${box}<div>${text}</div></div></div><footer>© Peace Blog</footer>`,
    ]) {
      const match = await pageMatch(page);
      expectCreditsSuspected(match);
      expect(match!.reason).toBe('a credit is on the page outside the post');
    }
  });

  it('stays a violation when the only credit outside the post is in the site’s footer, a sidebar, or past the comments', async () => {
    for (const page of [
      (text: string) =>
        `${MENU}<div id="content"><h1>Siege of Lower Vessa</h1>${text}</div><footer>${CREDIT}</footer>`,
      (text: string) =>
        `${MENU}<div id="content"><h1>Siege of Lower Vessa</h1>${text}</div><div class="widget-area">${CREDIT}</div><footer>© Peace Blog</footer>`,
      (text: string) =>
        `${MENU}<div id="content"><h1>Siege of Lower Vessa</h1>${text}<div id="comments"><p>Nice.</p></div><div>${CREDIT}</div></div><footer>© Peace Blog</footer>`,
    ]) {
      const match = await pageMatch(page);
      expect(match!.verdict).toBe('violation');
      expect(match!.suspected).toBeUndefined();
    }
  });

  it('reads an aside in a page that is nothing but the post as the post’s, and the same aside under a site menu as the site’s', async () => {
    // The text as one paragraph right in the body, as the simplest pages have it.
    const oneParagraph = (text: string) => text.replace(/<\/p><p>/g, ' ');
    const bare = await pageMatch(
      (text) => `<h1>Siege of Lower Vessa</h1>${oneParagraph(text)}<aside>${CREDIT}</aside>`,
    );
    expect(bare!.verdict).toBe('compliant');
    const framed = await pageMatch(
      (text) => `${MENU}<h1>Siege of Lower Vessa</h1>${oneParagraph(text)}<aside>${CREDIT}</aside>`,
    );
    expect(framed!.verdict).toBe('violation');
  });

  it('takes a post’s own header named "header" for the post’s, so that the footer after its text counts', async () => {
    const match = await pageMatch(
      (text) =>
        `${MENU}<div class="book"><header class="header"><h1>Siege of Lower Vessa</h1><a href="/mara">Mara Jensen</a></header><div class="body">${text}</div><footer>${CREDIT}</footer></div><footer>© Peace Blog</footer>`,
    );
    expect(match!.verdict).toBe('compliant');
  });

  it('reads a table of contents before the text as the post’s, so that an aside after the text is the post’s too', async () => {
    // A menu of in-page links is the post's own table of contents, not the site's navigation.
    const toc = '<nav><a href="#one">One</a> <a href="#two">Two</a> <a href="#three">Three</a></nav>';
    const match = await pageMatch(
      (text) =>
        `${MENU}<div id="main"><section>${toc}<h1>Siege of Lower Vessa</h1>${text}<aside></aside><p>${CREDIT}</p></section></div><footer>© Peace Blog</footer>`,
    );
    expect(match!.verdict).toBe('compliant');
  });

  it('reads a box named for the writer’s comment as the post’s, not as readers’ comments', async () => {
    const match = await pageMatch(
      (text) =>
        `${MENU}<div id="content"><h1>Siege of Lower Vessa</h1>${text}<div class="writer-wrap"><div class="writer-comment">${CREDIT}</div></div></div><footer>© Peace Blog</footer>`,
    );
    expect(match!.verdict).toBe('compliant');
  });

  it('is uncertain when the credit is in a footer at the page’s frame level that the site’s own footer follows', async () => {
    // A page has one site footer, its last: the footer before it closes what precedes it.
    const match = await pageMatch(
      (text) =>
        `${MENU}<div id="content"><h1>Siege of Lower Vessa</h1>${text}</div><footer>${CREDIT}</footer><footer class="site-footer">© Peace Blog</footer>`,
    );
    expect(match!.verdict).toBe('uncertain');
    expect(match!.reason).toMatch(/bounds are unclear/);
    // The same past a wrapper that holds the text and its sidebar, where the reading of what follows
    // the text ends: the rest of the page is still read, the footer with it.
    const past = await pageMatch(
      (text) =>
        `${MENU}<div class="inner"><div id="content"><h1>Siege of Lower Vessa</h1>${text}</div><div class="sidebar"><p>Archives</p></div></div><footer>${CREDIT}</footer><footer class="site-footer">© Peace Blog</footer>`,
    );
    expect(past!.verdict).toBe('uncertain');
    expect(past!.reason).toBe('a credit is on the page outside the post');
  });

  /** A theme that puts the title block in an element named `sidebar`, between a lead note and the text. */
  async function titleInSidebar(lead: string): ReturnType<typeof checkCase> {
    const { sql, rules } = await fixtureStore();
    const body = `<!doctype html><html><head><title>t</title></head><body>
<div class="top"><b>Peace Blog</b> <a href="/">Home</a></div>
<div class="page"><div class="post-content">${lead}
<div class="sidebar"><h1>Siege of Lower Vessa</h1><p>By Mara Jensen</p></div>
<div class="article">${PARAGRAPHS.map((paragraph) => `<p>${paragraph}</p>`).join('')}</div>
</div><div id="comments"></div></div>
<footer>&copy; 2026 Peace Blog</footer></body></html>`;
    const result = await checkSnapshot(
      sql,
      { ...snapshotOf({}), body },
      { terms: loadTerms(rules), sites: [] },
    );
    await sql.close();
    return result;
  }

  it('is uncertain when the credit precedes a sidebar-named block that opens the post', async () => {
    const [match] = (await titleInSidebar(`<p><em>Source: Northwind Review</em></p>${COPYRIGHT_AND_LINK}`))
      .matches;
    expect(match!.verdict).toBe('uncertain');
    expect(match!.violations).toEqual([]);
    expect(match!.suspected!.map((entry) => [entry.rule, entry.messageId])).toEqual([
      ['source-attribution', 'missing'],
      ['copyright-notice', 'missing'],
      ['link-to-original', 'missing'],
    ]);
  });

  it('keeps a rule that fails there too a violation, beside the suspected ones', async () => {
    const [match] = (
      await titleInSidebar(`<p><em>Source: Northwind Review, <a href="${ORIGINAL}">the original</a></em></p>`)
    ).matches;
    expect(match!.verdict).toBe('violation');
    expect(match!.violations.map((violation) => [violation.rule, violation.messageId])).toEqual([
      ['copyright-notice', 'missing'],
    ]);
    expect(match!.suspected!.map((entry) => entry.rule)).toEqual(['source-attribution', 'link-to-original']);
  });

  it('counts a link on a page hidden whole until its scripts run, and not one hidden inside the post', async () => {
    // Script-driven sites (Next.js) hide the whole page until their scripts have run: the wrapper
    // hides the reprinted text as much as the credit, so it says nothing about the link.
    const hiddenPage = (credit: string) => (text: string) =>
      `<div style="visibility:hidden;min-height:100vh">${MENU}<div id="content"><h1>Siege of Lower Vessa</h1>${text}${credit}</div></div>`;
    expect((await pageMatch(hiddenPage(CREDIT))).verdict).toBe('compliant');
    const hiddenLink = `<p>Source: Northwind Review. © 2026 Mara Jensen</p><p style="display:none"><a href="${ORIGINAL}">the original</a></p>`;
    const match = await pageMatch(hiddenPage(hiddenLink));
    expect(match.verdict).toBe('violation');
    expect(match.violations.map((violation) => [violation.rule, violation.messageId])).toEqual([
      ['link-to-original', 'hiddenLink'],
    ]);
  });

  it('reads a short credit line that starts within the budget whole, its link with its words', async () => {
    // The blogger's own words after the text use up nearly all of the budget; the credit line that
    // follows is one line, not cut between its words and its link.
    const own = `<p>${'Our own words here. '.repeat(39)}</p>`;
    const line = `<p>Source: Northwind Review. © 2026 Mara Jensen. <a href="${ORIGINAL}">Read the original</a></p>`;
    const match = await pageMatch(
      (text) =>
        `${MENU}<div id="content"><h1>Siege of Lower Vessa</h1>${text}${own}${line}</div><footer>© Peace Blog</footer>`,
    );
    expect(match.verdict).toBe('compliant');
  });

  /** The fixture text cut in two after its middle paragraph. */
  const halves = (text: string) => {
    const half = text.indexOf('</p>', text.length / 2) + 4;
    return [text.slice(0, half), text.slice(half)] as const;
  };

  it('is uncertain when the credit is inside a collapsed part of the text that the page opens on a click', async () => {
    const match = await pageMatch((text) => {
      const [first, second] = halves(text);
      return `${MENU}<div id="content"><h1>Siege of Lower Vessa</h1>${first}<div class="faq"><div aria-hidden="true" style="height:0;overflow:hidden">${second}${CREDIT}</div></div></div><footer>© Peace Blog</footer>`;
    });
    expectCreditsSuspected(match);
    expect(match.reason).toMatch(/hidden/);
  });

  it('reads a class that states a layout ("sidebar-enabled--false", "has-sidebar") as no region’s name', async () => {
    // A Shopify theme's closing block after the text: its class says the sidebar is off.
    const match = await pageMatch(
      (text) =>
        `${MENU}<section class="blog-wrap has-sidebar"><h1>Siege of Lower Vessa</h1><section class="blog-list">${text}</section><div class="blog-article__main sidebar-enabled--false"><p>So there you have it.</p>${CREDIT}</div></section><footer>© Peace Blog</footer>`,
    );
    expect(match.verdict).toBe('compliant');
  });

  it('is uncertain when the only credit is an aside after the text in a wrapper that a section’s menu opens', async () => {
    // A university page: breadcrumbs and an "in this section" menu above the title, in the same
    // wrapper as the text; an unnamed aside after the text may be the post's or the section's.
    const links = ['/a', '/b', '/c', '/d', '/e'].map((href) => `<a href="${href}">${href}</a>`).join(' ');
    const page = (aside: string) => (text: string) =>
      `${MENU}<main><div class="user_content"><nav class="page_nav">${links}</nav><h1>Siege of Lower Vessa</h1>${text}${aside}</div></main><footer>© Peace Blog</footer>`;
    const unnamed = await pageMatch(page(`<aside>${CREDIT}</aside>`));
    expect(unnamed.verdict).toBe('uncertain');
    expect(unnamed.violations).toEqual([]);
    const sidebar = await pageMatch(page(`<aside class="sidebar">${CREDIT}</aside>`));
    expect(sidebar.verdict).toBe('violation');
  });

  it('is uncertain when the page is too large to read whole and the credit may lie past the part read', async () => {
    const { sql, rules } = await fixtureStore();
    const filler = '<span>more</span>'.repeat(600);
    const snapshot = snapshotOf({ inText: `${filler}<p>Source: Northwind Review</p>${COPYRIGHT_AND_LINK}` });
    const options = { terms: loadTerms(rules), sites: [] };
    const [cut] = (await checkSnapshot(sql, snapshot, { ...options, maxElements: 300 })).matches;
    expect(cut!.verdict).toBe('uncertain');
    expect(cut!.reason).toMatch(/too large to read whole/);
    expect(cut!.violations).toEqual([]);
    const [whole] = (await checkSnapshot(sql, snapshot, options)).matches;
    expect(whole!.verdict).toBe('compliant');
    await sql.close();
  });
});
