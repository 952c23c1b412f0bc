/**
 * Page reading and post finding on hostile shapes (issue 14): N `<div itemprop="articleBody">`
 * side by side, and N nested in each other, against a page of N plain paragraphs of the same text,
 * measured in the same run. Every step should grow linearly with N: the time per 1,000 elements
 * should stay flat as N doubles.
 */
import { findPost } from '../../src/check/_post.ts';
import { parsePage } from '../../src/match/page.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { printTable, time } from './_measure.ts';

const sizes = (process.env.BENCH_SIZES ?? '500,1000,2000,4000').split(',').map(Number);
const sentence = 'the convoy waited at the checkpoint while the river rose behind the old bridge';

const shapes: Record<string, (count: number) => string> = {
  'plain paragraphs (baseline)': (count) =>
    Array.from({ length: count }, () => `<p>${sentence}</p>`).join(''),
  'articleBody side by side': (count) =>
    Array.from({ length: count }, () => `<div itemprop="articleBody"><p>${sentence}</p></div>`).join(''),
  'articleBody nested': (count) =>
    `${'<div itemprop="articleBody">'.repeat(count)}<p>${sentence}</p>${'</div>'.repeat(count)}`,
};

const rows: Array<Record<string, string | number>> = [];
for (const [shape, build] of Object.entries(shapes)) {
  for (const count of sizes) {
    const html = `<html><body><article>${build(count)}</article><footer>© 2026 Peace Blog</footer></body></html>`;
    const parsed = time(() => parsePage(html, 'https://peaceblog.example/p'));
    const tokens = tokenise(parsed.value.text);
    const words = tokens.words.length;
    const post = time(() =>
      findPost(parsed.value, tokens, [{ pageFrom: 0, pageTo: Math.max(0, words - 1) }]),
    );
    rows.push({
      page: shape,
      elements: count,
      'parse ms': Number(parsed.ms.toFixed(1)),
      'post ms': Number(post.ms.toFixed(1)),
      'ms per 1,000 elements': Number((((parsed.ms + post.ms) / count) * 1000).toFixed(1)),
    });
  }
}
printTable(rows);
