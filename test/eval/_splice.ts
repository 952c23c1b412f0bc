/**
 * Splicing a credit into a real page the way republishers write one. The page's own markup is kept;
 * the article's first and last paragraphs are found by their words, and the credit goes into one
 * placement relative to them (after the text, in an aside inside the post, in a footer after the
 * post's text container, …) or, for the hostile cases, where it must not count (comments, sidebar,
 * site footer, hidden).
 */
import { type CheerioAPI, load } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';

const fold = (text: string) =>
  text
    .replace(/[’‘`´]/g, "'")
    .replace(/[“”„«»]/g, '"')
    .replace(/\s+/g, ' ')
    .toLowerCase();

const BLOCK =
  /^(?:p|div|li|h[1-6]|blockquote|td|section|article|figure|pre|dd|main|body|header|footer|aside|table|ul|ol)$/;

interface TextIndex {
  text: string;
  nodes: Array<{ at: number; node: AnyNode }>;
}

function indexText($: CheerioAPI): TextIndex {
  const nodes: TextIndex['nodes'] = [];
  let text = '';
  const walk = (node: AnyNode) => {
    if (node.type === 'text') {
      const data = fold((node as unknown as { data: string }).data);
      if (data.trim() === '') {
        if (!text.endsWith(' ')) text += ' ';
        return;
      }
      nodes.push({ at: text.length, node });
      text += data;
      return;
    }
    if (node.type !== 'tag') return;
    const element = node as Element;
    if (/^(?:script|style|noscript|template|head)$/.test(element.name)) return;
    // A hidden copy of the text (schema.org metadata, a print version) is not where readers see it.
    if ('hidden' in element.attribs || /display\s*:\s*none/i.test(element.attribs.style ?? '')) return;
    if (BLOCK.test(element.name) && !text.endsWith(' ')) text += ' ';
    for (const child of element.children) walk(child);
    if (BLOCK.test(element.name) && !text.endsWith(' ')) text += ' ';
  };
  for (const node of $.root().children().toArray()) walk(node);
  text = text.replace(/ {2,}/g, ' ');
  return { text, nodes };
}

function nodeAt(index: TextIndex, at: number): AnyNode | undefined {
  let low = 0;
  let high = index.nodes.length - 1;
  let found: AnyNode | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (index.nodes[middle]!.at <= at) {
      found = index.nodes[middle]!.node;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** The block element holding a snippet of the article's words. */
/**
 * The block element holding a snippet of the article's words: its first occurrence from `from` on
 * (the end of the text is the first copy of its last words after its start, not a reader's comment
 * quoting them further down).
 */
function blockOf($: CheerioAPI, index: TextIndex, snippet: string, from = 0): Element | undefined {
  const wanted = fold(snippet).trim();
  if (wanted.length < 12) return undefined;
  const at = index.text.indexOf(wanted, from);
  const last = from > 0;
  if (at < 0) return undefined;
  let element = nodeAt(index, last ? at + wanted.length - 1 : at)?.parent as Element | null | undefined;
  while (element && element.type === 'tag' && !fold($(element).text()).includes(wanted.slice(0, 40)))
    element = element.parent as Element | null;
  while (element && element.type === 'tag' && !BLOCK.test(element.name))
    element = element.parent as Element | null;
  return element && element.type === 'tag' ? element : undefined;
}

function ancestors(element: Element): Element[] {
  const chain: Element[] = [];
  for (let node: Element | null = element; node && node.type === 'tag'; node = node.parent as Element | null)
    chain.push(node);
  return chain;
}

export interface Located {
  $: CheerioAPI;
  first: Element;
  last: Element;
  /** The smallest element holding both the first and the last paragraph. */
  container: Element;
}

/** Finds the article's text in the page, or nothing when its words cannot be found. */
export function locate(html: string, articleText: string): Located | undefined {
  const $ = load(html);
  const index = indexText($);
  const paragraphs = articleText
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.split(/\s+/).length >= 6);
  if (paragraphs.length < 2) return undefined;
  let first: Element | undefined;
  let firstAt = 0;
  // A headline or a kicker is not where the text starts: the first paragraph of some length is.
  const opening = paragraphs.filter((paragraph) => paragraph.split(/\s+/).length >= 15);
  for (const paragraph of [...opening.slice(0, 3), ...paragraphs.slice(0, 4)]) {
    const snippet = paragraph.split(/\s+/).slice(0, 8).join(' ');
    first = blockOf($, index, snippet);
    if (first) {
      firstAt = index.text.indexOf(fold(snippet).trim()) + 1;
      break;
    }
  }
  let last: Element | undefined;
  for (const paragraph of paragraphs.slice(-4).reverse()) {
    last = blockOf($, index, paragraph.split(/\s+/).slice(-8).join(' '), firstAt);
    if (last) break;
  }
  if (!first || !last) return undefined;
  const lastChain = new Set(ancestors(last));
  const container = ancestors(first).find((element) => lastChain.has(element));
  // Text spread over the whole body has no container a credit could be put in or next to.
  if (!container || container.name === 'html' || container.name === 'body') return undefined;
  return { $, first, last, container };
}

export type Placement =
  | 'after-text'
  | 'lead'
  | 'aside-in-post'
  | 'small-print'
  | 'figure-caption'
  | 'table'
  | 'footer-after-text'
  | 'div-after-text'
  | 'byline'
  | 'note-box';

export const PLACEMENTS: Placement[] = [
  'after-text',
  'lead',
  'aside-in-post',
  'small-print',
  'figure-caption',
  'table',
  'footer-after-text',
  'div-after-text',
  'byline',
  'note-box',
];

export type HostilePlacement = 'comments' | 'sidebar' | 'site-footer' | 'hidden';
export const HOSTILE_PLACEMENTS: HostilePlacement[] = ['comments', 'sidebar', 'site-footer', 'hidden'];

const TABLE_PARTS = /^(?:table|tbody|thead|tfoot|tr|td|th|caption|colgroup)$/;

/**
 * The table that holds `element` as one of its rows or cells, or the element itself: markup put
 * beside a row or cell is moved out of the table by every HTML parser, so no site can have it there.
 */
function outsideTable(element: Element): Element {
  let node = element;
  while (node.name !== 'table' && TABLE_PARTS.test(node.name) && node.parent?.type === 'tag')
    node = node.parent as Element;
  return node;
}

function afterLast(located: Located, html: string): void {
  const { $, last, container } = located;
  if (last === container) $(container).append(html);
  else if (TABLE_PARTS.test(last.name)) $(outsideTable(last)).after(html);
  else $(last).after(html);
}

/** The post element itself: what follows it is no longer the post. */
function isPost(element: Element): boolean {
  if (element.name === 'article' || /Article|BlogPosting/.test(element.attribs.itemtype ?? '')) return true;
  return (element.attribs.class ?? '')
    .split(/\s+/)
    .some((token) => /^(?:hentry|post|type-post|entry|blog-post)$/.test(token));
}

/**
 * Right after the block that holds the end of the text: the child of the container that holds the
 * last paragraph when there is one (the text's own wrapper), else after the container itself (or at
 * the end of it when it is the post element). Never after whatever else the container holds.
 */
function afterContainer(located: Located, html: string): void {
  const { $, container, last } = located;
  let block: Element = last;
  while (block.parent && block.parent !== container) block = block.parent as Element;
  if (TABLE_PARTS.test(container.name)) $(outsideTable(container)).after(html);
  else if (block !== last && block.parent === container) $(block).after(html);
  else if (isPost(container)) $(container).append(html);
  else $(container).after(html);
}

/** Puts the credit markup into the page and returns the page's HTML. */
export function splice(located: Located, credit: string, placement: Placement | HostilePlacement): string {
  const { $, first, container } = located;
  switch (placement) {
    case 'after-text':
      afterLast(located, `<p>${credit}</p>`);
      break;
    case 'lead':
      if (first === container) $(container).prepend(`<p><em>${credit}</em></p>`);
      else $(outsideTable(first)).before(`<p><em>${credit}</em></p>`);
      break;
    case 'aside-in-post':
      afterLast(located, `<aside><p>${credit}</p></aside>`);
      break;
    case 'small-print':
      afterLast(located, `<p><small>${credit}</small></p>`);
      break;
    case 'figure-caption':
      afterLast(
        located,
        `<figure><img src="/images/map.jpg" alt=""><figcaption>${credit}</figcaption></figure>`,
      );
      break;
    case 'table':
      afterLast(located, `<table><tbody><tr><td>${credit}</td></tr></tbody></table>`);
      break;
    case 'footer-after-text':
      afterContainer(located, `<footer><p>${credit}</p></footer>`);
      break;
    case 'div-after-text':
      afterContainer(located, `<div><div>${credit}</div></div>`);
      break;
    case 'byline':
      if (isPost(container)) $(container).prepend(`<div><p><span>Mara Quill</span> | ${credit}</p></div>`);
      else $(outsideTable(container)).before(`<div><p><span>Mara Quill</span> | ${credit}</p></div>`);
      break;
    case 'note-box':
      afterLast(
        located,
        `<div style="border:1px solid #ccc;padding:1em"><p><strong>Note</strong></p><p>${credit}</p></div>`,
      );
      break;
    case 'comments':
      $(container).after(
        `<div id="comments" class="comments-area"><h3>2 comments</h3><ol class="comment-list"><li class="comment"><div class="comment-body"><p>${credit}</p></div></li></ol></div>`,
      );
      break;
    case 'sidebar':
      $('body').append(
        `<aside id="secondary" class="sidebar widget-area"><section class="widget"><p>${credit}</p></section></aside>`,
      );
      break;
    case 'site-footer':
      $('body').append(`<footer id="colophon" class="site-footer"><p>${credit}</p></footer>`);
      break;
    case 'hidden':
      afterLast(located, `<p style="display: none">${credit}</p>`);
      break;
  }
  return $.html();
}

/** Replaces the article's text with the blogger's own paragraphs. */
export function replaceText(located: Located, paragraphs: string[]): string {
  const { $, container } = located;
  $(container).html(paragraphs.map((paragraph) => `<p>${paragraph}</p>`).join('\n'));
  return $.html();
}

const marker = (name: string) => `<!--syndicate-eval:${name}-->`;

/**
 * The page with a marker comment at every placement, serialised once: each case then only swaps a
 * marker for its credit, so a page is parsed once however many cases it gives.
 */
export function template(located: Located): string {
  // Hostile places first: what is inserted later lands nearer the text, so comments follow the post.
  for (const placement of [...HOSTILE_PLACEMENTS, ...PLACEMENTS])
    splice(located, marker(placement), placement);
  const { $, container } = located;
  $(container).prepend(marker('text-start'));
  $(container).append(marker('text-end'));
  return $.html();
}

/** The page with the credit in one placement (markers are comments, invisible to everyone). */
export function fill(page: string, credit: string, placement: Placement | HostilePlacement): string {
  return page.replace(marker(placement), credit);
}

/** The page with the article's text replaced by the blogger's own paragraphs. */
export function fillText(page: string, paragraphs: string[]): string {
  const start = page.indexOf(marker('text-start'));
  const end = page.indexOf(marker('text-end'));
  if (start < 0 || end < start) return page;
  return `${page.slice(0, start)}${paragraphs.map((paragraph) => `<p>${paragraph}</p>`).join('\n')}${page.slice(end)}`;
}
