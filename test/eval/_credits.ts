/**
 * Credits as real republishers write them, in six languages: a credit phrase with the publisher's
 * name (by name, alias, host, or as the text of a link to the original), a copyright line in its
 * many forms, and a link to the original. Typographic apostrophes, quotes and no-break spaces are
 * mixed in the way publishing tools produce them.
 */
export const PUBLISHER = 'Northwind Review';

export interface Wording {
  language: string;
  /** `{NAME}` is the publisher as named in the credit. */
  template: string;
}

export const WORDINGS: Wording[] = [
  { language: 'en', template: 'Originally published by {NAME} on 14 March 2019.' },
  { language: 'en', template: 'This article first appeared in {NAME}.' },
  { language: 'en', template: 'Source: {NAME}' },
  { language: 'en', template: 'Via {NAME}' },
  { language: 'en', template: 'Reprinted from {NAME} with permission.' },
  { language: 'en', template: 'Republished from {NAME} under its reprint terms.' },
  { language: 'en', template: 'Courtesy of {NAME}.' },
  { language: 'en', template: 'This story was originally published at {NAME}.' },
  { language: 'en', template: 'It’s republished here with permission from {NAME}.' },
  { language: 'en', template: 'This piece originally ran on {NAME}.' },
  { language: 'en', template: 'Read the rest at {NAME}' },
  { language: 'en', template: 'Credit: {NAME}' },
  { language: 'fr', template: 'Publié à l’origine par {NAME}.' },
  { language: 'fr', template: "Publié à l'origine par {NAME}." },
  { language: 'fr', template: 'Source\u00a0: {NAME}' },
  { language: 'fr', template: 'Cet article a d’abord été publié sur {NAME}.' },
  { language: 'fr', template: 'Article paru initialement dans {NAME}.' },
  { language: 'es', template: 'Fuente: {NAME}' },
  { language: 'es', template: 'Publicado originalmente en {NAME}.' },
  { language: 'es', template: 'Este artículo apareció originalmente en {NAME}.' },
  { language: 'es', template: 'Reproducido con permiso de {NAME}.' },
  { language: 'de', template: 'Quelle: {NAME}' },
  { language: 'de', template: 'Dieser Artikel erschien zuerst bei {NAME}.' },
  { language: 'de', template: 'Ursprünglich veröffentlicht von {NAME}.' },
  { language: 'de', template: 'Mit freundlicher Genehmigung von {NAME}.' },
  { language: 'pt', template: 'Fonte: {NAME}' },
  { language: 'pt', template: 'Publicado originalmente em {NAME}.' },
  { language: 'pt', template: 'Este artigo foi publicado originalmente no {NAME}.' },
  { language: 'pt', template: 'Republicado de {NAME}.' },
  { language: 'it', template: 'Fonte: {NAME}' },
  { language: 'it', template: 'Pubblicato originariamente su {NAME}.' },
  { language: 'it', template: 'Questo articolo è apparso per la prima volta su {NAME}.' },
  { language: 'it', template: 'Ripubblicato da {NAME}.' },
  // No credit word: the name is the credit line's link to the original.
  { language: 'en', template: '{LINKED}' },
];

export const READ_ORIGINAL: Record<string, string> = {
  en: 'Read the original article',
  fr: 'Lire l’article original',
  es: 'Leer el artículo original',
  de: 'Zum Originalartikel',
  pt: 'Leia o artigo original',
  it: 'Leggi l’articolo originale',
};

const RIGHTS: Record<string, string> = {
  en: 'All rights reserved.',
  fr: 'Tous droits réservés.',
  es: 'Todos los derechos reservados.',
  de: 'Alle Rechte vorbehalten.',
  pt: 'Todos os direitos reservados.',
  it: 'Tutti i diritti riservati.',
};

/** `{YEAR}`, `{AUTHOR}` and `{RIGHTS}` are filled in. */
export const COPYRIGHTS = [
  '© {YEAR} Northwind Review',
  '(c) Northwind Review {YEAR}',
  '&copy; {AUTHOR}',
  'Copyright {YEAR} Northwind Review. {RIGHTS}',
  'Northwind Review {YEAR}. {RIGHTS}',
  'Copyright © Northwind Review',
  '© {AUTHOR} / Northwind Review, {YEAR}',
  '©\u00a0{YEAR}\u00a0Northwind\u00a0Review',
];

export type NameForm = 'name' | 'alias' | 'host' | 'linked' | 'quoted' | 'tracked';
export const NAME_FORMS: NameForm[] = ['name', 'alias', 'host', 'linked', 'quoted', 'tracked'];

export interface CreditParts {
  wording: Wording;
  nameForm: NameForm;
  copyright: string | undefined;
  /** `original`: a link to the article; `home`: to the home page only; `none`. */
  link: 'original' | 'home' | 'none';
  original: string;
  author: string;
  /** Swap straight apostrophes and spaces for typographic ones. */
  typographic: boolean;
}

export function nameAs(form: NameForm, original: string): { html: string; linksOriginal: boolean } {
  switch (form) {
    case 'name':
      return { html: PUBLISHER, linksOriginal: false };
    case 'alias':
      return { html: 'The Northwind', linksOriginal: false };
    case 'host':
      return { html: 'northwind.example', linksOriginal: false };
    case 'quoted':
      return { html: `“${PUBLISHER}”`, linksOriginal: false };
    case 'linked':
      return { html: `<a href="${original}">${PUBLISHER}</a>`, linksOriginal: true };
    case 'tracked':
      return {
        html: `<a href="${original.replace('https://', 'http://www.')}?utm_source=rss&amp;utm_medium=feed">${PUBLISHER}</a>`,
        linksOriginal: true,
      };
  }
}

export function creditHtml(parts: CreditParts): string {
  const named =
    parts.link === 'original'
      ? nameAs(parts.nameForm, parts.original)
      : nameAs(
          parts.nameForm === 'linked' || parts.nameForm === 'tracked' ? 'name' : parts.nameForm,
          parts.original,
        );
  let source = parts.wording.template.includes('{LINKED}')
    ? parts.wording.template.replace('{LINKED}', `<a href="${parts.original}">${PUBLISHER}</a>`)
    : parts.wording.template.replace('{NAME}', named.html);
  const linked = named.linksOriginal || parts.wording.template.includes('{LINKED}');
  const pieces = [source];
  if (parts.copyright) {
    pieces.push(
      parts.copyright
        .replace('{YEAR}', '2019')
        .replace('{AUTHOR}', parts.author)
        .replace('{RIGHTS}', RIGHTS[parts.wording.language] ?? RIGHTS.en!),
    );
  }
  if (parts.link === 'original' && !linked)
    pieces.push(`<a href="${parts.original}">${READ_ORIGINAL[parts.wording.language]}</a>`);
  if (parts.link === 'home') pieces.push('<a href="https://northwind.example/">northwind.example</a>');
  source = pieces.join(' ');
  if (parts.typographic) source = source.replace(/ (?=[^<>]*(?:<|$))/g, () => '\u00a0').replace(/'/g, '’');
  return source;
}
