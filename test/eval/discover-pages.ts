/**
 * Discover on real article pages made by others (not committed: fetch Mozilla Readability's test
 * pages yourself, e.g. with the search tool, and keep `test/test-pages` in a folder):
 *
 *   npm run eval:discover-pages -- /work/corpus/readability/test/test-pages
 *
 * Each folder holds a real page (`source.html`) and the article Readability extracts from it
 * (`expected.html`). The extracted articles become the store (one article a page, at
 * `https://publisher.example/NAME`); the pages become one WARC file, each captured on a site of its
 * own. Discover must find on every page the articles the index finds in the page's text as a
 * reader sees it (its own, when it is long enough to be a reprint), and no other; every page whose
 * charset is UTF-8 is scanned in its bytes, so this also holds the byte scan to real markup. It
 * prints what it saw and exits 1 on a wrong find or a miss.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchOptions } from '../../src/check/check-snapshot.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { localArchive } from '../../src/discover/archive.ts';
import type { Discovery } from '../../src/discover/judge.ts';
import { buildPrefilter, Prefilter } from '../../src/discover/prefilter.ts';
import { runFile } from '../../src/discover/run-file.ts';
import { indexArticles } from '../../src/match/fingerprint-index.ts';
import { identify, PageFingerprints } from '../../src/match/identify.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { decodeBody } from '../../src/net/charset.ts';
import { toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import { markupText } from '../../src/text/html-text.ts';
import { buildArchive } from '../discover/_archives.ts';

const root = process.argv[2] ?? '/work/corpus/readability/test/test-pages';
const names = readdirSync(root)
  .filter((name) => existsSync(join(root, name, 'expected.html')))
  .sort();
const dir = mkdtempSync(join(tmpdir(), 'real-pages-'));
const sql = await openSql(join(dir, 'store.sqlite'));
const articles = names.map((name) =>
  toArticle({
    id: name,
    url: `https://publisher.example/${name}`,
    title: name,
    published: '2024-05-01',
    html: readFileSync(join(root, name, 'expected.html'), 'utf8'),
  }),
);
await upsertArticles(sql, articles);
await indexArticles(sql);
const terms = loadTerms(join(import.meta.dirname, '..', '..', 'rules'));
const options = matchOptions(terms);
const prefilter = new Prefilter(await buildPrefilter(sql), options);

const pageUrl = (name: string) => `https://reprint-${name}.example/post`;
const archive = await buildArchive(
  names.map((name) => ({
    type: 'response' as const,
    url: pageUrl(name),
    httpHeaders: { 'Content-Type': 'text/html' },
    body: readFileSync(join(root, name, 'source.html')),
  })),
);
const file = join(dir, 'pages.warc.gz');
writeFileSync(file, archive.bytes);

const found: Discovery[] = [];
const started = performance.now();
const counts = await runFile(
  localArchive(file),
  { sql, terms, sites: [], prefilter, minCoverage: 0 },
  { onProgress: (step) => void found.push(...step.discoveries) },
);
console.log(
  `${counts.pages} pages, ${counts.candidates} checked in full, ${found.length} discoveries, ${Math.round(performance.now() - started)} ms`,
);

let failures = 0;
let right = 0;
let other = 0;
let neither = 0;
const identified = async (text: string) =>
  new Set(
    (await identify(sql, new PageFingerprints(tokenise(text), options.shingles), options)).map(
      (item) => item.article.id,
    ),
  );
for (const name of names) {
  const mine = found.filter((item) => item.pageUrl === pageUrl(name));
  // What the index finds in the page's text as a reader sees it (decoded as discover decodes it:
  // a page that declares a legacy charset is read in it, as browsers do), and in the text of the
  // page's own article (Readability's tests of markup cleaning share one lorem ipsum).
  const onPage = await identified(
    markupText(decodeBody(readFileSync(join(root, name, 'source.html')), 'text/html').text),
  );
  const sameText = await identified(markupText(readFileSync(join(root, name, 'expected.html'), 'utf8')));
  for (const item of mine.filter((item) => !onPage.has(item.article.id) && !sameText.has(item.article.id))) {
    failures++;
    console.log(
      `  WRONG ${name}: ${item.article.id} (coverage ${item.coverage}, ${item.kind}), not in the page's text`,
    );
  }
  if (mine.some((item) => item.article.id === name || sameText.has(item.article.id))) right++;
  else if (onPage.has(name)) {
    failures++;
    console.log(`  MISSED ${name}: the index finds it in the page's text, discover did not`);
  } else if (mine.length > 0) {
    other++;
    console.log(
      `  other ${name}: ${mine.map((item) => item.article.id).join(', ')}, whose text the page holds`,
    );
  } else {
    neither++;
    console.log(`  not found ${name}: nor does the index in the page's text (a short or quoted article)`);
  }
}
console.log(
  `${right} of ${names.length} pages found with their own article (or one of the same text); ${other} with another article whose text they hold; ${neither} not found by the index either; ${failures} failures`,
);
await sql.close();
process.exit(failures > 0 ? 1 : 0);
