import type { Element } from 'domhandler';
import { z } from 'zod';
import { elementsUnder } from '../../match/page.ts';
import { bareHost, matchKey, resolveHttpUrl } from '../../net/url.ts';
import { articleUrls, clip, hiddenBy, publisherHosts, readable } from '../_scope.ts';
import { defineRule, type RuleReport } from '../rule.ts';

const REL_VALUES = ['nofollow', 'ugc', 'sponsored', 'noopener', 'noreferrer'] as const;

interface FoundLink {
  href: string;
  /** The href resolved against the page: where a reader's click goes. */
  absolute: string;
  /** The absolute URL normalised for comparison with the article's URL and aliases. */
  target: string;
  text: string;
  rel: string[];
  hidden?: string;
}

function describe(link: FoundLink): string {
  const rel = link.rel.length ? ` rel="${link.rel.join(' ')}"` : '';
  const hidden = link.hidden ? ` (hidden: ${link.hidden})` : '';
  return clip(`<a href="${link.href}"${rel}>${link.text}</a>${hidden}`);
}

export default defineRule({
  meta: {
    id: 'link-to-original',
    title: 'The reprint links to the original article',
    failureTitle: 'The reprint does not link to the original article',
    description:
      "Passes when the post has a visible <a href> whose target, resolved against the page and normalised (scheme, www., trailing slash, default port, fragment, utm_*/fbclid/gclid, AMP forms), is the article's URL or one of its aliases. A link to the publisher's home page only, or to another article, fails with its own message; a link hidden by the hidden attribute, aria-hidden or inline display:none/visibility:hidden does not count. rel values are recorded; those listed in relFails make the link not count.",
    optionsSchema: z
      .strictObject({
        relFails: z
          .array(z.enum(REL_VALUES))
          .default([])
          .describe('rel values that make a link to the original not count, e.g. [sponsored]'),
      })
      .default({ relFails: [] }),
    messages: {
      found: 'The post links to the original article.',
      missing: 'The post has no link to the original article {{url}}.',
      homeOnly: "The post links only to the publisher's home page, not to the original article {{url}}.",
      otherArticle:
        'The post links to another page of the publisher ({{linked}}), not to the original article {{url}}.',
      hiddenLink: 'The link to the original article is hidden ({{how}}).',
      relNotAllowed: 'The link to the original article carries rel="{{rel}}", which the terms do not accept.',
    },
  },
  check(context): RuleReport {
    const { $ } = context.page;
    const originals = articleUrls(context.article);
    const hosts = publisherHosts(context.terms, context.article);
    const home = matchKey(context.terms.publisher.home);
    const homes = new Set([home, ...hosts]);
    const toOriginal: FoundLink[] = [];
    const toHome: FoundLink[] = [];
    const toOther: FoundLink[] = [];
    const seen = new Set<Element>();
    const roots = new Set(context.scope);
    for (const element of context.scope) {
      for (const anchor of elementsUnder(
        element,
        (node) => node.name === 'a' && node.attribs.href !== undefined,
      )) {
        if (seen.has(anchor) || !readable(anchor, roots)) continue;
        seen.add(anchor);
        const href = anchor.attribs.href ?? '';
        const resolved = resolveHttpUrl(href, context.page.base);
        if (!resolved) continue;
        const target = matchKey(resolved);
        if (!target) continue;
        const link: FoundLink = {
          href,
          absolute: resolved.href,
          target,
          text: $(anchor).text().replace(/\s+/g, ' ').trim(),
          rel: (anchor.attribs.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean),
        };
        const hidden = hiddenBy(anchor, roots);
        if (hidden) link.hidden = hidden;
        if (originals.has(target)) toOriginal.push(link);
        else if (homes.has(target)) toHome.push(link);
        else if (hosts.has(bareHost(resolved.hostname))) toOther.push(link);
      }
    }
    const url = context.article.url;
    const relFails = new Set<string>(context.options.relFails);
    const visible = toOriginal.filter((link) => !link.hidden);
    const accepted = visible.filter((link) => !link.rel.some((value) => relFails.has(value)));
    // Every link of the post that points at the publisher, with where it leads: the evidence a
    // rights manager reads to see what the reprint links to and with which rel.
    const details = {
      links: [
        ...toOriginal.map((link) => ({ ...linkEvidence(link), to: 'original' })),
        ...toHome.map((link) => ({ ...linkEvidence(link), to: 'home' })),
        ...toOther.map((link) => ({ ...linkEvidence(link), to: 'other' })),
      ],
    };
    if (accepted.length > 0) {
      return { outcome: 'pass', messageId: 'found', evidence: describe(accepted[0]!), details };
    }
    if (visible.length > 0) {
      const rel = visible[0]!.rel.filter((value) => relFails.has(value)).join(' ');
      return {
        outcome: 'fail',
        messageId: 'relNotAllowed',
        data: { rel },
        evidence: describe(visible[0]!),
        details,
      };
    }
    if (toOriginal.length > 0) {
      const link = toOriginal[0]!;
      return {
        outcome: 'fail',
        messageId: 'hiddenLink',
        data: { how: link.hidden ?? '' },
        evidence: describe(link),
        details,
      };
    }
    if (toOther.length > 0) {
      const link = toOther[0]!;
      return {
        outcome: 'fail',
        messageId: 'otherArticle',
        data: { url, linked: resolveHttpUrl(link.href, context.page.base)?.href ?? link.href },
        evidence: describe(link),
        details,
      };
    }
    if (toHome.length > 0) {
      return {
        outcome: 'fail',
        messageId: 'homeOnly',
        data: { url },
        evidence: describe(toHome[0]!),
        details,
      };
    }
    return {
      outcome: 'fail',
      messageId: 'missing',
      data: { url },
      evidence: 'no link to the article in the post',
      details,
    };
  },
});

function linkEvidence(link: FoundLink) {
  return { href: link.absolute, text: link.text, rel: link.rel, hidden: link.hidden ?? null };
}
