import { xmlAttribute, xmlText } from '../text/xml.ts';
import type { FeedDocument } from './model.ts';

/**
 * OPML 2.0 list of every feed, for readers that subscribe to a whole publisher at once. One outline
 * a feed, pointing at its RSS (else Atom, else JSON) file. OPML 2.0 makes every subscription
 * `type="rss"` (readers skip other types), and leaves `version` to say which format the file is:
 * RSS 2.0, Atom or JSON Feed, so that a reader does not fetch a JSON Feed expecting XML.
 */
const OPML_VERSIONS = { rss: 'RSS2', atom: 'Atom', json: 'JSONFeed' } as const;

export function renderOpml(title: string, owner: string, feeds: readonly FeedDocument[]): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '    <head>',
    `        <title>${xmlText(title)}</title>`,
    `        <ownerName>${xmlText(owner)}</ownerName>`,
    '    </head>',
    '    <body>',
  ];
  for (const feed of feeds) {
    const [format, url] = (['rss', 'atom', 'json'] as const)
      .map((name) => [name, feed.self[name]] as const)
      .find(([, value]) => value !== undefined) ?? [undefined, undefined];
    if (!format || !url) continue;
    const attributes: Array<[string, string]> = [
      ['type', 'rss'],
      ['version', OPML_VERSIONS[format]],
      ['text', feed.title],
      ['title', feed.title],
      ['xmlUrl', url],
      ['htmlUrl', feed.home],
      ['language', feed.language],
    ];
    if (feed.description) attributes.push(['description', feed.description]);
    lines.push(
      `        <outline ${attributes.map(([name, value]) => `${name}="${xmlAttribute(value)}"`).join(' ')}/>`,
    );
  }
  lines.push('    </body>', '</opml>', '');
  return lines.join('\n');
}
