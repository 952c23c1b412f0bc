/**
 * Reprint identification at scale: index build rate, and identification time per page (median
 * and p99, with and without HTML parsing) on stores of 10,000 and 100,000 generated articles, with
 * peak memory. On the 10,000 store, a brute-force comparison with every article in the same run is
 * the baseline the index is measured against. The build has two baselines run on a copy of the
 * same store: the first build (one thread, every fingerprint inserted on its own) and the build
 * that committed every 500 articles (as before chunked writes; `BENCH_SMALL_COMMITS=0` skips it).
 * Set `BENCH_THREADS` to pin the build's threads, `BENCH_PAGES` the pages identified (300).
 *
 * Each size is measured on SQLite and then on PostgreSQL (`BENCH_ENGINES=sqlite` skips it): the
 * same articles, build and pages, on a server started for the run (see `_postgres.ts`).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shingles, toInt64, winnow } from '../../src/match/fingerprint.ts';
import { buildIndex, packFingerprints } from '../../src/match/fingerprint-index.ts';
import { identify, identifyBruteForce, PageFingerprints } from '../../src/match/identify.ts';
import { htmlToText, parsePage } from '../../src/match/page.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { openSql, openStore } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { storeArticles } from '../match/_articles.ts';
import { peakRssMiB, percentile, printTable, timeAsync } from './_measure.ts';
import { type BenchPostgres, benchPostgres } from './_postgres.ts';

const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const PAGES = Number(process.env.BENCH_PAGES ?? 300);
const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',');

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

/** The index build as it was before this benchmark's `buildIndex`: the same-run baseline. */
function legacyBuild(file: string): { ms: number; cpuMs: number } {
  const db = openStore(file);
  db.pragma('cache_size = -262144');
  const insertPrint = db.prepare('INSERT OR IGNORE INTO fingerprints (hash, doc) VALUES (?, ?)');
  const insertDoc = db.prepare(
    'INSERT INTO fingerprinted_articles (article_id, article_hash, words, fingerprints) VALUES (?, ?, ?, ?)',
  );
  const ids = db.prepare('SELECT id FROM articles ORDER BY id').pluck().all() as string[];
  const row = db.prepare<[string], { record: string; hash: string }>(
    'SELECT record, hash FROM articles WHERE id = ?',
  );
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let start = 0; start < ids.length; start += 2000) {
    db.transaction(() => {
      const pending: Array<[bigint, number]> = [];
      for (const id of ids.slice(start, start + 2000)) {
        const stored = row.get(id)!;
        const item = JSON.parse(stored.record) as Article;
        const tokens = tokenise(htmlToText(item.html));
        const prints = winnow(shingles(tokens));
        const doc = Number(
          insertDoc.run(id, stored.hash, tokens.words.length, packFingerprints(prints)).lastInsertRowid,
        );
        for (let i = 0; i < prints.high.length; i++)
          pending.push([toInt64(prints.high[i]!, prints.low[i]!), doc]);
      }
      pending.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
      for (const [hash, doc] of pending) insertPrint.run(hash, doc);
    })();
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  db.close();
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

const rows: Array<Record<string, string | number>> = [];
let postgres: BenchPostgres | undefined;
for (const size of sizes) {
  seed = 42;
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-'));
  const sqlite = await openSql(join(dir, 'store.sqlite'));
  await sqlite.exec('PRAGMA cache_size = -262144');
  const sample: Article[] = [];
  const all: Article[] = [];
  for (let start = 0; start < size; start += 5000) {
    const batch = Array.from({ length: Math.min(5000, size - start) }, (_, i) => article(start + i));
    await upsertArticles(sqlite, batch);
    if (engines.includes('postgres')) all.push(...batch);
    for (const item of batch) if (sample.length < PAGES && random() < (PAGES * 2) / size) sample.push(item);
  }
  await sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  let legacy = { ms: Number.NaN, cpuMs: Number.NaN };
  if (process.env.BENCH_LEGACY !== '0' || size !== Math.max(...sizes)) {
    copyFileSync(join(dir, 'store.sqlite'), join(dir, 'legacy.sqlite'));
    legacy = legacyBuild(join(dir, 'legacy.sqlite'));
    rmSync(join(dir, 'legacy.sqlite'), { force: true });
  }
  const threads = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : undefined;
  let smallCommits = { ms: Number.NaN, cpuMs: Number.NaN };
  if (process.env.BENCH_SMALL_COMMITS !== '0') {
    copyFileSync(join(dir, 'store.sqlite'), join(dir, 'small.sqlite'));
    const copy = await openSql(join(dir, 'small.sqlite'));
    const cpu = process.cpuUsage();
    // About 95 rows an article: a chunk of 47,500 rows is the 500-article batch of before.
    const run = await timeAsync(() =>
      buildIndex(copy, undefined, { rowsPerChunk: 47_500, ...(threads ? { threads } : {}) }),
    );
    const used = process.cpuUsage(cpu);
    smallCommits = { ms: run.ms, cpuMs: (used.user + used.system) / 1000 };
    await copy.close();
    rmSync(join(dir, 'small.sqlite'), { force: true });
  }

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

  const measure = async (engine: string, sql: Sql, baseline: boolean) => {
    // CPU time of every thread of this process: on a shared machine wall time says little.
    const cpuBefore = process.cpuUsage();
    const build = await timeAsync(() => buildIndex(sql, undefined, threads ? { threads } : {}));
    const cpuAfter = process.cpuUsage(cpuBefore);
    const buildCpuMs = (cpuAfter.user + cpuAfter.system) / 1000;
    const fingerprints = (await sql.get<{ n: number }>('SELECT count(*) AS n FROM fingerprints'))!.n;
    const words = (await sql.get<{ n: number }>('SELECT sum(words) AS n FROM fingerprinted_articles'))!.n;
    // Warm the statement cache and the page cache.
    await identify(sql, new PageFingerprints(tokenise(parsePage(pages[0]!.html, 'https://p.example/').text)));

    const included: number[] = [];
    const excluded: number[] = [];
    let correct = 0;
    for (const page of pages) {
      const whole = await timeAsync(async () => {
        const parsed = parsePage(page.html, 'https://peaceblog.example/post');
        const tokens = tokenise(parsed.text);
        return { tokens, found: await identify(sql, new PageFingerprints(tokens)) };
      });
      included.push(whole.ms);
      const prepared = new PageFingerprints(whole.value.tokens);
      const only = await timeAsync(() => identify(sql, prepared));
      excluded.push(only.ms);
      const top = only.value[0]?.article.id;
      if (top === page.expected) correct++;
    }
    included.sort((a, b) => a - b);
    excluded.sort((a, b) => a - b);
    rows.push({
      engine,
      articles: size,
      fingerprints: fingerprints,
      'words/article': Math.round(words / size),
      'baseline articles/s': baseline ? Math.round(size / (legacy.ms / 1000)) : '',
      'baseline articles/CPU-s': baseline ? Math.round(size / (legacy.cpuMs / 1000)) : '',
      '500-article commits articles/s': baseline ? Math.round(size / (smallCommits.ms / 1000)) : '',
      '500-article commits articles/CPU-s': baseline ? Math.round(size / (smallCommits.cpuMs / 1000)) : '',
      'build s': build.ms / 1000,
      'articles/s': Math.round(size / (build.ms / 1000)),
      'articles/CPU-s': Math.round(size / (buildCpuMs / 1000)),
      'identify p50 ms': percentile(excluded, 50),
      'identify p99 ms': percentile(excluded, 99),
      'parse+identify p50 ms': percentile(included, 50),
      'parse+identify p99 ms': percentile(included, 99),
      'right answer': `${correct}/${pages.length}`,
      'peak RSS MiB': Math.round(peakRssMiB()),
    });
    // Each row as soon as it is measured: the large size takes minutes.
    printTable(rows.slice(-1));

    if (size <= 10_000) {
      const brute: number[] = [];
      const indexed: number[] = [];
      for (const page of pages.slice(0, 30)) {
        const prepared = new PageFingerprints(tokenise(parsePage(page.html, 'https://p.example/').text));
        brute.push((await timeAsync(() => identifyBruteForce(sql, prepared))).ms);
        indexed.push((await timeAsync(() => identify(sql, prepared))).ms);
      }
      brute.sort((a, b) => a - b);
      indexed.sort((a, b) => a - b);
      console.log(
        `${engine}: brute force over ${size} articles: median ${percentile(brute, 50).toFixed(1)} ms/page; index: ${percentile(indexed, 50).toFixed(3)} ms/page; speed-up ${Math.round(percentile(brute, 50) / percentile(indexed, 50))}x\n`,
      );
    }
  };

  if (engines.includes('sqlite')) await measure('sqlite', sqlite, true);
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
  if (engines.includes('postgres')) {
    postgres ??= await benchPostgres();
    const sql = await openSql(await postgres.database());
    for (let start = 0; start < all.length; start += 1000)
      await storeArticles(sql, all.slice(start, start + 1000));
    await measure('postgres', sql, false);
    await sql.close();
  }
}
await postgres?.stop();
printTable(rows);
