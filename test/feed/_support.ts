import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { type FeedConfig, feedDefinitionSchema, publisherSchema } from '../../src/config/feeds.ts';
import { type ArticleInput, toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';

/** Shared by the feed tests: a publisher, feed definitions, hostile articles, and an XML reader. */

export const PUBLISHER_YAML = `name: Northwind Review
home: https://northwind.example/
feedBase: https://northwind.example/feeds/
language: en
logo: https://northwind.example/images/logo.png
icon: https://northwind.example/images/icon.png
copyright: Copyright © Northwind Review
itemCopyright: Copyright © {authors}, {publisher}, {year}
attribution: |
  <p class="credit">First published by {publisher}: <a href="{url}">{title}</a>.<br>{copyright}</p>
schemes:
  Theme: https://northwind.example/themes/
`;

export const FEED_YAMLS: Record<string, string> = {
  'all.yaml': 'id: all\ntitle: Everything\ndescription: All articles.\n',
  'peace.yaml':
    'id: peace\ntitle: Peace and Security\nfilter:\n  categories:\n    Theme: [Peace and Security]\nformats: [rss, atom]\n',
  'ana.yaml': 'id: ana\ntitle: Ana Lima\nfilter:\n  authors: [Ana Lima]\ncontent: summary\nlimit: 2\n',
  'plain.yaml': 'id: plain\ntitle: No credit\nattribution: false\nformats: [json]\n',
};

export function writeFeedsFolder(dir: string, feeds: Record<string, string> = FEED_YAMLS): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'publisher.yaml'), PUBLISHER_YAML);
  for (const [name, text] of Object.entries(feeds)) writeFileSync(join(dir, name), text);
  return dir;
}

export const publisher = publisherSchema.parse({
  name: 'Northwind Review',
  home: 'https://northwind.example/',
  feedBase: 'https://northwind.example/feeds/',
  language: 'en',
  logo: 'https://northwind.example/images/logo.png',
  copyright: 'Copyright © Northwind Review',
  attribution:
    '<p class="credit">First published by {publisher}: <a href="{url}">{title}</a>.<br>{copyright}</p>',
  schemes: { Theme: 'https://northwind.example/themes/' },
});

export function feedConfig(...definitions: unknown[]): FeedConfig {
  return { publisher, feeds: definitions.map((definition) => feedDefinitionSchema.parse(definition)) };
}

/** Text that breaks naive feed writers. */
export const HOSTILE_TITLE =
  'Ceasefire <script>alert("x")</script> & AT&amp;T ]]> \u0001\u0007\u001B ctrl \r\n 🕊️👩🏽‍⚖️ مرحبا بالعالم \u202Eevil\u202C';
export const HOSTILE_HTML =
  '<p>Tom &amp; Jerry ]]&gt; and ]]> raw, <code>&lt;script&gt;</code> as text.</p>\r\n' +
  '<p dir="rtl">שלום עולם — مرحبا 🕊️ \u0000nul \u000Bvt \u0085nel \uFFFE \uD800lone</p>';

export const articles: ArticleInput[] = [
  {
    url: 'https://northwind.example/2026/03/ceasefire',
    title: HOSTILE_TITLE,
    published: '2026-03-02T09:00:00Z',
    updated: '2026-03-03T10:00:00Z',
    authors: [
      'Ana Lima',
      { name: 'Omar <Haddad> & "Sons"', url: 'https://northwind.example/authors/omar?a=1&b=2' },
      'Zoë \u0002Ötzi',
    ],
    categories: [
      { term: 'Peace and Security', scheme: 'Theme' },
      { term: 'A <b> & "c"', scheme: 'Region <x>', label: 'Label & <y>' },
    ],
    tags: ['ceasefire', 'tag ]]> <z>'],
    summary: 'Talks & hopes <rise>.',
    html: HOSTILE_HTML,
  },
  {
    url: 'https://northwind.example/2026/02/water?ref=feed&x=1',
    title: 'Water & borders',
    published: '2026-02-20',
    authors: 'Ana Lima',
    categories: [{ term: 'Environment', scheme: 'Theme' }],
    markdown: 'Rivers *cross* borders.',
  },
  {
    url: 'https://northwind.example/2026/02/note',
    id: 'nw-1234',
    title: 'Unsigned note',
    published: '2026-02-19',
    html: '<p>A note.</p>',
    language: 'fr',
  },
  {
    url: 'https://northwind.example/2026/01/old',
    title: 'Old Ana piece',
    published: '2026-01-05',
    authors: ['Ana Lima'],
    categories: [{ term: 'Peace and Security', scheme: 'Theme' }],
    html: '<p>Older.</p>',
  },
];

export async function seededStore(file: string, inputs: ArticleInput[] = articles): Promise<Sql> {
  const sql = await openSql(file);
  await upsertArticles(sql, inputs.map(toArticle));
  return sql;
}

export interface XmlElement {
  name: string;
  uri: string;
  local: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** A strict, namespace-aware XML parse (saxes): throws on anything that is not well-formed. */
export function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: Error | undefined;
  parser.on('error', (error) => {
    failure ??= error;
  });
  parser.on('opentag', (tag) => {
    const attributes: Record<string, string> = {};
    for (const attribute of Object.values(tag.attributes)) {
      const { name, value } = attribute as { name: string; value: string };
      attributes[name] = value;
    }
    const element: XmlElement = {
      name: tag.name,
      uri: tag.uri ?? '',
      local: tag.local ?? tag.name,
      attributes,
      children: [],
      text: '',
    };
    stack.at(-1)?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  parser.on('text', (text) => {
    const top = stack.at(-1);
    if (top) top.text += text;
  });
  parser.on('cdata', (text) => {
    const top = stack.at(-1);
    if (top) top.text += text;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml).close();
  if (failure) throw failure;
  if (!root) throw new Error('no root element');
  return root;
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((node) => node.name === name);
}

export function children(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((node) => node.name === name);
}
