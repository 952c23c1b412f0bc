import { z } from 'zod';
import { elementsUnder } from '../../match/page.ts';
import {
  articleUrls,
  clip,
  namesPattern,
  plain,
  publisherHosts,
  publisherNames,
  readable,
  scopeLines,
} from '../_scope.ts';
import { defineRule, type RuleReport } from '../rule.ts';

/**
 * Credit phrases, by language, as regular expression sources (case-insensitive). A phrase counts
 * when the publisher's name, an alias or a link to the publisher's host follows it closely.
 */
export const CREDIT_PHRASES: Record<string, string[]> = {
  en: [
    "(?:(?:was|is|it's|it was|were|are) )?(?:originally|first) (?:published|appeared|posted|ran|printed|featured|written)",
    'published (?:originally|first)',
    'first (?:appeared|ran|seen)',
    'appeared (?:originally|first)',
    'original source(?: of this (?:article|story|post))?(?: is)?',
    'sources?',
    're-?printed',
    're-?published',
    're-?posted',
    'cross-?posted',
    'syndicated',
    'via',
    'h/t',
    'hat tip(?: to)?',
    'courtesy(?: of)?',
    'credits?',
    'with (?:kind )?permission',
    'read (?:more|the (?:full|original|rest)(?: of the)?(?: article| story| post| piece)?|it all|on) (?:at|on|in|from)',
    'continue reading (?:at|on)',
    'this (?:article|story|post|piece) (?:is|was|comes) (?:from|by|published by)',
    'copied from',
    'taken from',
  ],
  fr: [
    'sources?',
    "(?:publié|paru|parue|publiée|écrit|écrite) (?:initialement|à l'origine|d'abord|originellement|pour la première fois|en premier)",
    "(?:initialement|originellement|d'abord|originalement) (?:publié|publiée|paru|parue)",
    "(?:a )?d'abord été (?:publié|publiée)",
    "(?:a été )?(?:publié|publiée) (?:initialement|à l'origine|d'abord)",
    'article original',
    'reproduit(?:e)?',
    'republié(?:e)?',
    "avec l'aimable autorisation(?: de)?",
    'avec la permission(?: de)?',
    'via',
    'lire la suite (?:sur|chez|dans)',
    "lire l'article (?:original|complet) (?:sur|chez|dans)",
    'traduit de',
    'traduction de',
    'tiré de',
    'extrait de',
    'crédits?',
  ],
  es: [
    'fuentes?',
    '(?:publicado|publicada|escrito|escrita) (?:originalmente|inicialmente|por primera vez|primero)',
    '(?:originalmente|originariamente) (?:publicado|publicada)',
    'apareció (?:originalmente|primero|por primera vez|inicialmente)',
    'artículo original',
    'reproducido',
    'reproducida',
    'republicado',
    'republicada',
    'cortesía de',
    'con permiso de',
    'vía',
    'via',
    'leer más en',
    'traducido de',
    'tomado de',
    'créditos?',
  ],
  de: [
    'quellen?',
    'ursprünglich (?:veröffentlicht|erschienen)',
    'zuerst (?:erschienen|veröffentlicht)',
    'erstmals (?:erschienen|veröffentlicht)',
    'erschien (?:zuerst|ursprünglich|erstmals)',
    'erstveröffentlichung',
    'nachdruck',
    'mit freundlicher genehmigung(?: von)?',
    'via',
    'übersetzt aus',
    'weiterlesen (?:bei|auf)',
  ],
  pt: [
    'fontes?',
    '(?:publicado|publicada) (?:originalmente|inicialmente|pela primeira vez|primeiro)',
    '(?:originalmente|inicialmente) (?:publicado|publicada)',
    'foi publicad[oa] (?:originalmente|inicialmente|pela primeira vez)',
    'artigo original',
    'republicad[oa]',
    'reproduzid[oa]',
    'cortesia de',
    'com permissão de',
    'via',
    'leia (?:mais|o original|o artigo original|na íntegra) (?:em|no|na)',
    'traduzido de',
  ],
  it: [
    'fonte',
    'fonti',
    '(?:pubblicato|pubblicata) (?:originariamente|originalmente|inizialmente|per la prima volta)',
    '(?:originariamente|originalmente|inizialmente) (?:pubblicato|pubblicata)',
    '(?:è )?(?:apparso|apparsa) (?:originariamente|originalmente|inizialmente|per la prima volta)',
    'articolo originale',
    'ripubblicat[oa]',
    'riprodott[oa]',
    'per gentile concessione(?: di)?',
    'su concessione di',
    'via',
    'tratto da',
    "leggi (?:tutto|l'articolo originale|il resto) (?:su|in)",
    'tradotto da',
  ],
};

/** Characters allowed between a credit phrase and the name ("originally published on 3 March by …"). */
const REACH = 80;

/** A credit line is short; a longer line is the post's own text, where a name is only a mention. */
const CREDIT_LINE_WORDS = 30;

/** Class or id names of elements that are a credit line by themselves. */
const CREDIT_ELEMENT =
  /(?:^|[-_])(?:source|sources|credit|credits|attribution|origin|original|reprint|syndicat\w*)(?:$|[-_])/i;

export default defineRule({
  meta: {
    id: 'source-attribution',
    title: 'The reprint names the publisher as its source',
    failureTitle: 'The reprint does not name the publisher as its source',
    description:
      'Passes when the post itself (not a sidebar widget or the site footer) credits the publisher by its name, an alias or a link to its site, in the ways sites write a credit: "originally published by", "Source:", "first appeared at", "reprinted from", "via", "courtesy of", "Publié à l\'origine par", "Fuente:", "Quelle:", "Fonte:" (English, French, Spanish, German, Portuguese and Italian built in, for the languages the terms list), or a short credit line that names the publisher next to the link to the original or a copyright sign. Quotes, apostrophes and spaces of every kind count alike; the post is found from the reprinted text outward, so a credit in an aside, a footer or a note after the text counts and one in comments, a sidebar or the site footer does not.',
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
    const names = [...publisherNames(terms), ...publisherHosts(terms, context.article)].map(plain);
    const name = namesPattern(names);
    // The phrase is searched for only in a line where a name is at all, even inside a longer word
    // (the piece after a phrase, cut at the reach, may end in one): in the rest the phrase pattern,
    // a hundred alternatives and the costliest step of every check, could find nothing.
    const mention = namesPattern(names, { anywhere: true });
    const phrases: string[] = [];
    for (const language of terms.languages) {
      phrases.push(...(CREDIT_PHRASES[language.split('-')[0]!] ?? []), ...(options.phrases[language] ?? []));
    }
    const phrase = new RegExp(
      `(?<![\\p{L}\\p{N}])(?:${phrases.map(plain).join('|')})(?![\\p{L}\\p{N}])\\s*[:\\-–—]?`,
      'giu',
    );
    const data = { publisher: terms.publisher.name };
    const originals = articleUrls(context.article);
    const lines = scopeLines(context.scope, context.page.base, { linkHosts: true, originals });
    for (const line of lines) {
      if (!mention.test(line)) continue;
      for (const found of line.matchAll(phrase)) {
        const after = line.slice(found.index + found[0].length, found.index + found[0].length + REACH);
        if (name.test(after)) {
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
    // A credit line without a credit word: the publisher named next to the link to the original
    // or to a copyright sign ("<a href=ORIGINAL>Northwind Review</a> · © 2019"). In a long line the
    // name is only a mention in the post's own text.
    for (const line of lines) {
      const words = line
        .replace(/⟦[^⟧]*⟧/g, ' ')
        .split(/\s+/)
        .filter(Boolean).length;
      if (words > CREDIT_LINE_WORDS) continue;
      const named = name.test(line.replace(/⟦[^⟧]*⟧/g, ' '));
      if (named && (line.includes('⟦original⟧') || /©|\(c\)|copyright/i.test(line))) {
        return { outcome: 'pass', messageId: 'found', data, evidence: clip(line), details: { phrase: '' } };
      }
    }
    // A credit line marked as such by the theme (class "source", "credit", "attribution" …).
    const roots = new Set(context.scope);
    for (const element of context.scope) {
      const marked = elementsUnder(
        element,
        (node) =>
          node.type === 'tag' &&
          (node.attribs.class !== undefined || node.attribs.id !== undefined) &&
          readable(node, roots) &&
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
