import type { Element } from 'domhandler';
import { z } from 'zod';
import { clip, namesPattern, publisherHosts, publisherNames, scopeLines } from '../_scope.ts';
import { defineRule, type RuleReport } from '../rule.ts';

/**
 * Credit phrases, by language, as regular expression sources (case-insensitive). A phrase counts
 * when the publisher's name, an alias or a link to the publisher's host follows it closely.
 */
export const CREDIT_PHRASES: Record<string, string[]> = {
  en: [
    '(?:was |is )?(?:originally|first) (?:published|appeared|posted|ran|printed)',
    'published (?:originally|first)',
    'first appeared',
    'original source(?: of this (?:article|story|post))?(?: is)?',
    'sources?',
    're-?printed',
    're-?published',
    're-?posted',
    'cross-?posted',
    'syndicated',
    'via',
    'courtesy(?: of)?',
    'credits?',
    'with (?:kind )?permission',
    'read (?:more|the (?:full|original|rest of the)(?: article| story| post)?|it all) (?:at|on|in)',
    'this (?:article|story|post|piece) (?:is|was) (?:from|by|published by)',
    'copied from',
    'taken from',
  ],
  fr: [
    'sources?',
    "(?:publié|paru|parue|publiée) (?:initialement|à l'origine|d'abord|originellement|pour la première fois)",
    '(?:initialement|originellement|d.abord) (?:publié|publiée|paru|parue)',
    'article original',
    'reproduit',
    'republié',
    "avec l'aimable autorisation",
    'via',
    'lire la suite (?:sur|chez)',
    'traduit de',
    'traduction de',
  ],
  es: [
    'fuentes?',
    '(?:publicado|publicada) (?:originalmente|inicialmente|por primera vez)',
    'originalmente (?:publicado|publicada)',
    'apareció (?:originalmente|primero|por primera vez)',
    'artículo original',
    'reproducido',
    'republicado',
    'cortesía de',
    'vía',
    'via',
    'leer más en',
    'traducido de',
  ],
  de: [
    'quellen?',
    'ursprünglich (?:veröffentlicht|erschienen)',
    'zuerst erschienen',
    'erstveröffentlichung',
    'nachdruck',
    'mit freundlicher genehmigung',
    'via',
    'übersetzt aus',
  ],
};

/** Characters allowed between a credit phrase and the name ("originally published on 3 March by …"). */
const REACH = 80;

/** Class or id names of elements that are a credit line by themselves. */
const CREDIT_ELEMENT =
  /(?:^|[-_])(?:source|sources|credit|credits|attribution|origin|original|reprint|syndicat\w*)(?:$|[-_])/i;

export default defineRule({
  meta: {
    id: 'source-attribution',
    title: 'The reprint names the publisher as its source',
    failureTitle: 'The reprint does not name the publisher as its source',
    description:
      'Passes when the post itself (not a sidebar widget or the site footer) credits the publisher by its name, an alias or a link to its site, in the ways sites write a credit: "originally published by", "Source:", "first appeared at", "reprinted from", "via", "courtesy of", a credit line in the post footer, and the same phrases in the languages the terms list.',
    optionsSchema: z
      .strictObject({
        phrases: z
          .record(z.string(), z.array(z.string().min(1)))
          .default({})
          .describe('extra credit phrases by language code (regular expressions, case-insensitive)'),
      })
      .default({ phrases: {} }),
    messages: {
      missing: 'The post does not name {{publisher}} as the source of the article.',
      found: 'The post credits {{publisher}}.',
    },
  },
  check(context): RuleReport {
    const { terms, options } = context;
    const names = [...publisherNames(terms), ...publisherHosts(terms, context.article)];
    const name = namesPattern(names);
    const phrases: string[] = [];
    for (const language of terms.languages) {
      phrases.push(...(CREDIT_PHRASES[language.split('-')[0]!] ?? []), ...(options.phrases[language] ?? []));
    }
    const phrase = new RegExp(
      `(?<![\\p{L}\\p{N}])(?:${phrases.join('|')})(?![\\p{L}\\p{N}])\\s*[:\\-–—]?`,
      'giu',
    );
    const data = { publisher: terms.publisher.name };
    for (const line of scopeLines(context.scope, context.page.base, { linkHosts: true })) {
      for (const found of line.matchAll(phrase)) {
        const after = line.slice(found.index + found[0].length, found.index + found[0].length + REACH);
        const named = name.exec(after);
        if (named) {
          return {
            outcome: 'pass',
            messageId: 'found',
            data,
            evidence: clip(line),
            details: { phrase: found[0].trim() },
          };
        }
      }
    }
    // A credit line marked as such by the theme (class "source", "credit", "attribution" …).
    for (const element of context.scope) {
      const $ = context.page.$;
      const marked = $(element)
        .find('[class], [id]')
        .addBack()
        .toArray()
        .filter((node): node is Element => node.type === 'tag')
        .filter((node) =>
          [...(node.attribs.class ?? '').split(/\s+/), node.attribs.id ?? ''].some((token) =>
            CREDIT_ELEMENT.test(token),
          ),
        );
      for (const node of marked) {
        const line = scopeLines([node], context.page.base, { linkHosts: true }).join(' ');
        if (name.test(line)) return { outcome: 'pass', messageId: 'found', data, evidence: clip(line) };
      }
    }
    return {
      outcome: 'fail',
      messageId: 'missing',
      data,
      evidence: 'no credit naming the publisher in the post',
    };
  },
});
