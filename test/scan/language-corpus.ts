/**
 * How well `pageLanguage` reads real pages: run over a folder of HTML files that others wrote
 * (for example a local copy of scrapinghub/article-extraction-benchmark or trafilatura's test
 * pages; never committed), it compares the quick bounded reading with a full HTML parser's
 * `<html lang>` and prints the agreement.
 *
 *   node --import tsx test/scan/language-corpus.ts /work/corpus/…/html [more folders]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import { decodeBody } from '../../src/net/charset.ts';
import { pageLanguage } from '../../src/scan/language.ts';

const folders = process.argv.slice(2);
if (folders.length === 0) {
  process.stderr.write('usage: language-corpus.ts FOLDER…\n');
  process.exit(2);
}
let pages = 0;
let declared = 0;
let agree = 0;
const disagreements: string[] = [];
for (const folder of folders) {
  for (const name of readdirSync(folder).filter((file) => /\.html?$/.test(file))) {
    const bytes = readFileSync(join(folder, name));
    const body = decodeBody(bytes, 'text/html').text;
    pages++;
    const parsed = load(body)('html').attr('lang')?.trim().toLowerCase() || undefined;
    const quick = pageLanguage({ body, headers: {} });
    // The parser's value only counts when it is a language tag at all (`lang="{{locale}}"` is not).
    const expected = parsed && /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/.test(parsed) ? parsed : undefined;
    if (expected) declared++;
    if (quick === expected) agree++;
    else disagreements.push(`${name}: parser ${expected ?? '(none)'}, quick ${quick ?? '(none)'}`);
  }
}
process.stdout.write(
  `${pages} pages, ${declared} declare a language; the quick reading agrees with the parser on ${agree} (${((100 * agree) / Math.max(pages, 1)).toFixed(1)}%)\n`,
);
for (const line of disagreements.slice(0, 20)) process.stdout.write(`  ${line}\n`);
