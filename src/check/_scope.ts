/**
 * Reading the post a rule judges: its text with line breaks at block boundaries, links with their
 * resolved targets, names and hosts of the publisher (URLs are compared with `net/url.ts`).
 */
import type { AnyNode, Element } from 'domhandler';
import type { Terms } from '../config/terms.ts';
import { walk } from '../match/page.ts';
import { bareHost, matchKey, resolveHttpUrl } from '../net/url.ts';
import { concealedByClass, hiddenHow, isForeignRegion, shownOnDemand } from './_post.ts';

export { concealedByClass };

import type { Article } from '../store/article.ts';

const BLOCK =
  /^(?:p|div|section|article|main|header|footer|aside|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|pre|table|tr|td|th|figure|figcaption|address|br|hr|details|summary)$/;
const SKIP = /^(?:script|style|noscript|template|svg|head)$/;

function isElement(node: AnyNode): node is Element {
  return node.type === 'tag';
}

/** One form for the ways tools write the same characters: quotes, apostrophes, spaces, dashes. */
export function plain(text: string): string {
  return text
    .replace(/[\u2018\u2019\u02bc\u2032\u0060\u00b4]/g, "'")
    .replace(/[\u201c\u201d\u201e\u00ab\u00bb\u2033]/g, '"')
    .replace(/[\u2010\u2011\u2012]/g, '-')
    .replace(/[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+/g, ' ');
}

/**
 * The text of the scope, one line per block. With `linkHosts`, every link to another host is
 * followed by `⟦host⟧`, so a credit such as "via <a href=…northwind.example…>this site</a>"
 * reads as naming the publisher; a link to one of `originals` (normalised URLs) is also followed
 * by `⟦original⟧`. Text a reader cannot see is left out; an element that only a stylesheet may
 * hide is left out too, unless it is itself one of the scope's nodes (so it can be read on purpose
 * to see whether a credit is there).
 */
export function scopeLines(
  scope: readonly AnyNode[],
  base: string,
  options: { linkHosts?: boolean; originals?: ReadonlySet<string> } = {},
): string[] {
  const parts: string[] = [];
  const seen = new Set<AnyNode>();
  const roots = new Set(scope);
  walk(
    scope,
    (node) => {
      if (node.type === 'text') {
        parts.push((node as unknown as { data: string }).data);
        return;
      }
      if (!isElement(node) || seen.has(node)) return false;
      seen.add(node);
      const name = node.name.toLowerCase();
      // Text a reader cannot see is no credit (and a hidden link must not glue onto the name).
      if (SKIP.test(name) || (hiddenHow(node) && !(roots.has(node) && shownOnDemand(node)))) return false;
      if (!roots.has(node) && (concealedByClass(node) || isForeignRegion(node))) return false;
      if (BLOCK.test(name)) parts.push('\n');
      return true;
    },
    (element) => {
      const name = element.name.toLowerCase();
      if (options.linkHosts && name === 'a' && element.attribs.href) {
        const target = resolveHttpUrl(element.attribs.href, base);
        if (target) {
          parts.push(` ⟦${bareHost(target.hostname)}⟧`);
          const normal = matchKey(target);
          if (normal && options.originals?.has(normal)) parts.push(' ⟦original⟧');
        }
      }
      if (BLOCK.test(name)) parts.push('\n');
      if (roots.has(element)) parts.push('\n');
    },
  );
  return plain(parts.join('').replace(/\n/g, '\u0000'))
    .split('\u0000')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Whether the rules may read `element`: not inside comments, a sidebar or other foreign region of the scope. */
export function readable(element: Element, roots: ReadonlySet<AnyNode>): boolean {
  for (let node: AnyNode | null = element; node; node = node.parent) {
    if (node.type === 'tag' && isForeignRegion(node as Element) && !roots.has(node)) return false;
    if (roots.has(node)) return true;
  }
  return true;
}

export function articleUrls(article: Article): Set<string> {
  const urls = new Set<string>();
  for (const url of [article.url, ...article.aliases]) {
    const normal = matchKey(url);
    if (normal) urls.add(normal);
  }
  return urls;
}

/** The publisher's names and aliases (domains among them match as names too). */
export function publisherNames(terms: Terms): string[] {
  return [terms.publisher.name, ...terms.publisher.aliases];
}

/** Hosts that are the publisher's: the home page's, domain aliases, and the article's own hosts. */
export function publisherHosts(terms: Terms, article?: Article): Set<string> {
  const hosts = new Set<string>();
  const home = resolveHttpUrl(terms.publisher.home, terms.publisher.home);
  if (home) hosts.add(bareHost(home.hostname));
  for (const alias of terms.publisher.aliases) {
    if (/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(alias)) hosts.add(bareHost(alias));
  }
  for (const url of article ? [article.url, ...article.aliases] : []) {
    const parsed = resolveHttpUrl(url, url);
    if (parsed) hosts.add(bareHost(parsed.hostname));
  }
  return hosts;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A case-insensitive whole-word pattern for any of the names, spaces matching any whitespace.
 * With `anywhere`, a name counts inside a longer word too: a looser pattern that matches a text
 * wherever the whole-word one matches the text or any piece cut from it.
 */
export function namesPattern(names: readonly string[], options: { anywhere?: boolean } = {}): RegExp {
  const alternatives = [...new Set(names.map((name) => name.trim()).filter(Boolean))]
    .sort((a, b) => b.length - a.length)
    .map((name) => escapeRegExp(name).replace(/\s+/g, '\\s+'));
  if (options.anywhere) return new RegExp(alternatives.join('|'), 'iu');
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

/**
 * What hides `element` from a reader, looking up to the scope's node that holds it: the same reach
 * as `scopeLines`. A wrapper round the whole page or post (a script-driven page hidden until its
 * scripts run) hides the reprinted text as much as the link, so it says nothing about the link.
 */
export function hiddenBy(element: Element, roots: ReadonlySet<AnyNode>): string | undefined {
  for (let node: AnyNode | null = element; node && isElement(node); node = node.parent) {
    if (roots.has(node) && shownOnDemand(node)) break;
    const how = hiddenHow(node);
    if (how) return how;
    if (roots.has(node)) break;
  }
  return undefined;
}

export function clip(text: string, max = 240): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
