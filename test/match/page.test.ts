import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { elementLimit, parsePage } from '../../src/match/page.ts';
import { FIXTURES } from '../helpers/fixture-store.ts';

const page = (file: string) =>
  parsePage(readFileSync(join(FIXTURES, 'pages', file), 'utf8'), 'https://x.example/p');

describe('main text', () => {
  it.each([
    [
      'wordpress-credit.html',
      'siege of Lower Vessa entered its third week',
      ['Recent Posts', 'Powered by WordPress', 'Thank you for posting', 'Share this', 'An older post'],
    ],
    ['forum.html', 'Fighting around Lower Vessa spread', ["What's new", 'XenForo', 'Peace is a verb']],
    ['amp.html', 'Dockworkers at the port of Aldmouth', ['Back to top', 'Harbour Times']],
    ['excerpt-readmore.html', 'third week on Saturday', ['Trending', 'NewsHub Ltd']],
  ])('of %s keeps the post and drops navigation, widgets, comments and footers', (file, kept, dropped) => {
    const { text } = page(file);
    expect(text).toContain(kept);
    for (const noise of dropped) expect(text).not.toContain(noise);
  });

  it('reads every post of a digest, and maps each run of text back to its element', () => {
    const digest = page('digest.html');
    expect(digest.text).toContain('Beekeepers in the orchard towns');
    expect(digest.text).toContain('Every evening at nine');
    expect(digest.text).not.toContain('2026 Green Notes');
    const at = digest.text.indexOf('Every evening at nine');
    const span = digest.spans.find((candidate) => candidate.start <= at && at < candidate.end)!;
    expect(digest.$(span.element).closest('article').attr('id')).toBe('post-902');
  });

  it('keeps the words of adjacent blocks apart', () => {
    const { text } = parsePage(
      '<article><ul><li>alpha</li><li>beta</li></ul><p>gamma</p></article>',
      'https://x.example/',
    );
    expect(text.split(/\s+/).filter(Boolean)).toEqual(['alpha', 'beta', 'gamma']);
  });
});

describe('a page with too many elements', () => {
  const links = Array.from({ length: 3000 }, (_, n) => `<a href="/p${n}">link${n}</a>`).join('');
  const html = `<!doctype html><html><body><article><h1>Title</h1><p>First words of the post.</p>${links}</article></body></html>`;

  it('is read up to the limit and marked as read in part', () => {
    const page = parsePage(html, 'https://site.example/', 1000);
    expect(page.truncated).toBeDefined();
    expect(page.truncated!.readChars).toBeLessThan(html.length);
    expect(page.$('*').length).toBeLessThanOrEqual(1001);
    expect(page.text).toContain('First words of the post.');
    expect(page.text).toContain('link900');
    expect(page.text).not.toContain('link2000');
  });

  it('is read whole under the limit, and the cut never falls inside a tag', () => {
    expect(parsePage(html, 'https://site.example/', 10_000).truncated).toBeUndefined();
    const cut = elementLimit(html, 1000)!;
    expect(html.slice(cut, cut + 3)).toBe('<a ');
    expect(elementLimit('<p>a < b and c < d</p>', 5)).toBeUndefined();
  });
});
