/**
 * The post that reprints an article, found from the reprinted text outward. Themes differ too much
 * for element or class names to say where a post is, but the matched passages say where its text
 * is. The scope a rule judges is:
 *
 * 1. the text: the smallest element holding nearly all matched words (the passages' container);
 * 2. what follows the text in the same post (credit lines, post footers, notes, asides, source boxes,
 *    captions, small print, tables), read sibling by sibling and level by level outward, up to the
 *    first region that is clearly not this post: readers' comments, the next post of a digest, a
 *    sidebar, the site footer, navigation, related posts. Share bars and ads are stepped over;
 * 3. the post's header before the text (title, byline), up to its heading.
 *
 * Element names alone decide nothing: an `aside` or `footer` met inside the post belongs to it; met
 * at the level of the page's layout (the level that also holds the site header or navigation, or
 * the body) it is the site's. Class names help where a theme has them; without them, a budget of
 * words bounds what may follow the text, and what lies past that budget (on its level and outward,
 * up to a clear stop) is `nearby`: a credit found only there makes the verdict `uncertain`, never
 * compliant and never a violation. So is what precedes a stop region met before the text below the
 * page's layout level (a theme that keeps the title block in an element named `sidebar`).
 *
 * Every step is linear in the page: one walk to count matched words per element, then each sibling
 * is looked at once.
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { PageDocument } from '../match/page.ts';
import { isElement, NON_TEXT_TAGS, regionNames, walk } from '../match/page.ts';
import type { Tokens } from '../match/tokens.ts';

export interface Post {
  /** Nodes the rules judge: the post's header, its text and what follows the text. */
  scope: AnyNode[];
  /** Regions that may or may not belong to the post; a credit only there is uncertain. */
  nearby: AnyNode[];
  /** Parts of the post that a class may hide: read only to tell whether a verdict is uncertain. */
  concealed: Element[];
  /**
   * The rest of the page, less the regions that are clearly not this post (readers' comments,
   * sidebars, navigation, the site's header and footer, related posts, other posts, hidden parts):
   * read last, so that a credit found only there makes the verdict uncertain, never a violation.
   * Where a theme puts the post's bounds is a guess; a credit standing outside the guess, but in no
   * region known to be someone else's, is not evidence of a missing credit.
   */
  elsewhere: AnyNode[];
  /** Why the post's bounds are unclear, when they are. */
  ambiguity?: string;
}

interface WordRange {
  pageFrom: number;
  pageTo: number;
}

/** Share of the matched words the text's container must hold. */
const HOLD = 0.85;
/** Words of the post's own (unmatched) text that may follow the reprinted text. */
const TRAILING_WORDS = 160;
/** A block this short is one line (a credit with its link): read whole or not at all. */
const LINE_WORDS = 40;
/** After a heading, a block longer than this starts another section. */
const SECTION_WORDS = 45;
const LEADING_WORDS = 80;
/** Words above the title that may still be the post's (a kicker, a credit line over the headline). */
const ABOVE_TITLE_WORDS = 30;
/** Matched words that make a region part of the reprinted text, whatever its name. */
const MATCHED_CONTINUES = 20;

const IGNORED_TAGS = new Set([...NON_TEXT_TAGS, 'link', 'meta']);
const STOP_TAGS = new Set(['nav', 'menu', 'dialog', 'amp-sidebar']);
const STOP_ROLES = new Set(['navigation', 'complementary', 'banner', 'search', 'dialog']);
const LAYOUT_TAGS = new Set(['footer', 'aside', 'header']);

/** Class and id tokens of regions that are not this post: the walk stops there. */
const STOP_NAME =
  /^(?:comments?|comments?-.+|.+-comments|.+_comments|commentlist|respond|reply-form|disqus_thread|disqus|discussion|replies|sidebar.*|.+-sidebar|.+_sidebar|secondary|widget-area|widgets|.+-widgets|navigation|nav|navbar|.+-nav|nav-.+|.+-navigation|site-header|site-footer|site-info|colophon|masthead|footer-widgets|global-footer|page-footer|main-footer|footer-main|copyright-bar)$/i;
/**
 * Class and id tokens of regions that are probably not this post but may sit inside it (related
 * posts, "read next", pagination): the post's end after one is a guess, so what follows it is nearby.
 */
const UNSURE_NAME =
  /^(?:related.*|.+-related|yarpp-.+|jp-relatedposts|more-stories|read-next|recommended.*|post-navigation|nav-links|pagination|pager|breadcrumbs?)$/i;
/** Class and id tokens of widgets inside a post that hold no credit: stepped over. */
const SKIP_NAME =
  /^(?:share.*|.+-share|sharing.*|sharedaddy|social.*|.+-social|addtoany.*|a2a_kit|ads?|advert.*|advertisement|ad-.+|.+-ad|.+-ads|sponsored-.+|promo.*|newsletter.*|subscribe.*|subscription.*|cookie.*|consent.*|popup|modal|tags-links|post-tags|tag-links|.+-widget|trending.*|popular-posts)$/i;
/** A post container of a known theme: the walk does not leave it. */
const POST_NAME =
  /^(?:hentry|type-post|post|blog-post|single-post|entry|h-entry|postbit|forum-post|topic-post|message)$/i;

/**
 * A region that is never the post's, wherever it sits: readers' comments, a sidebar, navigation,
 * related posts, the site footer. The rules do not read inside one even when it is nested in the
 * post's container.
 */
export function isForeignRegion(element: Element): boolean {
  const name = element.name.toLowerCase();
  if (STOP_TAGS.has(name) || STOP_ROLES.has(element.attribs.role ?? '')) return true;
  return regionNames(element).some((token) => STOP_NAME.test(token) || UNSURE_NAME.test(token));
}

/** Class names that hide an element with a stylesheet we never run: whether a reader sees it is unknown. */
const CONCEALING_CLASS =
  /^(?:hidden|hide|d-none|is-hidden|sr-only|visually-hidden|screen-reader-text|invisible|collapse)$/i;

export function concealedByClass(element: Element): boolean {
  return (element.attribs.class ?? '').split(/\s+/).some((token) => CONCEALING_CLASS.test(token));
}

/** What hides an element from a reader by markup (the hidden attribute, aria-hidden, an inline style), if anything. */
export function hiddenHow(element: Element): string | undefined {
  const attributes = element.attribs;
  if ('hidden' in attributes) return 'hidden attribute';
  if ((attributes['aria-hidden'] ?? '').toLowerCase() === 'true') return 'aria-hidden';
  const style = (attributes.style ?? '').toLowerCase().replace(/\s+/g, '');
  if (/(?:^|;)display:none/.test(style)) return 'display:none';
  if (/(?:^|;)visibility:hidden/.test(style)) return 'visibility:hidden';
  return undefined;
}

/**
 * Parts of posts hidden by markup that hold reprinted text: an accordion or a tab the page opens on
 * a reader's click. They hide the text as much as any credit, so a credit in one is read as one in a
 * part the page may hide (uncertain), never as absent.
 */
const onDemand = new WeakSet<Element>();

export function shownOnDemand(element: Element): boolean {
  return onDemand.has(element);
}

function isPostContainer(element: Element): boolean {
  if (element.name === 'article') return true;
  if (/(?:Article|BlogPosting|Posting|Report)\b/.test(element.attribs.itemtype ?? '')) return true;
  return regionNames(element).some((token) => POST_NAME.test(token));
}

const HEADING = /^h[1-3]$/;

/**
 * The layout level: the body, or an element that holds the site's header or navigation before the
 * text (before its child `branch`, the one the text is in). What such a level holds as a `footer`
 * or `aside` is the site's. A header or menu after the text (a pager, a post's share bar) does not
 * make its parent the page's frame, and neither does a post's own header (its title, its byline):
 * only a header that holds a menu is the site's. The body is the page's frame, unless it holds the
 * reprinted text itself or its container with no wrapper between (`holdsText`: a page that is
 * nothing but the post) and no menu before it: then an `aside` or `footer` in it is the post's.
 */
function isLayout(element: Element, branch: number, counts: Counts, holdsText = false): boolean {
  if (element.name === 'html' || (element.name === 'body' && !holdsText)) return true;
  // The page's main content is by definition not its layout: a footer or aside in it is the content's.
  if (element.name === 'main' || element.attribs.role === 'main') return false;
  if (isPostContainer(element)) return false;
  const children = element.children;
  const before = children.slice(0, Math.min(branch, children.length)).filter(isElement);
  if (before.some((child) => isSiteHeader(child, counts))) return true;
  // A body holding the text: a menu anywhere in what precedes the text makes it the site's frame.
  return element.name === 'body' && before.some((child) => holdsMenu(child, counts));
}

function holdsMenu(element: Element, counts: Counts): boolean {
  let found = false;
  walk(element.children, (node) => {
    if (found || !isElement(node)) return false;
    if (isSiteHeader(node, counts)) found = true;
    return !found;
  });
  return found;
}

const SITE_HEADER_NAME = /^(?:site-header|masthead|top-bar|topbar|navbar|site-nav|main-nav|main-menu)$/i;
/** A name any header may have, a post's own too: a site's header only when it also holds a menu. */
const HEADER_NAME = /^header$/i;
/** Links a header holds when it is the site's menu rather than a post's title and byline. */
const MENU_LINKS = 5;

/**
 * Roles of the site's own header and menus. A `complementary` region before the text (a work's
 * preface, a "key points" box) is not one: only the frame's banner and navigation make a level the
 * page's frame.
 */
const FRAME_ROLES = new Set(['navigation', 'banner', 'search']);

function isSiteHeader(element: Element, counts: Counts): boolean {
  if (element.name === 'nav' || FRAME_ROLES.has(element.attribs.role ?? ''))
    return !isTableOfContents(element);
  const tokens = regionNames(element);
  if (tokens.some((token) => SITE_HEADER_NAME.test(token))) return true;
  const header = element.name === 'header' || tokens.some((token) => HEADER_NAME.test(token));
  return header && (counts.links.get(element) ?? 0) >= MENU_LINKS;
}

/** Later siblings looked at for the site's footer. */
const FOOTER_LOOKAHEAD = 50;

/** Whether a later sibling of `element` is the site's footer (a footer element, or by role or name). */
function footerFollows(element: Element): boolean {
  let looked = 0;
  for (let next = element.nextSibling; next && looked < FOOTER_LOOKAHEAD; next = next.nextSibling) {
    if (!isElement(next)) continue;
    looked++;
    if (next.name === 'footer' || next.attribs.role === 'contentinfo') return true;
    if (
      regionNames(next).some((token) => /^(?:site-footer|colophon|page-footer|global-footer)$/i.test(token))
    )
      return true;
  }
  return false;
}

/** Links of a menu looked at to tell a table of contents from the site's menu. */
const TOC_LINKS = 50;

/**
 * A menu whose links mostly point into the page itself (`#section`): the post's table of contents,
 * not the site's navigation. It holds no credit and does not make its level the page's frame.
 */
function isTableOfContents(element: Element): boolean {
  let links = 0;
  let inPage = 0;
  walk(element.children, (node) => {
    if (links >= TOC_LINKS || !isElement(node)) return false;
    if (node.name === 'a' && node.attribs.href !== undefined) {
      links++;
      if (node.attribs.href.startsWith('#')) inPage++;
    }
    return true;
  });
  return links > 0 && inPage >= 0.8 * links;
}

/**
 * How a node is read: part of the post, stepped over, the end of the post, a region after which the
 * post's end is a guess, or a region that is itself a guess (read as nearby).
 */
type Kind = 'include' | 'skip' | 'stop' | 'unsure' | 'nearby';

interface Counts {
  words: Map<Element, number>;
  matched: Map<Element, number>;
  links: Map<Element, number>;
  linkWords: Map<Element, number>;
}

/**
 * How a node is read in a walk: part of the post, stepped over, the end of the post, or a region
 * after which the post's end is a guess. A list of links after the text (related posts, more from
 * this site) is such a region, below the page's layout level: a theme may still put the post's
 * footer after it. Before the text, off the page's layout level, it is stepped over (an inline
 * "more on this" box, a tag row).
 */
function classify(
  node: AnyNode,
  atLayout: boolean,
  counts: Counts,
  side: 'after' | 'before' = 'after',
): Kind {
  if (node.type === 'text') return 'include';
  if (!isElement(node)) return 'skip';
  const name = node.name.toLowerCase();
  if (IGNORED_TAGS.has(name)) return 'skip';
  const role = node.attribs.role ?? '';
  if ((name === 'nav' || role === 'navigation') && isTableOfContents(node)) return 'skip';
  if (STOP_TAGS.has(name)) return 'stop';
  if (STOP_ROLES.has(role)) return 'stop';
  if (role === 'contentinfo' && atLayout) return 'stop';
  // A page has one site footer, its last: a footer at the frame level that another footer follows
  // closes what precedes it (the post, or a section of the page), and may be the post's.
  if (name === 'footer' && atLayout && side === 'after' && footerFollows(node)) return 'nearby';
  if (LAYOUT_TAGS.has(name) && atLayout) {
    // Below the body, a level is the page's frame only because a menu precedes the text in it (a
    // section's own menu, in the content): an unnamed aside after the text there may be the
    // post's. Its credit leaves the verdict uncertain; a named sidebar is still the site's.
    const inBody = node.parent && isElement(node.parent) && /^(?:body|html)$/.test(node.parent.name);
    return name === 'aside' && side === 'after' && !inBody && !isForeignRegion(node) ? 'nearby' : 'stop';
  }
  if (isPostContainer(node) && !(counts.matched.get(node) ?? 0)) return 'stop';
  const tokens = regionNames(node);
  if (tokens.some((token) => STOP_NAME.test(token))) return 'stop';
  if (tokens.some((token) => UNSURE_NAME.test(token)))
    return atLayout || side === 'before' ? 'stop' : 'unsure';
  if (tokens.some((token) => SKIP_NAME.test(token))) return 'skip';
  // A list of links (a tag cloud, a menu, "more from this site") is not the post's.
  const links = counts.links.get(node) ?? 0;
  const words = counts.words.get(node) ?? 0;
  if (links >= 5 && (counts.linkWords.get(node) ?? 0) >= 0.7 * words)
    return atLayout ? 'stop' : side === 'before' ? 'skip' : 'unsure';
  return 'include';
}

function wordsIn(text: string): number {
  let count = 0;
  for (const _ of text.matchAll(/[\p{L}\p{N}]+/gu)) count++;
  return count;
}

/** One walk: words, matched words, links and link words under every element. */
function countWords($: CheerioAPI, page: PageDocument, matchedByNode: Map<AnyNode, number>): Counts {
  const counts: Counts = { words: new Map(), matched: new Map(), links: new Map(), linkWords: new Map() };
  const add = (map: Map<Element, number>, element: Element, value: number) => {
    if (value) map.set(element, (map.get(element) ?? 0) + value);
  };
  const linkDepth: Element[] = [];
  walk(
    $.root().children().toArray(),
    (node) => {
      if (node.type === 'text') {
        const parent = node.parent;
        if (!parent || !isElement(parent)) return;
        const words = wordsIn((node as unknown as { data: string }).data);
        add(counts.words, parent, words);
        add(counts.matched, parent, matchedByNode.get(node) ?? 0);
        if (linkDepth.length > 0) add(counts.linkWords, parent, words);
        return;
      }
      if (!isElement(node)) return false;
      if (/^(?:script|style|noscript|template|svg|head)$/.test(node.name)) return false;
      if (node.name === 'a') {
        linkDepth.push(node);
        add(counts.links, node, 1);
      }
      return true;
    },
    (element) => {
      if (element.name === 'a') linkDepth.pop();
      const parent = element.parent;
      if (!parent || !isElement(parent)) return;
      add(counts.words, parent, counts.words.get(element) ?? 0);
      add(counts.matched, parent, counts.matched.get(element) ?? 0);
      add(counts.links, parent, counts.links.get(element) ?? 0);
      add(counts.linkWords, parent, counts.linkWords.get(element) ?? 0);
    },
  );
  void page;
  return counts;
}

/** Matched words per text node, by walking the passages and the text's spans together. */
function matchedWords(
  page: PageDocument,
  tokens: Tokens,
  passages: readonly WordRange[],
): Map<AnyNode, number> {
  const byNode = new Map<AnyNode, number>();
  const sorted = [...passages].sort((a, b) => a.pageFrom - b.pageFrom);
  let span = 0;
  let lastWord = -1;
  for (const passage of sorted) {
    for (let word = Math.max(passage.pageFrom, lastWord + 1); word <= passage.pageTo; word++) {
      const at = tokens.starts[word];
      if (at === undefined) break;
      while (span < page.spans.length && page.spans[span]!.end <= at) span++;
      const found = page.spans[span];
      if (!found || found.start > at) continue;
      byNode.set(found.node, (byNode.get(found.node) ?? 0) + 1);
      lastWord = word;
    }
  }
  return byNode;
}

/**
 * Page words of the reprinted text outside noise between two passages that still make them one
 * text (an ad, a caption, an inline box): further apart, a passage is another copy of a few lines
 * (a teaser of the same story, a reader quoting it), not where the post's text goes on.
 */
const TEXT_GAP_WORDS = 160;

/** The page word where the reprinted text ends: the last word of its longest stretch of passages. */
function textEndWord(passages: readonly WordRange[]): number | undefined {
  const sorted = [...passages].sort((a, b) => a.pageFrom - b.pageFrom);
  let best: { words: number; to: number } | undefined;
  let current: { words: number; to: number } | undefined;
  for (const passage of sorted) {
    const words = passage.pageTo - passage.pageFrom + 1;
    if (current && passage.pageFrom - current.to <= TEXT_GAP_WORDS) {
      current.words += words;
      current.to = Math.max(current.to, passage.pageTo);
    } else current = { words, to: passage.pageTo };
    if (!best || current.words > best.words) best = { ...current };
  }
  return best?.to;
}

/** The text node that holds a page word. */
function nodeOfWord(page: PageDocument, tokens: Tokens, word: number): AnyNode | undefined {
  const at = tokens.starts[word];
  if (at === undefined) return undefined;
  let low = 0;
  let high = page.spans.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const span = page.spans[middle]!;
    if (span.end <= at) low = middle + 1;
    else if (span.start > at) high = middle - 1;
    else return span.node;
  }
  return undefined;
}

/** The child of `container` that holds `node` (or is it). */
function childHolding(container: Element, node: AnyNode): AnyNode | undefined {
  let current: AnyNode | null = node;
  while (current && current.parent !== container) current = current.parent;
  return current ?? undefined;
}

export function findPost(page: PageDocument, tokens: Tokens, passages: readonly WordRange[]): Post {
  const { $ } = page;
  const byNode = matchedWords(page, tokens, passages);
  const counts = countWords($, page, byNode);
  const root = page.body ?? $.root().children().toArray().find(isElement);
  if (!root) return { scope: [], nearby: [], concealed: [], elsewhere: [] };
  const total = counts.matched.get(root) ?? 0;
  if (total === 0)
    return {
      scope: [root],
      nearby: [],
      concealed: [],
      elsewhere: [],
      ambiguity: 'the matched text was not found in the page',
    };
  // 1. The text's container: descend while one child holds nearly all matched words.
  let container: Element = root;
  for (;;) {
    const next = container.children.find(
      (child): child is Element => isElement(child) && (counts.matched.get(child) ?? 0) >= HOLD * total,
    );
    if (!next) break;
    container = next;
  }
  const post: Post = { scope: [], nearby: [], concealed: [], elsewhere: [] };
  if (
    container === root &&
    root.children.filter((child) => isElement(child) && counts.matched.get(child)).length > 3
  ) {
    // The text is spread over many regions of the body; only the body itself holds it all.
    post.ambiguity = 'the reprinted text is spread over several regions of the page';
  }
  const matchedNodes = [...byNode.keys()];
  const endWord = textEndWord(passages);
  const endNode =
    (endWord === undefined ? undefined : nodeOfWord(page, tokens, endWord)) ?? matchedNodes.at(-1)!;
  const firstChild = childHolding(container, matchedNodes[0]!);
  const lastChild = childHolding(container, endNode);
  const children = container.children;
  let firstIndex = firstChild ? children.indexOf(firstChild as never) : 0;
  let lastIndex = lastChild ? children.indexOf(lastChild as never) : children.length - 1;
  if (firstIndex < 0) firstIndex = 0;
  if (lastIndex < firstIndex) lastIndex = children.length - 1;

  // Inside a theme's own post container the post's end is known: everything up to it that is not a
  // widget, comments or a nested post belongs to the post, however long.
  // Themes nest post containers (`.post > .entry`): the post is the outermost of them that holds no
  // other post (on a digest, the one item that holds the text).
  let known: Element | undefined;
  for (let node: Element | null = container; node && node !== root; node = node.parent as Element | null) {
    if (!isElement(node)) break;
    if (isPostContainer(node)) {
      if (known && holdsAnotherPost(node, counts)) break;
      known = node;
    }
  }
  const insideKnown = (level: Element) => known !== undefined && within(level, new Set([known]));

  // 2. The text itself (widgets inside it stepped over).
  // The text's own level, and the one right above it: a body that holds the text with no wrapper
  // between may be nothing but the post.
  const holdsText = (level: Element) => level === container || level === container.parent;
  const atContainerLayout = isLayout(container, firstIndex, counts, true);
  for (let i = firstIndex; i <= lastIndex; i++) {
    const child = children[i]!;
    if (isElement(child) && concealedByClass(child) && !counts.matched.get(child)) {
      post.concealed.push(child);
      continue;
    }
    if (
      classify(child, atContainerLayout, counts) === 'include' ||
      (isElement(child) && counts.matched.get(child))
    )
      post.scope.push(child);
  }

  // 3. What follows the text, outward until a region that is not this post.
  const after: Reading = {
    post,
    counts,
    known,
    root,
    mode: 'post',
    budget: 0,
    afterHeading: false,
    nearbyFrom: 0,
    nearbyWords: 0,
    done: false,
    endPath: new Set(ancestry(endNode)),
    passedEnd: lastChild !== undefined,
  };
  let level: Element = container;
  let index = lastIndex + 1;
  for (;;) {
    const bounded = insideKnown(level);
    // The page's frame holds its header or menu before the text begins: a menu between two parts of
    // the text (a wiki's navigation box) is the text's, and does not make its level the frame.
    const layout =
      !bounded && isLayout(level, level === container ? firstIndex : index - 1, counts, holdsText(level));
    readAfter(after, level, index, bounded, layout);
    // Nearby regions end at the page's layout level: past it lies the site's frame.
    if (after.done || level === root || (after.mode === 'nearby' && layout)) break;
    // Past the end of the theme's own post container the post is over, but a theme may still put
    // a credit right after it: what follows, up to a clear stop, is nearby.
    if (level === known) toNearby(after);
    const parent = level.parent;
    if (!parent || !isElement(parent)) break;
    index = parent.children.indexOf(level) + 1;
    level = parent;
  }

  // 4. The post's header before the text: back to its heading, and a line or two above the heading
  // (a kicker, a credit line over the title), never past another heading or the page's layout.
  let leading = 0;
  let ceiling = LEADING_WORDS;
  level = container;
  index = firstIndex - 1;
  let foundHeading = false;
  /** The post's own words read since the last heading taken. */
  let wordsSinceHeading = 0;
  const header: AnyNode[] = [];
  outer: for (;;) {
    const bounded = insideKnown(level);
    const layout = !bounded && isLayout(level, index + 1, counts, holdsText(level));
    if (foundHeading && layout) {
      collectAbove(post, level, index, counts);
      break;
    }
    for (; index >= 0; index--) {
      const sibling = level.children[index]!;
      const kind = classify(sibling, layout, counts, 'before');
      if (kind === 'skip' || (bounded && kind === 'stop')) continue;
      if (kind === 'stop') {
        // A region named like a sidebar before the text, below the page's layout level (some themes
        // put the title block in one), may or may not start the post: what precedes it is nearby.
        if (!layout) collectBefore(post, level, index - 1, counts);
        break outer;
      }
      // Reprinted text outside the container (a standfirst) costs nothing; the post's own words do.
      const words = isElement(sibling)
        ? (counts.words.get(sibling) ?? 0) - (counts.matched.get(sibling) ?? 0)
        : wordsIn((sibling as unknown as { data: string }).data);
      if (!bounded && leading + words > ceiling) break outer;
      const heading =
        isElement(sibling) && (HEADING.test(sibling.name) || $(sibling).find('h1, h2, h3').length > 0);
      // Above the title, another heading is another post or section, unless nothing lies between
      // the two: a title over its deck (an h1 over an h2) is one title block.
      if (heading && foundHeading && !bounded && wordsSinceHeading > 0) break outer;
      header.push(sibling);
      leading += words;
      if (heading) {
        foundHeading = true;
        wordsSinceHeading = 0;
        if (!bounded) ceiling = Math.min(LEADING_WORDS, leading + ABOVE_TITLE_WORDS);
      } else wordsSinceHeading += words;
    }
    // Inside the theme's post container the whole header belongs to the post, above the title too.
    if (level === root || (isPostContainer(level) && foundHeading)) break;
    const parent = level.parent;
    if (!parent || !isElement(parent)) break;
    index = parent.children.indexOf(level) - 1;
    level = parent;
  }
  post.scope.unshift(...header.reverse());
  // On a one-post page the title may sit apart from the post (its link counts for the post).
  if (!foundHeading && page.heading && !within(page.heading, new Set(post.scope)))
    post.scope.unshift(page.heading);
  findShownOnDemand(post, counts);
  post.elsewhere = collectElsewhere(root, container, post, counts, after.stop);
  return post;
}

/**
 * Parts of the post that markup hides (a collapsed accordion, a tab) but that hold reprinted text,
 * by `MATCHED_CONTINUES` the text's own: the page opens them on a reader's click. Read as parts the
 * page may hide, so a credit only there makes the verdict uncertain.
 */
function findShownOnDemand(post: Post, counts: Counts): void {
  const roots = new Set(post.scope);
  walk(post.scope, (node) => {
    if (!isElement(node) || (counts.matched.get(node) ?? 0) < MATCHED_CONTINUES) return false;
    if (roots.has(node) || !hiddenHow(node)) return true;
    onDemand.add(node);
    post.concealed.push(node);
    return false;
  });
}

/**
 * What the page holds outside the post, its nearby regions and its concealed parts, less every
 * region that is clearly not this post, and less all that follows the region that ended every
 * reading for it (`stop`: past the readers' comments or the site's footer, nothing is the post's). One walk from the
 * body in reading order, stepping into the elements that hold part of the post and taking every
 * other child whole unless it is such a region.
 */
function collectElsewhere(
  root: Element,
  container: Element,
  post: Post,
  counts: Counts,
  stop: AnyNode | undefined,
): AnyNode[] {
  const taken = new Set<AnyNode>([...post.scope, ...post.nearby, ...post.concealed]);
  const holding = new Set<AnyNode>();
  for (const node of taken) {
    for (let current = node.parent; current && !holding.has(current); current = current.parent)
      holding.add(current);
  }
  const found: AnyNode[] = [];
  let ended = false;
  const visit = (level: Element) => {
    const layout = isLayout(
      level,
      level.children.length,
      counts,
      level === container || level === container.parent,
    );
    for (const child of level.children) {
      if (child === stop) ended = true;
      if (ended) return;
      if (taken.has(child)) continue;
      if (holding.has(child)) visit(child as Element);
      else if (!isElement(child)) {
        if (child.type === 'text') found.push(child);
      } else if (!concealedByClass(child)) {
        // A footer that another footer follows may be the post's: read here too.
        const kind = classify(child, layout, counts);
        if (kind === 'include' || kind === 'nearby') found.push(child);
      }
    }
  };
  visit(root);
  return found;
}

/** Words of nearby regions read past the budget, at most. */
const NEARBY_WORDS = 3 * TRAILING_WORDS;

/** Class and id tokens of readers' comments and the site's footer: past one, nothing is the post's. */
const PAST_POST_NAME =
  /^(?:comments?|comments?-.+|.+-comments|.+_comments|commentlist|respond|reply-form|disqus_thread|disqus|discussion|replies|site-footer|site-info|colophon|footer-widgets|global-footer|page-footer|main-footer|footer-main|copyright-bar)$/i;

/**
 * Whether a region that ends the post also ends every reading of the page for it: readers' comments
 * and the site's footer do; a sidebar or a menu does not (a theme may put the post's footer past the
 * wrapper that holds its text and its sidebar).
 */
function endsReading(element: Element, layout: boolean): boolean {
  if (element.attribs.role === 'contentinfo' || (element.name === 'footer' && layout)) return true;
  return regionNames(element).some((token) => PAST_POST_NAME.test(token));
}

/** The state of reading what follows the text, in reading order. */
interface Reading {
  post: Post;
  counts: Counts;
  known: Element | undefined;
  root: Element;
  /** `post` while what is read is the post's; `nearby` once its end is a guess. */
  mode: 'post' | 'nearby';
  /** The post's own words read after the text so far. */
  budget: number;
  afterHeading: boolean;
  /** Where this reading's nearby regions start in `post.nearby`. */
  nearbyFrom: number;
  nearbyWords: number;
  done: boolean;
  /** The node where the reprinted text ends, and its ancestors. */
  endPath: ReadonlySet<AnyNode>;
  /** Whether the reading is past the end of the reprinted text (it starts so when the text's container holds it). */
  passedEnd: boolean;
  /** The region that ended every reading for the post (readers' comments, the site's footer), when one did. */
  stop?: AnyNode;
}

/**
 * Reads the children of `level` from `index` on, in reading order. What fits the budget is the
 * post's; a region too long to take whole is read child by child (a wrapper may open with the credit
 * and go on with something else); past the budget, a heading that opens a long section, or a region
 * that is probably not the post's (related posts, a list of links) the end of the post is a guess,
 * and what follows is nearby, up to a region that is clearly not this post (a stop) or
 * `NEARBY_WORDS`. More of the reprinted text after all that means it was the post's after all.
 */
function readAfter(state: Reading, level: Element, from: number, bounded: boolean, layout: boolean): void {
  const { post, counts } = state;
  const siblings = level.children;
  for (let index = from; index < siblings.length && !state.done; index++) {
    const sibling = siblings[index]!;
    if (!state.passedEnd && readBeforeEnd(state, sibling, bounded, layout)) continue;
    if (isElement(sibling) && (counts.matched.get(sibling) ?? 0) >= MATCHED_CONTINUES) {
      // More of the reprinted text (a second page of it, a part after a box): the post goes on, and
      // what lay between its parts was the post's.
      if (state.mode === 'nearby') post.scope.push(...post.nearby.splice(state.nearbyFrom));
      post.scope.push(sibling);
      state.mode = 'post';
      state.budget = 0;
      state.afterHeading = false;
      state.nearbyWords = 0;
      continue;
    }
    if (isElement(sibling) && concealedByClass(sibling)) {
      post.concealed.push(sibling);
      continue;
    }
    const kind = classify(sibling, layout, counts);
    if (kind === 'skip' || (bounded && kind !== 'include')) continue;
    if (kind === 'stop') {
      state.done = true;
      if (isElement(sibling) && endsReading(sibling, layout)) state.stop = sibling;
      return;
    }
    if (kind === 'unsure' || kind === 'nearby') {
      toNearby(state);
      if (kind === 'nearby') {
        post.nearby.push(sibling);
        state.nearbyWords +=
          (counts.words.get(sibling as Element) ?? 0) - (counts.matched.get(sibling as Element) ?? 0);
      }
      continue;
    }
    const words =
      sibling.type === 'text'
        ? wordsIn((sibling as unknown as { data: string }).data)
        : (counts.words.get(sibling as Element) ?? 0) - (counts.matched.get(sibling as Element) ?? 0);
    if (state.mode === 'nearby') {
      post.nearby.push(sibling);
      state.nearbyWords += isElement(sibling) ? words : 10;
      if (state.nearbyWords >= NEARBY_WORDS) state.done = true;
      continue;
    }
    const heading = isElement(sibling) && HEADING.test(sibling.name);
    const newSection = state.afterHeading && !heading && words > SECTION_WORDS;
    // A short block that starts within the budget is taken whole: a credit line is not cut between
    // its words and its link.
    const fits =
      state.budget + words <= TRAILING_WORDS || (state.budget < TRAILING_WORDS && words <= LINE_WORDS);
    if (bounded || (!newSection && fits)) {
      if (heading) state.afterHeading = true;
      post.scope.push(sibling);
      state.budget += words;
      continue;
    }
    if (!newSection && isElement(sibling) && sibling.children.length > 0) {
      // A wrapper at the page's layout level is part of the page's frame.
      readAfter(state, sibling, 0, bounded, layout);
      continue;
    }
    toNearby(state);
    post.nearby.push(sibling);
    state.nearbyWords += words;
  }
}

/** Share of an element's words that are reprinted text for it to be read whole as the text's end. */
const MOSTLY_TEXT = 0.5;

/**
 * Reads a node that lies before the end of the reprinted text, outside the text's container (the
 * text goes on past an inline box, an ad or a menu, in another wrapper): it is inside the post's text,
 * so a region that would end the post after the text (a menu, a promotion named like a sidebar, a list
 * of links) is only stepped over, and the post's own words cost nothing. The region that holds the
 * text's end is read down to it; past it the reading goes on as after any text. Returns false when
 * the node is for the ordinary reading after the text (the region holding the end is clearly not the
 * post's: a stray copy of a few lines in comments or a menu).
 */
function readBeforeEnd(state: Reading, sibling: AnyNode, bounded: boolean, layout: boolean): boolean {
  const { post, counts } = state;
  const kind = classify(sibling, layout, counts);
  const matched = isElement(sibling) ? (counts.matched.get(sibling) ?? 0) : 0;
  if (state.endPath.has(sibling)) {
    if (kind === 'stop') {
      state.passedEnd = true;
      return false;
    }
    const words = isElement(sibling) ? (counts.words.get(sibling) ?? 0) : 0;
    if (!isElement(sibling) || matched >= MOSTLY_TEXT * words) {
      post.scope.push(sibling);
      reachEnd(state);
      return true;
    }
    readAfter(state, sibling, 0, bounded, false);
    reachEnd(state);
    return true;
  }
  if (isElement(sibling) && concealedByClass(sibling) && matched === 0) post.concealed.push(sibling);
  else if (kind === 'include' || matched > 0) post.scope.push(sibling);
  return true;
}

/** The reprinted text's end is reached: what lay between its parts was the post's, and what follows is read as after any text. */
function reachEnd(state: Reading): void {
  if (state.passedEnd) return;
  state.passedEnd = true;
  if (state.mode === 'nearby') state.post.scope.push(...state.post.nearby.splice(state.nearbyFrom));
  state.mode = 'post';
  state.budget = 0;
  state.afterHeading = false;
  state.nearbyWords = 0;
}

function ancestry(node: AnyNode): AnyNode[] {
  const chain: AnyNode[] = [];
  for (let current: AnyNode | null = node; current; current = current.parent) chain.push(current);
  return chain;
}

function toNearby(state: Reading): void {
  if (state.mode === 'nearby') return;
  state.mode = 'nearby';
  state.nearbyFrom = state.post.nearby.length;
  state.nearbyWords = 0;
}

/**
 * What precedes `fromIndex` in `start`, and outward level by level, back to a stop, the page's layout
 * level or `NEARBY_WORDS`, as nearby.
 */
function collectBefore(post: Post, start: Element, fromIndex: number, counts: Counts): void {
  let nearbyWords = 0;
  let level = start;
  let index = fromIndex;
  for (;;) {
    for (; index >= 0; index--) {
      if (nearbyWords >= NEARBY_WORDS) return;
      const candidate = level.children[index]!;
      const kind = classify(candidate, false, counts, 'before');
      if (kind === 'stop') return;
      if (kind === 'skip') continue;
      post.nearby.push(candidate);
      nearbyWords += isElement(candidate) ? (counts.words.get(candidate) ?? 0) : 10;
    }
    const parent = level.parent;
    if (!parent || !isElement(parent)) return;
    index = parent.children.indexOf(level) - 1;
    if (isLayout(parent, index + 1, counts)) return;
    level = parent;
  }
}

/**
 * A line or two right above the post at the page's layout level (a credit line over the post's
 * block, or a site-wide banner) may be the post's or the site's: nearby, up to a stop or
 * `ABOVE_TITLE_WORDS`.
 */
function collectAbove(post: Post, level: Element, fromIndex: number, counts: Counts): void {
  let words = 0;
  for (let index = fromIndex; index >= 0; index--) {
    const candidate = level.children[index]!;
    const kind = classify(candidate, true, counts, 'before');
    if (kind === 'stop') return;
    if (kind === 'skip') continue;
    words += isElement(candidate)
      ? (counts.words.get(candidate) ?? 0)
      : wordsIn((candidate as unknown as { data: string }).data);
    if (words > ABOVE_TITLE_WORDS) return;
    post.nearby.push(candidate);
  }
}

/** Whether a post container holds a post other than the one with the text (a digest or archive). */
function holdsAnotherPost(element: Element, counts: Counts): boolean {
  let found = false;
  walk(element.children, (node) => {
    if (found || !isElement(node)) return false;
    if (isForeignRegion(node)) return false;
    if (isPostContainer(node) && !(counts.matched.get(node) ?? 0)) {
      found = true;
      return false;
    }
    return true;
  });
  return found;
}

function within(node: AnyNode, nodes: ReadonlySet<AnyNode>): boolean {
  for (let current: AnyNode | null = node; current; current = current.parent)
    if (nodes.has(current)) return true;
  return false;
}
