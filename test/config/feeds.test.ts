import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFeedConfig } from '../../src/config/feeds.ts';
import { PUBLISHER_YAML, writeFeedsFolder } from '../feed/_support.ts';
import { tempDir } from '../helpers/tmp.ts';

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return String(error);
  }
  throw new Error('expected an error');
}

describe('feed definitions (feeds/*.yaml)', () => {
  it("loads the project's own example: all, a theme and an author feed", () => {
    const config = loadFeedConfig('feeds');
    expect(config.publisher.name).toBe('Northwind Review');
    expect(config.publisher.feedBase).toBe('https://northwind.example/feeds/');
    const byId = new Map(config.feeds.map((feed) => [feed.id, feed]));
    expect(byId.get('all')?.filter).toEqual({});
    expect(byId.get('water-security')?.filter.categories).toEqual({ Theme: ['Water Security'] });
    expect(byId.get('ana-lima')?.filter.authors).toEqual(['Ana Lima']);
  });

  it('fills defaults: 50 items, full content, every format, attribution on and tombstones off', () => {
    const dir = writeFeedsFolder(tempDir(), { 'x.yaml': 'id: x\ntitle: X\n' });
    expect(loadFeedConfig(dir).feeds[0]).toEqual({
      id: 'x',
      title: 'X',
      filter: {},
      limit: 50,
      content: 'full',
      formats: ['rss', 'atom', 'json'],
      attribution: true,
      tombstones: false,
    });
  });

  it.each([
    ['id: X Y\ntitle: t\n', /x\.yaml:1: id: must be lower-case/],
    ['id: x\ntitle: t\nlimit: 0\n', /x\.yaml:3: limit: /],
    ['id: x\ntitle: t\ncontent: teaser\n', /x\.yaml:3: content: /],
    ['id: x\ntitle: t\nfilter:\n  categories:\n    Theme: []\n', /x\.yaml:5: filter\.categories\.Theme: /],
    [
      'id: x\ntitle: t\nfilter:\n  language: english\n',
      /x\.yaml:4: filter\.language: must be a language tag/,
    ],
    ['id: x\ntitle: t\nformats: [rss, rss]\n', /x\.yaml:3: formats: lists a format twice/],
    ['id: x\ntitle: t\ncolour: red\n', /x\.yaml:1: .*colour/],
  ])('rejects %j naming file, line and field', (text, message) => {
    const dir = writeFeedsFolder(tempDir(), { 'x.yaml': text });
    expect(errorOf(() => loadFeedConfig(dir))).toMatch(message);
  });
});

describe('publisher identity (feeds/publisher.yaml)', () => {
  it.each([
    [
      'attribution: |\n  <p>{publisher} {copyright}</p>\n',
      /publisher\.yaml:\d+: attribution: must link to the original article/,
    ],
    [
      'attribution: |\n  <p>{publisher} <a href="{url}">x</a></p>\n',
      /attribution: must carry the copyright line/,
    ],
    ['attribution: |\n  <p><a href="{url}">x</a> {copyright}</p>\n', /attribution: must name the source/],
    [
      'attribution: |\n  <p>{publisher} <a href="{url}">x</a> {copyright} {date}</p>\n',
      /unknown placeholder \{date\}/,
    ],
    ['feedBase: https://northwind.example/feeds\n', /feedBase: must end with \//],
  ])('rejects %j', (replacement, message) => {
    const dir = writeFeedsFolder(tempDir(), {});
    const key = replacement.split(':')[0]!;
    const kept = PUBLISHER_YAML.replace(new RegExp(`^${key}:.*\\n(?:  .*\\n)*`, 'm'), '');
    writeFileSync(join(dir, 'publisher.yaml'), kept + replacement);
    expect(errorOf(() => loadFeedConfig(dir))).toMatch(message);
  });

  it('says when publisher.yaml is missing', () => {
    const dir = tempDir();
    expect(errorOf(() => loadFeedConfig(dir))).toMatch(/publisher\.yaml: cannot read/);
  });
});
