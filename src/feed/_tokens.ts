import { xmlAttribute } from '../text/xml.ts';

/** `<atom:link>` (or `<link>` in Atom) elements for hubs and RFC 5005 archive links, one a line. */
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
