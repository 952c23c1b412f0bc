/**
 * The main text of a page and the parts that belong to the post. Real pages wrap an article in
 * navigation, sidebars, widgets, comments, related links, share bars and a site footer; none of
 * that is the reprint, and none of it may stand in for the post's own credit. The page is cleaned
 * of those regions when its text is read for matching, but nothing is removed from the document: which
 * part of the page is the post that reprints an article is decided later, from the matched text
 * outward (`src/check/_post.ts`). Every step is one walk over the document, linear in its size.
 */
import { type CheerioAPI, load } from 'cheerio';
import { compile } from 'css-select';
import type { AnyNode, Element } from 'domhandler';
import { Parser, parse } from 'parse5';
import { adapter } from 'parse5-htmlparser2-tree-adapter';
import { BLOCK_TAGS, boundMarkup, SKIP_TEXT } from '../text/html-text.ts';

/** What cheerio gives parse5 for a document: its tree adapter, scripting on (`<noscript>` is text). */
const PARSE_OPTIONS = { treeAdapter: adapter, scriptingEnabled: true };

/**
 * A page parsed as cheerio parses it (the same parser, adapter and options), so that this module
 * can hold a parse of its own: `_held`, a small page parsed at the first call and never released.
 * V8 throws a function's optimised code away in a full garbage collection when no object of the
 * shapes it was compiled for is left, and between two parses none of the parser's is: an archive
 * scan checks one page in hundreds, so after every collection the next checks parsed in the
 * interpreter. Measured on the bench's reprints, the first four judged after a collection: 141-161
 * ms (medians of 16) before, 51-67 ms with the parse kept (33 ms when nothing was collected).
 */
function parseDocument(html: string) {
  _held ??= keepParser();
  return parse(html, PARSE_OPTIONS);
}
// Never read: holding it is its purpose.
let _held: ReturnType<typeof keepParser> | undefined;
function keepParser() {
  const parser = new Parser(PARSE_OPTIONS);
  parser.tokenizer.write(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A &amp; B</title><style>p{}</style>
    <script>1</script></head><body class='b'><nav><ul><li><a href="/x" class=m>x</a></li></ul></nav><main>
    <article id="a"><h1>T</h1><p>a <b>b</b> <em>c</em><br>&copy; d</p><img src="i.png" alt=""><table>
    <tr><td>1</td></tr></table><template><p>t</p></template><svg><text>s</text></svg></article></main>
    <!-- c --><noscript>n</noscript><footer><form><input name="q"></form></footer></body></html>`,
    true,
  );
  return parser;
}

/**
 * Elements of a page read into a document. A real article page has a few thousand; a hostile one
 * (half a million links in 10 MB) would take over 600 MB as a tree, so the rest is left unread and
 * the page is marked as read in part.
 */
export const MAX_ELEMENTS = 100_000;

/** A run of the page's text and the element it sits in (its parent). */
export interface TextSpan {
  node: AnyNode;
  element: Element;
  start: number;
  end: number;
}

export interface PageDocument {
  $: CheerioAPI;
  /** The URL links resolve against: `<base href>` or the page's final URL. */
  base: string;
  title: string;
  /** The page's readable text without navigation, sidebars, comments and site header or footer. */
  text: string;
  /** Where each run of `text` comes from, in text order: the way back from a matched word to the page. */
  spans: TextSpan[];
  /** Regions left out of `text`. */
  noise: Set<Element>;
  /** The page's first heading outside those regions (on a one-post page, the post's title). */
  heading?: Element;
  /** The page's `<body>`, when it has one. */
  body?: Element;
  /** Set when the page had more than `MAX_ELEMENTS` elements: only the part before was read. */
  truncated?: { readChars: number; totalChars: number };
  /** Set when elements nested deeper than `MAX_DEPTH`: how many of their tags were read as text only. */
  flattened?: number;
}

/**
 * Elements whose content is never readable text of a post (code, media, controls). A `form` is not
 * one: ASP.NET pages wrap the whole page in one, and shops the product's description; only its
 * controls are.
 */
export const NON_TEXT_TAGS: ReadonlySet<string> = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'iframe',
  'object',
  'embed',
  'canvas',
  'button',
  'select',
  'textarea',
  'input',
]);

/** Elements that never hold the article's text: the above, and page furniture. */
const NOISE_TAGS = new Set([
  ...NON_TEXT_TAGS,
  'nav',
  'aside',
  'menu',
  'dialog',
  'amp-sidebar',
  'amp-ad',
  'amp-embed',
  'amp-social-share',
  'amp-analytics',
  'amp-consent',
  'amp-sticky-ad',
]);

const NOISE_ROLES = new Set(['navigation', 'complementary', 'banner', 'contentinfo', 'search', 'dialog']);

/** Class and id tokens of regions that are not the post (WordPress, Blogger, news and forum themes). */
const NOISE_NAME =
  /^(?:comments?|comment-.+|.+-comments?|commentlist|respond|reply-form|disqus_thread|sidebar.*|.+-sidebar|secondary|widgets?|widget-area|footer-widgets|related.*|.+-related|yarpp-.+|jp-relatedposts|more-stories|share|share-.+|.+-share|sharing.*|sharedaddy|social.*|.+-social|addtoany.*|a2a_kit|navigation|nav|navbar|.+-nav|nav-.+|.+-navigation|menu|.+-menu|menu-.+|breadcrumbs?|pagination|pager|ads?|advert.*|advertisement|ad-.+|.+-ad|sponsored-.+|promo.*|newsletter.*|subscribe.*|subscription.*|cookie.*|consent.*|popup|modal|footer|site-header|site-footer|site-info|colophon|masthead|footer-widgets|global-footer|page-footer|signature|message-signature|tags-links|post-tags|trending.*|popular-posts)$/i;

/** Where themes put the text of a post, most specific first. */
const BODY_SELECTORS = [
  '[itemprop="articleBody"]',
  '.entry-content',
  '.post-content',
  '.post-body',
  '.post-entry',
  '.article-body',
  '.article-content',
  '.article__body',
  '.story-body',
  '.td-post-content',
  '.single-content',
  '.content-body',
  '.bbWrapper',
  '.message-body',
  '.messageText',
  '.post-message',
  '.postbody .content',
  '.post_body',
  '.cooked',
  '.entry-summary',
  '.post-excerpt',
  '.excerpt',
  '.summary',
];

export function isElement(node: AnyNode): node is Element {
  return node.type === 'tag' || node.type === 'script' || node.type === 'style';
}

/**
 * The elements of a subtree that `keep` keeps, its root first, in document order: what
 * `$(root).find(selector).addBack(selector)` gives for a selector of one element's own name and
 * attributes, without compiling and running the selector (in a check, that ran for every element
 * of the page, several times over).
 */
export function elementsUnder(root: AnyNode, keep: (element: Element) => boolean): Element[] {
  const found: Element[] = [];
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!isElement(node)) continue;
    if (keep(node)) found.push(node);
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return found;
}

/** Text of a subtree with a line break at every block boundary, so that words never run together. */
export function blockText(nodes: readonly AnyNode[]): string {
  const parts: string[] = [];
  walk(
    nodes,
    (node) => {
      if (node.type === 'text') {
        parts.push((node as unknown as { data: string }).data);
        return;
      }
      if (!isElement(node)) return false;
      const name = node.name.toLowerCase();
      if (SKIP_TEXT.has(name)) return false;
      if (BLOCK_TAGS.has(name)) parts.push('\n');
      return true;
    },
    (element) => {
      if (BLOCK_TAGS.has(element.name.toLowerCase())) parts.push('\n');
    },
  );
  return parts
    .join('')
    .replace(/[ \t\r\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
}

/**
 * Plain text of an HTML fragment (an article body from the store), with block boundaries kept as
 * line breaks. Store markup is well formed, so the fast htmlparser2 reader is used (six times
 * quicker than the spec-exact parser that hostile pages get); the text comes out the same.
 */
export function htmlToText(html: string): string {
  const $ = load(html, { xml: { xmlMode: false, decodeEntities: true } }, false);
  return blockText($.root().contents().toArray());
}

/**
 * Class tokens that state how an element is laid out rather than what it is: "has-sidebar" on a
 * content wrapper, "sidebar-enabled--false" on a theme's post block, "no-comments". They name no region.
 */
const STATE_TOKEN =
  /^(?:(?:has|with|without|no)-.+|.+-(?:enabled|disabled|true|false|none|active|inactive|open|closed)(?:--.+)?|.+--(?:true|false|enabled|disabled|none|on|off))$/i;

/** The class tokens and id that may name what region an element is (state tokens left out). */
export function regionNames(element: Element): string[] {
  const attributes = element.attribs;
  const tokens = (attributes.class ?? '').split(/\s+/).filter((token) => token && !STATE_TOKEN.test(token));
  if (attributes.id) tokens.push(attributes.id);
  return tokens;
}

function isNoise(element: Element, insideArticle: boolean): boolean {
  const name = element.name.toLowerCase();
  // A class on <body> or <main> ("no-sidebar", "menu-open") describes the page, not a region of it.
  if (name === 'body' || name === 'html' || name === 'main') return false;
  if (NOISE_TAGS.has(name)) return true;
  const role = element.attribs.role;
  if (role && NOISE_ROLES.has(role)) return !(role === 'contentinfo' && insideArticle);
  // A site header or footer is the republisher talking about itself; a post's own header and
  // footer (inside <article>) carry its title, byline and credit line.
  if ((name === 'footer' || name === 'header') && !insideArticle) return true;
  const tokens = regionNames(element);
  // A theme may give the post's own element a widget's name too ("entry share" when the share bar
  // is styled from it): a name that says the element is the post or its content wins.
  if (tokens.some((token) => CONTENT_NAME.test(token))) return false;
  return tokens.some((token) => NOISE_NAME.test(token));
}

/** Class and id tokens that say an element is a post or its content. */
const CONTENT_NAME =
  /^(?:entry|entry-content|entry-body|hentry|post|post-content|post-body|post-entry|article|article-body|article-content|story-body|main-content)$/i;

/** A post's own element, by the names publishing tools give it (WordPress's post classes, microformats, schema.org). */
const POST_SELECTORS = [
  '.hentry',
  '.type-post',
  '.h-entry',
  '[itemtype*="Article"]',
  '[itemtype*="BlogPosting"]',
];

const CONTENT_SELECTOR = `article, main, ${[...BODY_SELECTORS.slice(0, 12), ...POST_SELECTORS].join(', ')}`;

/** Where a heading is the site's or a widget's, not the post's. */
const NOT_POST_TITLE =
  'nav, footer, aside, [role="banner"], body > header, .site-header, #masthead, .masthead, #header, .header';

type Query = (element: Element) => boolean;
const queries = new Map<string, Query>();

/** A selector compiled once: cheerio compiles it again on every call, which cost more than the search. */
function query(selector: string): Query {
  let compiled = queries.get(selector);
  if (!compiled) {
    compiled = compile<AnyNode, Element>(selector);
    queries.set(selector, compiled);
  }
  return compiled;
}

/**
 * The elements of the document matching each selector, in document order: what `$(selector)`
 * gives for each, in one walk with selectors compiled once (a page read six selectors through
 * cheerio in six walks, half a millisecond for a small page and three for a real one). Like
 * `$(selector)`, the walk goes into a `<template>`'s content too.
 */
export function selectEach($: CheerioAPI, selectors: readonly string[]): Element[][] {
  const tests = selectors.map(query);
  const found = selectors.map((): Element[] => []);
  const stack: AnyNode[] = $.root().children().toArray().reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isElement(node)) {
      for (let i = 0; i < tests.length; i++) if (tests[i]!(node)) found[i]!.push(node);
    }
    // An element's children, or a template's content (a document fragment under it).
    if ('children' in node) {
      const children = node.children;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return found;
}

/** Whether the element or one of its ancestors matches the selector (`$(element).closest(selector)`). */
export function hasClosest(element: Element, selector: string): boolean {
  const test = query(selector);
  for (let node: AnyNode | null = element; node && node.type !== 'root'; node = node.parent) {
    if (isElement(node) && test(node)) return true;
  }
  return false;
}

/**
 * Elements that hold the post (so a loose class name on a wrapper never hides it): every content
 * marker and its ancestors, each marked once, so the whole pass is linear. The post's title marks
 * the content too, on themes without any content marker: a layout wrapper named after its sidebar
 * ("with-sidebar") holds it; a sidebar, comments or site footer never does.
 */
function contentHolders(markers: readonly Element[], headings: readonly Element[]): Set<Element> {
  const holders = new Set<Element>();
  const title = headings.find((heading) => !hasClosest(heading, NOT_POST_TITLE));
  for (const marker of title ? [...markers, title] : markers) {
    for (let node: AnyNode | null = marker; node && isElement(node); node = node.parent) {
      if (holders.has(node)) break;
      holders.add(node);
    }
  }
  return holders;
}

/** Calls `visit` for every node in document order without recursion (pages may nest deeply). */
export function walk(
  roots: readonly AnyNode[],
  enter: (node: AnyNode) => boolean | undefined,
  leave?: (element: Element) => void,
): void {
  const stack: Array<{ node: AnyNode; leaving: boolean }> = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ node: roots[i]!, leaving: false });
  while (stack.length > 0) {
    const { node, leaving } = stack.pop()!;
    if (leaving) {
      leave?.(node as Element);
      continue;
    }
    if (enter(node) === false || !isElement(node)) continue;
    stack.push({ node, leaving: true });
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, leaving: false });
  }
}

export function parsePage(html: string, pageUrl: string, maxElements = MAX_ELEMENTS): PageDocument {
  const bounded = boundMarkup(html, maxElements);
  const cut = bounded.cut;
  const $ = load(parseDocument(bounded.html));
  const [bases, ogTitles, titles, headings, bodies, markers] = selectEach($, [
    'base[href]',
    'meta[property="og:title"]',
    'title',
    'h1',
    'body',
    CONTENT_SELECTOR,
  ]) as [Element[], Element[], Element[], Element[], Element[], Element[]];
  let base = pageUrl;
  const baseHref = bases[0]?.attribs.href;
  if (baseHref) {
    try {
      base = new URL(baseHref, pageUrl).href;
    } catch {
      // A broken <base> is ignored, as browsers do.
    }
  }
  const title = (ogTitles[0]?.attribs.content ?? (titles[0] ? $(titles[0]).text() : '')).trim();
  const holders = contentHolders(markers, headings);
  const noise = new Set<Element>();
  const spans: TextSpan[] = [];
  const parts: string[] = [];
  let offset = 0;
  let heading: Element | undefined;
  let articleDepth = 0;
  const push = (text: string) => {
    parts.push(text);
    offset += text.length;
  };
  walk(
    $.root().children().toArray(),
    (node) => {
      if (node.type === 'text') {
        const data = (node as unknown as { data: string }).data;
        const parent = node.parent;
        if (data && parent && isElement(parent)) {
          spans.push({ node, element: parent, start: offset, end: offset + data.length });
          push(data);
        }
        return;
      }
      if (!isElement(node)) return false;
      const name = node.name.toLowerCase();
      if (SKIP_TEXT.has(name)) return false;
      if (isNoise(node, articleDepth > 0) && !holders.has(node)) {
        noise.add(node);
        return false;
      }
      if (name === 'article' || name === 'amp-story') articleDepth++;
      if (name === 'h1' && !heading) heading = node;
      if (BLOCK_TAGS.has(name)) push('\n');
      return true;
    },
    (element) => {
      const name = element.name.toLowerCase();
      if (name === 'article' || name === 'amp-story') articleDepth--;
      if (BLOCK_TAGS.has(name)) push('\n');
    },
  );
  const document: PageDocument = { $, base, title, text: parts.join(''), spans, noise };
  if (cut !== undefined) document.truncated = { readChars: cut, totalChars: html.length };
  if (bounded.flattened > 0) document.flattened = bounded.flattened;
  if (heading) document.heading = heading;
  if (bodies[0]) document.body = bodies[0];
  return document;
}
