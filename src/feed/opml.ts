import type { FeedDocument } from './model.ts';
import { xmlAttribute, xmlText } from './text.ts';

/**
 * OPML 2.0 list of every feed, for readers that subscribe to a whole publisher at once. One outline
 * a feed, pointing at its RSS (else Atom, else JSON) file; OPML calls every feed type "rss".
 */
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
    const url = feed.self.rss ?? feed.self.atom ?? feed.self.json;
    if (!url) continue;
    const attributes: Array<[string, string]> = [
      ['type', 'rss'],
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
