import { xmlAttribute, xmlText } from './text.ts';

/**
 * How we drive the `feed` library without inheriting its escaping bugs (measured on 6.0.0: control
 * characters and `<` in attributes give XML that is not well-formed, `]]>` is split only once,
 * `&amp;` in text is un-escaped, every URL and id is rewritten by `new URL()` or throws).
 *
 * `feed` is given a short, inert token for every value; it lays out the document (elements,
 * order, namespaces) around them; then each token, together with the CDATA section `feed` may have
 * wrapped it in, is replaced by the value escaped for exactly where it stands.
 */
export type TokenContext = 'text' | 'attribute';

const TOKEN = /<!\[CDATA\[@@(\d+)@@\]\]>|@@(\d+)@@|https:\/\/t\.invalid\/(\d+)/g;

export class Tokens {
  private readonly values: string[] = [];

  /** A token for text; `escaped` says the value is already escaped for its place. */
  text(value: string, context: TokenContext = 'text', escaped = false): string {
    return `@@${this.add(value, context, escaped)}@@`;
  }

  /** A token that passes `new URL()` unchanged, for the fields `feed` parses as URLs. */
  url(value: string, context: TokenContext = 'text'): string {
    return `https://t.invalid/${this.add(value, context, false)}`;
  }

  /** The document with every token replaced by its value. */
  fill(document: string): string {
    return document.replace(TOKEN, (_whole, cdata?: string, text?: string, url?: string) => {
      const value = this.values[Number(cdata ?? text ?? url)];
      if (value === undefined) throw new Error('feed output holds a token that was never issued');
      return value;
    });
  }

  private add(value: string, context: TokenContext, escaped: boolean): number {
    this.values.push(escaped ? value : context === 'attribute' ? xmlAttribute(value) : xmlText(value));
    return this.values.length - 1;
  }
}

/**
 * Put `extra` (already escaped XML) into a feed's header: before its first item or entry, else
 * before the closing tag. `feed` has no place for the links it does not know (hubs, archives).
 */
export function insertIntoHeader(
  xml: string,
  firstChild: '<item>' | '<entry',
  closing: string,
  extra: string,
): string {
  if (!extra) return xml;
  const at = xml.indexOf(firstChild);
  const position = at >= 0 ? xml.lastIndexOf('\n', at) + 1 || at : xml.lastIndexOf(closing);
  return xml.slice(0, position) + extra + xml.slice(position);
}

/** `<atom:link>` (or `<link>` in Atom) elements for hubs and RFC 5005 archive links. */
export function headerLinks(
  element: string,
  indent: string,
  links: ReadonlyArray<{ rel: string; href: string | undefined; type?: string }>,
): string {
  return links
    .filter((link) => link.href !== undefined)
    .map(
      (link) =>
        `${indent}<${element} href="${xmlAttribute(link.href!)}" rel="${link.rel}"${link.type ? ` type="${link.type}"` : ''}/>\n`,
    )
    .join('');
}
