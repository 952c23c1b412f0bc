import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSources } from '../../src/ingest/import.ts';
import { readMarkdown } from '../../src/ingest/markdown.ts';
import { getArticle } from '../../src/store/articles.ts';
import { freshStore, snapshot } from './_store.ts';

const good = `---
id: nw-0001
url: https://northwind.example/2026/03/river-talks/
title: River talks resume
published: 2026-03-02T09:30:00+01:00
updated: 2026-03-03
authors:
  - Ana Lima
  - { name: Jonas Berg, url: https://northwind.example/authors/berg/, email: berg@northwind.example }
summary: Negotiators meet again.
categories:
  - { term: Sahel, scheme: Region }
  - { term: Water Security, scheme: Theme, label: Water security }
  - Analysis
tags: [rivers, treaties]
language: en
image: https://northwind.example/img/river.jpg
rights: Copyright © 2026 Ana Lima, Northwind Review
aliases: [https://northwind.example/?p=17]
---

Negotiators met on **Monday**.

A second paragraph, with a [link](https://example.org/).
`;

describe('Markdown reader', () => {
  it('round-trips a file with every field into a real store', async () => {
    const { db, dir } = await freshStore();
    const file = join(dir, 'river.md');
    writeFileSync(file, good);
    const summary = await importSources(db, [file]);
    expect(summary.failed).toBe(0);
    expect(summary.files[0]?.inserted).toEqual(['nw-0001']);
    const article = await getArticle(db, 'nw-0001');
    expect(article).toEqual({
      id: 'nw-0001',
      url: 'https://northwind.example/2026/03/river-talks/',
      title: 'River talks resume',
      published: '2026-03-02T08:30:00.000Z',
      updated: '2026-03-03T00:00:00.000Z',
      authors: [
        { name: 'Ana Lima' },
        {
          name: 'Jonas Berg',
          url: 'https://northwind.example/authors/berg/',
          email: 'berg@northwind.example',
        },
      ],
      summary: 'Negotiators meet again.',
      html: '<p>Negotiators met on <strong>Monday</strong>.</p>\n<p>A second paragraph, with a <a href="https://example.org/">link</a>.</p>',
      categories: [
        { term: 'Sahel', scheme: 'Region' },
        { term: 'Water Security', scheme: 'Theme', label: 'Water security' },
        { term: 'Analysis' },
      ],
      tags: ['rivers', 'treaties'],
      language: 'en',
      image: 'https://northwind.example/img/river.jpg',
      rights: 'Copyright © 2026 Ana Lima, Northwind Review',
      aliases: ['https://northwind.example/?p=17'],
    });
    await db.close();
  });

  it('accepts CRLF line ends and a byte order mark', () => {
    const [record] = readMarkdown(`\uFEFF${good.replaceAll('\n', '\r\n')}`, 'crlf.md');
    expect(record?.article.title).toBe('River talks resume');
    expect(record?.article.html).toContain('<strong>Monday</strong>');
  });

  const broken: Array<[string, string, RegExp]> = [
    [
      'broken YAML',
      good.replace('title: River talks resume', 'title: [River talks'),
      /^bad\.md:5: invalid YAML/,
    ],
    [
      'a missing title',
      good.replace('title: River talks resume\n', ''),
      /^bad\.md:2: title: required, but missing$/,
    ],
    [
      'a bad date',
      good.replace('published: 2026-03-02T09:30:00+01:00', 'published: 2 March 2026'),
      /^bad\.md:5: published: not an ISO 8601 date/,
    ],
    [
      'a relative url',
      good.replace('url: https://northwind.example/2026/03/river-talks/', 'url: /2026/03/river-talks/'),
      /^bad\.md:3: url: must be an absolute/,
    ],
    [
      'a bad author email',
      good.replace('berg@northwind.example', 'not-an-email'),
      /^bad\.md:9: authors\[1\]/,
    ],
    [
      'html in the front matter',
      good.replace('language: en', 'html: <p>x</p>'),
      /^bad\.md:16: html: not allowed in front matter/,
    ],
    [
      'markdown in the front matter',
      good.replace('language: en', 'markdown: x'),
      /^bad\.md:16: markdown: not allowed/,
    ],
    ['no front matter', 'Just text.\n', /^bad\.md:1: missing YAML front matter/],
    ['an unclosed front matter', '---\ntitle: x\n', /^bad\.md:1: front matter is not closed/],
    [
      'an unknown field',
      good.replace('language: en', 'colour: red'),
      /^bad\.md:16: colour: unknown field "colour"/,
    ],
  ];

  it.each(broken)(
    'refuses %s with file:line and field, leaving the store unchanged',
    async (_name, text, message) => {
      const { db, dir } = await freshStore();
      const first = join(dir, 'first.md');
      writeFileSync(first, good);
      await importSources(db, [first]);
      const before = await snapshot(db);
      const file = join(dir, 'bad.md');
      writeFileSync(file, text);
      const summary = await importSources(db, [file]);
      expect(summary.failed).toBe(1);
      const error = summary.files[0]!.error!;
      expect(error.toString().replace(`${dir}/`, '')).toMatch(message);
      expect(await snapshot(db)).toEqual(before);
      await db.close();
    },
  );

  it('imports a folder recursively in sorted order, each file on its own', async () => {
    const { db, dir } = await freshStore();
    const folder = join(dir, 'articles');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(folder, 'b-sub'), { recursive: true });
    const article = (slug: string) =>
      `---\nurl: https://northwind.example/${slug}/\ntitle: ${slug}\npublished: 2025-05-01\n---\nText of ${slug}.\n`;
    writeFileSync(join(folder, 'c.md'), article('c'));
    writeFileSync(join(folder, 'a.md'), article('a'));
    writeFileSync(join(folder, 'b-sub', 'b.md'), article('b'));
    writeFileSync(join(folder, 'notes.txt'), 'not an article');
    writeFileSync(join(folder, 'broken.md'), '---\nurl: https://northwind.example/x/\n---\n');
    const summary = await importSources(db, [folder]);
    expect(summary.files.map((file) => file.source.slice(folder.length + 1))).toEqual([
      'a.md',
      'b-sub/b.md',
      'broken.md',
      'c.md',
    ]);
    expect(summary.inserted).toBe(3);
    expect(summary.failed).toBe(1);
    expect(summary.files[2]?.error?.where).toMatchObject({ line: 2, field: 'title' });
    await db.close();
  });
});
