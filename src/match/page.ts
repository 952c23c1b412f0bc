/**
 * The main text of a page and the parts that belong to the post. Real pages wrap an article in
 * navigation, sidebars, widgets, comments, related links, share bars and a site footer; none of
 * that is the reprint, and none of it may stand in for the post's own credit. The page is cleaned
 * of those regions first, then split into entries: usually one (a post), several on a digest or an
 * archive page, the first post of a forum thread. Each entry has a body (its text) and a post
 * container (its title, byline, body and post footer), which is where the rules look for credits.
 */
import { type CheerioAPI, load } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';

export interface Entry {
  /** The element holding the entry's text. */
  body: Element;
  /** The post the body belongs to: header, body and post footer, without widgets or comments. */
  post: Element;
  /** Offsets of the entry's text within `PageDocument.text`. */
  start: number;
  end: number;
}

export interface PageDocument {
  $: CheerioAPI;
  /** The URL links resolve against: `<base href>` or the page's final URL. */
  base: string;
  title: string;
  /** The main text: every entry's text, separated by blank lines. */
  text: string;
  entries: Entry[];
  /** The page's own heading when the page is one post (its title link counts for that post). */
  heading?: Element;
}

/** Elements that never hold the article's text. */
const NOISE_TAGS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'iframe',
  'object',
  'embed',
  'canvas',
  'form',
  'button',
  'select',
  'textarea',
  'input',
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
  /^(?:comments?|comment-.+|.+-comments?|commentlist|respond|reply-form|disqus_thread|sidebar.*|.+-sidebar|secondary|widgets?|widget-.+|.+-widgets?|.+_widget|related.*|.+-related|yarpp-.+|jp-relatedposts|more-stories|share|share-.+|.+-share|sharing.*|sharedaddy|social.*|.+-social|addtoany.*|a2a_kit|navigation|nav|navbar|.+-nav|nav-.+|.+-navigation|menu|.+-menu|menu-.+|breadcrumbs?|pagination|pager|ads?|advert.*|advertisement|ad-.+|.+-ad|sponsored-.+|promo.*|newsletter.*|subscribe.*|subscription.*|cookie.*|consent.*|popup|modal|site-header|site-footer|site-info|colophon|masthead|footer-widgets|global-footer|page-footer|signature|message-signature|tags-links|post-tags|trending.*|popular-posts)$/i;

/** Containers that hold a whole post, closest first. */
const POST_SELECTOR = [
  'article',
  '[itemtype*="Article"]',
  '[itemtype*="BlogPosting"]',
  '[itemtype*="Posting"]',
  '.hentry',
  '.type-post',
  '.post',
  '.blog-post',
  '.single-post',
  '.entry',
  '.message',
  '.forum-post',
  '.topic-post',
  '.postbit',
].join(', ');

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

export const BLOCK_TAGS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'blockquote',
  'pre',
  'table',
  'thead',
  'tbody',
  'tr',
  'td',
  'th',
  'figure',
  'figcaption',
  'address',
  'hr',
  'br',
  'details',
  'summary',
]);

export const SKIP_TEXT = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head']);

function isElement(node: AnyNode): node is Element {
  return node.type === 'tag' || node.type === 'script' || node.type === 'style';
}

/** Text of a subtree with a line break at every block boundary, so that words never run together. */
export function blockText(nodes: readonly AnyNode[]): string {
  const parts: string[] = [];
  const walk = (node: AnyNode) => {
    if (node.type === 'text') {
      parts.push((node as unknown as { data: string }).data);
      return;
    }
    if (!isElement(node)) return;
    const name = node.name.toLowerCase();
    if (SKIP_TEXT.has(name)) return;
    const block = BLOCK_TAGS.has(name);
    if (block) parts.push('\n');
    for (const child of node.children) walk(child);
    if (block) parts.push('\n');
  };
  for (const node of nodes) walk(node);
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

function names(element: Element): string[] {
  const attributes = element.attribs;
  const tokens = (attributes.class ?? '').split(/\s+/).filter(Boolean);
  if (attributes.id) tokens.push(attributes.id);
  return tokens;
}

function isNoise(element: Element, insideArticle: boolean): boolean {
  const name = element.name.toLowerCase();
  if (NOISE_TAGS.has(name)) return true;
  const role = element.attribs.role;
  if (role && NOISE_ROLES.has(role)) return !(role === 'contentinfo' && insideArticle);
  // A site header or footer is the republisher talking about itself; a post's own header and
  // footer (inside <article>) carry its title, byline and credit line.
  if ((name === 'footer' || name === 'header') && !insideArticle) return true;
  return names(element).some((token) => NOISE_NAME.test(token));
}

/** Whether an element holds the post (so a loose class name on a wrapper never removes it). */
function holdsContent($: CheerioAPI, element: Element): boolean {
  const name = element.name.toLowerCase();
  if (name === 'body' || name === 'html' || name === 'main' || name === 'article') return true;
  return $(element).find(`article, main, ${BODY_SELECTORS.slice(0, 12).join(', ')}`).length > 0;
}

function removeNoise($: CheerioAPI): void {
  const doomed: Element[] = [];
  const walk = (element: Element, insideArticle: boolean) => {
    const inside = insideArticle || element.name === 'article' || element.name === 'amp-story';
    if (isNoise(element, insideArticle) && !holdsContent($, element)) {
      doomed.push(element);
      return;
    }
    for (const child of element.children) if (isElement(child)) walk(child, inside);
  };
  for (const node of $.root().children().toArray()) if (isElement(node)) walk(node, false);
  for (const element of doomed) $(element).remove();
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Readability-style fallback: the element whose own paragraphs hold the most text. */
function bestScored($: CheerioAPI): Element | undefined {
  const scores = new Map<Element, number>();
  $('p, pre, blockquote, td').each((_, paragraph) => {
    const parent = paragraph.parent;
    if (!parent || !isElement(parent)) return;
    const text = $(paragraph).text();
    const linkText = $(paragraph).find('a').text().length;
    const score = Math.max(0, text.length - 2 * linkText);
    scores.set(parent, (scores.get(parent) ?? 0) + score);
    const grand = parent.parent;
    if (grand && isElement(grand)) scores.set(grand, (scores.get(grand) ?? 0) + score / 2);
  });
  let best: Element | undefined;
  let bestScore = 0;
  for (const [element, score] of scores) {
    if (score > bestScore) {
      best = element;
      bestScore = score;
    }
  }
  return best;
}

function findBodies($: CheerioAPI): Element[] {
  for (const selector of BODY_SELECTORS) {
    const found = $(selector)
      .toArray()
      .filter(isElement)
      .filter((element) => wordCount($(element).text()) >= 3)
      // A body nested in another match (a quote box inside the content) is part of the outer one.
      .filter(
        (element, _, all) => !all.some((other) => other !== element && $(other).find(element).length > 0),
      );
    if (found.length > 0) return found;
  }
  const articles = $('article')
    .toArray()
    .filter(isElement)
    .filter((element) => $(element).parents('article').length === 0);
  if (articles.length > 0) return articles;
  const main = $('main, [role="main"]').first().toArray().filter(isElement);
  if (main.length > 0) return main;
  const scored = bestScored($);
  if (scored) return [scored];
  const body = $('body').first().toArray().filter(isElement);
  return body.length > 0 ? body : $.root().children().toArray().filter(isElement);
}

function postOf($: CheerioAPI, body: Element): Element {
  const container = $(body).closest(POST_SELECTOR).toArray().filter(isElement)[0];
  if (container && container.name !== 'body') return container;
  const parent = body.parent;
  if (parent && isElement(parent) && parent.name !== 'html') return parent;
  return body;
}

export function parsePage(html: string, pageUrl: string): PageDocument {
  const $ = load(html);
  let base = pageUrl;
  const baseHref = $('base[href]').first().attr('href');
  if (baseHref) {
    try {
      base = new URL(baseHref, pageUrl).href;
    } catch {
      // A broken <base> is ignored, as browsers do.
    }
  }
  const title = ($('meta[property="og:title"]').attr('content') ?? $('title').first().text()).trim();
  removeNoise($);
  const bodies = findBodies($);
  const parts: string[] = [];
  const entries: Entry[] = [];
  let offset = 0;
  for (const body of bodies) {
    const text = blockText([body]);
    if (parts.length > 0) offset += 2;
    entries.push({ body, post: postOf($, body), start: offset, end: offset + text.length });
    parts.push(text);
    offset += text.length;
  }
  const document: PageDocument = { $, base, title, text: parts.join('\n\n'), entries };
  if (entries.length === 1) {
    const heading = $('h1').first().toArray().filter(isElement)[0];
    if (heading) document.heading = heading;
  }
  return document;
}
