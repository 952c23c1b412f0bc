/**
 * Reprint identification at scale: index build rate, and identification time per page (median
 * and p99, with and without HTML parsing) on stores of 10,000 and 100,000 generated articles, with
 * peak memory. On the 10,000 store, a brute-force comparison with every article in the same run is
 * the baseline the index is measured against.
 *
 * The build and identification are measured against the previous design in the same run: the code
 * of `BENCH_BASELINE` (a git revision; by default be9d12b, the last with one index row per
 * fingerprint; `none` skips it) is taken out of git into `.bench/` and run on the same articles
 * and pages, after this code (so that this code's peak memory is its own). Every row gives the
 * wall rate, the rate per CPU-second of all the process's threads (on a shared machine wall time
 * says little) and the load average when it was measured. Set `BENCH_THREADS` to pin the build's
 * threads, `BENCH_PAGES` the pages identified (300).
 *
 * Each size is measured on SQLite and then on PostgreSQL (`BENCH_ENGINES=sqlite` skips it): the
 * same articles, build and pages, on a server started for the run (see `_postgres.ts`).
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import * as current from '../../src/match/fingerprint-index.ts';
import * as currentIdentify from '../../src/match/identify.ts';
import { identifyBruteForce, PageFingerprints } from '../../src/match/identify.ts';
import { parsePage } from '../../src/match/page.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import * as currentArticles from '../../src/store/articles.ts';
import * as currentDb from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { storeArticles } from '../match/_articles.ts';
import { peakRssMiB, percentile, printTable, timeAsync } from './_measure.ts';
import { type BenchPostgres, benchPostgres } from './_postgres.ts';

const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const PAGES = Number(process.env.BENCH_PAGES ?? 300);
const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',');
const threads = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : undefined;
const BASELINE = process.env.BENCH_BASELINE ?? 'be9d12b';

/** What the benchmark needs of one version of the code. */
interface Design {
  name: string;
  openSql(target: string): Promise<Sql>;
  upsertArticles(sql: Sql, articles: readonly Article[]): Promise<unknown>;
  buildIndex(sql: Sql, ids?: undefined, options?: { threads?: number }): Promise<unknown>;
  identify(sql: Sql, page: unknown): Promise<Array<{ article: Article }>>;
  page(tokens: ReturnType<typeof tokenise>): unknown;
}

const thisCode: Design = {
  name: 'postings (this code)',
  openSql: currentDb.openSql,
  upsertArticles: currentArticles.upsertArticles,
  buildIndex: current.buildIndex,
  identify: (sql, page) => currentIdentify.identify(sql, page as PageFingerprints),
  page: (tokens) => new PageFingerprints(tokens),
};

/** The baseline's sources, taken out of git once into `.bench/`, and its modules loaded from there. */
async function baselineCode(): Promise<Design | undefined> {
  if (BASELINE === 'none') return undefined;
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const dir = join(root, '.bench', `baseline-${BASELINE}`);
  if (!existsSync(join(dir, 'src'))) {
    mkdirSync(dir, { recursive: true });
    try {
      execSync(`git -C ${JSON.stringify(root)} archive ${BASELINE} src | tar -x -C ${JSON.stringify(dir)}`);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      console.log(
        `no baseline: git could not give ${BASELINE} (${(error as Error).message.split('\n')[0]})\n`,
      );
      return undefined;
    }
  }
  const load = (path: string) => import(pathToFileURL(join(dir, 'src', path)).href);
  const index = await load('match/fingerprint-index.ts');
  const identify = await load('match/identify.ts');
  const articles = await load('store/articles.ts');
  const db = await load('store/db.ts');
  return {
    name: `rows (${BASELINE})`,
    openSql: db.openSql,
    upsertArticles: articles.upsertArticles,
    buildIndex: index.buildIndex,
    identify: identify.identify,
    page: (tokens) => new identify.PageFingerprints(tokens),
  };
}

/** The connection beneath either version's SQLite store (each has its own class, so no `instanceof`). */
const sqliteOf = (sql: Sql) => (sql as unknown as { db: Database.Database }).db;

let seed = 42;
function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
  return (seed >>> 0) / 4294967296;
}

// A vocabulary with a Zipf-like frequency, so that common words repeat as in real prose.
const syllables = 'ka lo mi re sa tu ven dor al is an er on th ch pr st ed ing ou gr bl fa'.split(' ');
const vocabulary = Array.from({ length: 8000 }, (_, i) => {
  let word = '';
  let n = i + 7;
  do {
    word += syllables[n % syllables.length];
    n = Math.floor(n / syllables.length);
  } while (n > 0);
  return word;
});
const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)]!;

function paragraph(): string {
  const sentences: string[] = [];
  const count = 2 + Math.floor(random() * 4);
  for (let s = 0; s < count; s++) {
    const length = 8 + Math.floor(random() * 18);
    const words = Array.from({ length }, word);
    words[0] = words[0]![0]!.toUpperCase() + words[0]!.slice(1);
    sentences.push(`${words.join(' ')}.`);
  }
  return sentences.join(' ');
}

function article(i: number): Article {
  const paragraphs = Array.from({ length: 6 + Math.floor(random() * 4) }, paragraph);
  return toArticle({
    id: `a-${i}`,
    url: `https://northwind.example/${2020 + (i % 6)}/${i}`,
    title: `Article ${i}`,
    published: '2026-01-01',
    html: paragraphs.map((text) => `<p>${text}</p>`).join('\n'),
  });
}

function pageHtml(body: string): string {
  return `<!doctype html><html><head><title>Post</title></head><body>
<header class="site-header"><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>
<main><article class="post hentry"><h1 class="entry-title">A post</h1><div class="entry-content">${body}</div>
<footer class="entry-footer">Source: Northwind Review</footer></article>
<aside class="widget-area"><section class="widget"><h2>Recent</h2><ul><li><a href="/a">One</a></li><li><a href="/b">Two</a></li></ul></section></aside></main>
<footer class="site-footer">&copy; 2026 Peace Blog</footer></body></html>`;
}

const baseline = await baselineCode();
const designs = [thisCode, ...(baseline ? [baseline] : [])];
const rows: Array<Record<string, string | number>> = [];
let postgres: BenchPostgres | undefined;
for (const size of sizes) {
  seed = 42;
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-'));
  const stores = new Map<string, Sql>();
  if (engines.includes('sqlite'))
    for (const [i, design] of designs.entries()) {
      const sql = await design.openSql(join(dir, `store-${i}.sqlite`));
      sqliteOf(sql).pragma('cache_size = -262144');
      stores.set(`sqlite ${design.name}`, sql);
    }
  if (engines.includes('postgres')) {
    postgres ??= await benchPostgres();
    for (const design of designs)
      stores.set(`postgres ${design.name}`, await design.openSql(await postgres.database()));
  }
  const sample: Article[] = [];
  for (let start = 0; start < size; start += 5000) {
    const batch = Array.from({ length: Math.min(5000, size - start) }, (_, i) => article(start + i));
    for (const [name, sql] of stores) {
      if (sql.engine === 'sqlite')
        await designs.find((design) => name.endsWith(design.name))!.upsertArticles(sql, batch);
      else
        for (let from = 0; from < batch.length; from += 1000)
          await storeArticles(sql, batch.slice(from, from + 1000));
    }
    for (const item of batch) if (sample.length < PAGES && random() < (PAGES * 2) / size) sample.push(item);
  }
  for (const sql of stores.values())
    if (sql.engine === 'sqlite') sqliteOf(sql).pragma('wal_checkpoint(TRUNCATE)');

  // Pages: full reprints, excerpts (first two paragraphs) and unrelated text.
  const pages = sample.map((item, i) => {
    const paragraphs = item.html.split('\n');
    const body =
      i % 3 === 1
        ? paragraphs.slice(0, 2).join('\n')
        : i % 3 === 2
          ? `<p>${paragraph()}</p><p>${paragraph()}</p>`
          : item.html;
    return { html: pageHtml(body), expected: i % 3 === 2 ? undefined : item.id };
  });

  const measure = async (engine: string, design: Design, sql: Sql) => {
    const load = loadavg()[0]!;
    // CPU time of every thread of this process: on a shared machine wall time says little.
    const cpuBefore = process.cpuUsage();
    const build = await timeAsync(() => design.buildIndex(sql, undefined, threads ? { threads } : {}));
    const cpuAfter = process.cpuUsage(cpuBefore);
    const buildCpuMs = (cpuAfter.user + cpuAfter.system) / 1000;
    const words = (await sql.get<{ n: number }>('SELECT sum(words) AS n FROM fingerprinted_articles'))!.n;
    // Warm the statement cache and the page cache.
    await design.identify(sql, design.page(tokenise(parsePage(pages[0]!.html, 'https://p.example/').text)));

    const included: number[] = [];
    const excluded: number[] = [];
    let correct = 0;
    for (const page of pages) {
      const whole = await timeAsync(async () => {
        const parsed = parsePage(page.html, 'https://peaceblog.example/post');
        const tokens = tokenise(parsed.text);
        return { tokens, found: await design.identify(sql, design.page(tokens)) };
      });
      included.push(whole.ms);
      const prepared = design.page(whole.value.tokens);
      const only = await timeAsync(() => design.identify(sql, prepared));
      excluded.push(only.ms);
      const top = only.value[0]?.article.id;
      if (top === page.expected) correct++;
    }
    included.sort((a, b) => a - b);
    excluded.sort((a, b) => a - b);
    rows.push({
      engine,
      index: design.name,
      articles: size,
      'words/article': Math.round(words / size),
      'build s': build.ms / 1000,
      'articles/s': Math.round(size / (build.ms / 1000)),
      'articles/CPU-s': Math.round(size / (buildCpuMs / 1000)),
      'load (1 min)': Number(load.toFixed(1)),
      'identify p50 ms': percentile(excluded, 50),
      'identify p99 ms': percentile(excluded, 99),
      'parse+identify p50 ms': percentile(included, 50),
      'parse+identify p99 ms': percentile(included, 99),
      'right answer': `${correct}/${pages.length}`,
      'peak RSS MiB': Math.round(peakRssMiB()),
    });
    // Each row as soon as it is measured: the large size takes minutes.
    printTable(rows.slice(-1));

    if (size <= 10_000 && design === thisCode) {
      const brute: number[] = [];
      const indexed: number[] = [];
      for (const page of pages.slice(0, 30)) {
        const prepared = new PageFingerprints(tokenise(parsePage(page.html, 'https://p.example/').text));
        brute.push((await timeAsync(() => identifyBruteForce(sql, prepared))).ms);
        indexed.push((await timeAsync(() => currentIdentify.identify(sql, prepared))).ms);
      }
      brute.sort((a, b) => a - b);
      indexed.sort((a, b) => a - b);
      console.log(
        `${engine}: brute force over ${size} articles: median ${percentile(brute, 50).toFixed(1)} ms/page; index: ${percentile(indexed, 50).toFixed(3)} ms/page; speed-up ${Math.round(percentile(brute, 50) / percentile(indexed, 50))}x\n`,
      );
    }
  };

  for (const [name, sql] of stores) {
    const design = designs.find((candidate) => name.endsWith(candidate.name))!;
    await measure(sql.engine, design, sql);
    await sql.close();
  }
  rmSync(dir, { recursive: true, force: true });
}
await postgres?.stop();
printTable(rows);
