/**
 * Discovery at the speed of the disk. In one run, on one generated WARC file (gzip members, HTML
 * pages of realistic size, one in a hundred a reprint of a stored article):
 *
 * - the floor: decompressing and reading every record with warcio and nothing else;
 * - discover on the same file (one thread: figures are per core) against stores of 10,000 and
 *   100,000 articles, once the process has run it (as the floor is measured once warcio is
 *   compiled); the first run of the process has its own row, the fixed cost of compiling, and the
 *   first on each other engine and store is made untimed (a database server warms up too);
 * - memory: the process's resident size after each stage, and discover on a file three times as
 *   long, to show that memory follows the store, not the file;
 * - discover on a file of as many pages with one reprint in all (one page in
 *   `BENCH_SPARSE_EVERY` a reprint, by default the file's page count): nearer what one
 *   publisher's articles are in a crawl of the whole web than one page in a hundred, and a
 *   measure of what the full checks of the reprints (6–18 ms each) add to the other rows.
 *
 * - the prefilter: built from the index (the baseline) against read back from the store;
 * - real archives made by others (not committed; `BENCH_ARCHIVES=DIR` names a folder of .warc,
 *   .warc.gz, .wet and .wet.gz files, e.g. Common Crawl's whirlwind sample and pywb's test data),
 *   and real pages (`BENCH_PAGES_DIR=DIR`: the .html files under DIR, e.g. the test pages of
 *   Mozilla's Readability, made one WARC file of a response record each): each file repeated to at
 *   least `BENCH_REAL_MB` (default 20) MB, and discovered against the smaller store on SQLite,
 *   paired with reads alone as the generated file is.
 *
 * Each discover row gives its speed as a share of reading alone's, by wall time and by the CPU time
 * of the process (the steadier of the two on a shared machine), with the load average: the median
 * of `BENCH_REPEATS` (default 3) discover runs against the median of as many reads of the same
 * file, each read just before its run (`floor MB/s`), so that a burst of other jobs on the machine
 * does not land on one side of the comparison only.
 *
 * `BENCH_SIZES=10000` runs the smaller store only; `BENCH_PAGES` sets the pages in the file.
 * Discover runs on SQLite and then on PostgreSQL (`BENCH_ENGINES=sqlite` skips it): the same
 * articles and files, against a server started for the run (see `_postgres.ts`).
 */
import {
  createReadStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { WARCParser, WARCRecord, WARCSerializer } from 'warcio';
import { matchOptions } from '../../src/check/check-snapshot.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { localArchive } from '../../src/discover/archive.ts';
import { buildPrefilter, loadPrefilter, Prefilter } from '../../src/discover/prefilter.ts';
import { type FileCounts, runFile } from '../../src/discover/run-file.ts';
import { buildIndex } from '../../src/match/fingerprint-index.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { buildArchive } from '../discover/_archives.ts';
import { storeArticles } from '../match/_articles.ts';
import { peakRssMiB, printTable, timeAsync, timeCpuAsync } from './_measure.ts';
import { type BenchPostgres, benchPostgres } from './_postgres.ts';

const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const PAGES = Number(process.env.BENCH_PAGES ?? 2000);
const REAL_ARCHIVES = process.env.BENCH_ARCHIVES;
const REAL_PAGES = process.env.BENCH_PAGES_DIR;
const REAL_MEGABYTES = Number(process.env.BENCH_REAL_MB ?? 20);
const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',');
/** One page in this many is a reprint in the sparse file (one in the file, by default). */
const SPARSE_EVERY = Number(process.env.BENCH_SPARSE_EVERY ?? PAGES);
/** Pairs of (read alone, discover) measured for each discover row; the medians are compared. */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

interface Timed {
  ms: number;
  cpuMs: number;
}
/** The median wall time and the median CPU time of some runs (each on its own). */
function medianOf(runs: readonly Timed[]): Timed {
  const middle = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { ms: middle(runs.map((run) => run.ms)), cpuMs: middle(runs.map((run) => run.cpuMs)) };
}

let seed = 7;
function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
  return (seed >>> 0) / 4294967296;
}
function vocabularyOf(syllables: string[]): string[] {
  return Array.from({ length: 8000 }, (_, i) => {
    let word = '';
    let n = i + 7;
    do {
      word += syllables[n % syllables.length];
      n = Math.floor(n / syllables.length);
    } while (n > 0);
    return word;
  });
}
// Articles and the web's other pages use different words, so only real reprints match.
const articleWords = vocabularyOf(
  'ka lo mi re sa tu ven dor al is an er on th ch pr st ed ing ou gr bl fa'.split(' '),
);
const webWords = vocabularyOf('po zu ek ny wa qi ob um ix yl ga de ri fo he ju'.split(' '));
const paragraph = (words: string[]) => {
  const sentences: string[] = [];
  for (let s = 0, count = 2 + Math.floor(random() * 4); s < count; s++) {
    const length = 8 + Math.floor(random() * 18);
    sentences.push(
      `${Array.from({ length }, () => words[Math.floor(words.length * random() ** 3)]).join(' ')}.`,
    );
  }
  return sentences.join(' ');
};
function article(i: number): Article {
  return toArticle({
    id: `a-${i}`,
    url: `https://northwind.example/${i}`,
    title: `Article ${i}`,
    published: '2026-01-01',
    html: Array.from(
      { length: 6 + Math.floor(random() * 4) },
      () => `<p>${paragraph(articleWords)}</p>`,
    ).join('\n'),
  });
}

/** A page of about 40 KB, the median HTML page: navigation, scripts, styles, a post, a footer. */
function pageHtml(body: string): string {
  const links = Array.from(
    { length: 60 },
    (_, i) => `<li><a href="/section/${i}" class="menu-item">${webWords[i]}</a></li>`,
  ).join('');
  const script = `<script>window.dataLayer=[];${'function track(e){return e&&e.id;}'.repeat(200)}</script>`;
  const style = `<style>${'.menu-item{color:#333;padding:4px 8px}'.repeat(150)}</style>`;
  const aside = Array.from({ length: 8 }, () => `<p>${paragraph(webWords)}</p>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Post</title>${style}${script}</head><body><nav><ul>${links}</ul></nav><main><article><h1>Post</h1>${body}</article></main><aside>${aside}</aside><footer>${links}</footer></body></html>`;
}

/** The pages of `pages` that are reprints when one in `every` is. */
const reprintsIn = (pages: number, every: number) =>
  Math.floor((pages + every - Math.floor(every / 2) - 1) / every);

async function writeWarc(file: string, pages: number, store: Article[], every = 100): Promise<number> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < pages; i++) {
    const reprint =
      i % every === Math.floor(every / 2) ? store[Math.floor(random() * store.length)] : undefined;
    const body = reprint
      ? reprint.html
      : Array.from({ length: 10 }, () => `<p>${paragraph(webWords)}</p>`).join('');
    const record = WARCRecord.create(
      {
        url: `https://site${i % 300}.example/post/${i}`,
        date: '2026-03-01T00:00:00Z',
        type: 'response',
        warcVersion: 'WARC/1.1',
        statusline: 'HTTP/1.1 200 OK',
        httpHeaders: { 'Content-Type': 'text/html; charset=utf-8' },
      },
      [new TextEncoder().encode(pageHtml(body))],
    );
    parts.push(await WARCSerializer.serialize(record, { gzip: true }));
  }
  writeFileSync(file, Buffer.concat(parts));
  return pages;
}

async function readAlone(file: string): Promise<{ records: number; bytes: number }> {
  let records = 0;
  let bytes = 0;
  for await (const record of new WARCParser(createReadStream(file, { highWaterMark: 1 << 20 }))) {
    records++;
    for await (const chunk of record) bytes += chunk.length;
  }
  return { records, bytes };
}

/**
 * Discover on a file paired with reads of the same file alone, each just before its run: the
 * medians of `repeats` of each. On a shared machine a burst of other work hits one run, not the
 * comparison.
 */
async function paired(path: string, sql: Sql, prefilter: Prefilter, repeats: number) {
  const floors: Timed[] = [];
  const runs: Array<Timed & { value: FileCounts }> = [];
  let bytes = 0;
  let found = 0;
  const discoverOnce = () => {
    found = 0;
    return runFile(
      localArchive(path),
      { sql, terms, sites: [], prefilter, minCoverage: 0 },
      {
        onProgress(progress) {
          found += progress.discoveries.length;
        },
      },
    );
  };
  for (let repeat = 0; repeat < repeats; repeat++) {
    globalThis.gc?.();
    const floor = await timeCpuAsync(() => readAlone(path));
    bytes = floor.value.bytes;
    floors.push(floor);
    globalThis.gc?.();
    runs.push(await timeCpuAsync(discoverOnce));
  }
  return {
    floor: medianOf(floors),
    run: { ...medianOf(runs), value: runs[0]!.value },
    megabytes: bytes / 1e6,
    /** Discoveries of the last run. */
    found,
  };
}

/** Discover's speed as a share of reading alone's, by wall time and by CPU time. */
const shareOf = (floor: Timed, run: Timed) =>
  `${Math.round((100 * floor.ms) / run.ms)}% / ${Math.round((100 * floor.cpuMs) / run.cpuMs)}%`;

/** Each real archive file, repeated back to back (whole records or gzip members) to a measurable size. */
function repeated(bytes: Buffer, into: string): number {
  const copies = Math.max(1, Math.ceil((REAL_MEGABYTES * 1e6) / bytes.length));
  writeFileSync(into, Buffer.concat(Array.from({ length: copies }, () => bytes)));
  return copies;
}

/**
 * The pages under a folder: its `source.html` files when it has any (Mozilla Readability's test
 * pages, a folder each beside the article extracted from it), else every `.html` file.
 */
function htmlFiles(folder: string): string[] {
  const all = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.html'),
  );
  const sources = all.filter((name) => basename(name) === 'source.html');
  return (sources.length > 0 ? sources : all).sort().map((name) => join(folder, name));
}

/** Real pages as a crawl stores them: a response record each, one gzip member a record. */
async function warcOfPages(files: readonly string[]): Promise<Buffer> {
  const specs = files.map((file, i) => ({
    type: 'response' as const,
    url: `https://real${i}.example/page`,
    httpHeaders: { 'Content-Type': 'text/html' },
    body: readFileSync(file),
  }));
  return (await buildArchive(specs)).bytes;
}

/** Archives and pages made by others (`BENCH_ARCHIVES`, `BENCH_PAGES_DIR`), each repeated to `BENCH_REAL_MB`. */
async function realFiles(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const files: Array<{ name: string; bytes: Buffer }> = [];
  if (REAL_ARCHIVES)
    for (const name of readdirSync(REAL_ARCHIVES).sort())
      if (/\.(?:warc|wet)(?:\.gz)?$/.test(name))
        files.push({ name, bytes: readFileSync(join(REAL_ARCHIVES, name)) });
  if (REAL_PAGES) {
    const pages = htmlFiles(REAL_PAGES);
    files.push({ name: `${pages.length} pages of ${basename(REAL_PAGES)}`, bytes: await warcOfPages(pages) });
  }
  return files;
}

async function realArchives(sql: Sql, prefilter: Prefilter, size: number) {
  for (const { name, bytes } of await realFiles()) {
    const path = join(dir, 'real.warc.gz');
    const copies = repeated(bytes, path);
    // warcio reads both WARC and WET (a WET file is WARC with conversion records).
    const { floor, run, megabytes, found } = await paired(path, sql, prefilter, REPEATS);
    rows.push({
      run: `real: ${name} x${copies}`,
      engine: 'sqlite',
      articles: size,
      'file MiB gz': statSync(path).size / 1024 / 1024,
      records: run.value.records,
      'MB/s': megabytes / (run.ms / 1000),
      'MB/CPU-s': megabytes / (run.cpuMs / 1000),
      'records/s': Math.round(run.value.records / (run.ms / 1000)),
      'floor MB/s': megabytes / (floor.ms / 1000),
      'share of floor': shareOf(floor, run),
      // Unrelated real pages against generated articles: anything found would be a false match.
      found: `${found}/0`,
      'pages / checked': `${run.value.pages} / ${run.value.candidates}`,
      'RSS MiB': rss(),
      load: Number(loadavg()[0]!.toFixed(1)),
    });
    printTable(rows.slice(-1));
    rmSync(path, { force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-discover-'));
const terms = loadTerms(join(import.meta.dirname, '..', '..', 'rules'));
const rows: Array<Record<string, string | number>> = [];
const rss = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
let postgres: BenchPostgres | undefined;
try {
  for (const size of sizes) {
    seed = 7;
    const sqlite = await openSql(join(dir, `store-${size}.sqlite`));
    const sample: Article[] = [];
    for (let start = 0; start < size; start += 5000) {
      const batch = Array.from({ length: Math.min(5000, size - start) }, (_, i) => article(start + i));
      await upsertArticles(sqlite, batch);
      for (const item of batch) if (sample.length < 200 && random() < 0.01) sample.push(item);
    }
    const file = join(dir, `crawl-${size}.warc.gz`);
    const long = join(dir, `crawl-${size}-long.warc.gz`);
    const sparse = join(dir, `crawl-${size}-sparse.warc.gz`);
    await writeWarc(file, PAGES, sample);
    await writeWarc(long, PAGES * 3, sample);
    await writeWarc(sparse, PAGES, sample, SPARSE_EVERY);
    const compressedMiB = statSync(file).size / 1024 / 1024;

    // Once untimed, so that the floor is measured with warcio and pako compiled, as discover is.
    await readAlone(file);
    globalThis.gc?.();
    const floor = await timeCpuAsync(() => readAlone(file));
    const megabytes = floor.value.bytes / 1e6;
    rows.push({
      run: 'read alone (warcio)',
      engine: '',
      articles: size,
      'file MiB gz': compressedMiB,
      records: floor.value.records,
      'MB/s': megabytes / (floor.ms / 1000),
      'MB/CPU-s': megabytes / (floor.cpuMs / 1000),
      'records/s': Math.round(floor.value.records / (floor.ms / 1000)),
      'floor MB/s': '',
      'share of floor': '',
      found: '',
      'pages / checked': '',
      'RSS MiB': rss(),
      load: Number(loadavg()[0]!.toFixed(1)),
    });

    const discover = async (engine: string, sql: Sql) => {
      await buildIndex(sql);
      // The prefilter as every run made it before it was stored (the baseline), then read back.
      const built = await timeAsync(() => buildPrefilter(sql));
      await loadPrefilter(sql);
      const loaded = await timeAsync(() => loadPrefilter(sql));
      if (!loaded.value.stored) throw new Error('the prefilter was not read back from the store');
      const prefilter = new Prefilter(loaded.value.data, matchOptions(terms));
      for (const [name, path] of [
        ['discover, first run in the process', file],
        ['discover', file],
        ['discover, 3x file', long],
        [`discover, 1 page in ${SPARSE_EVERY.toLocaleString('en')} a reprint`, sparse],
      ] as const) {
        if ((path === long || path === sparse) && engine !== 'sqlite') continue;
        // The first run compiles discover's code (the check's parser and rules, the prefilter's
        // loops) as the untimed read above compiled warcio's: its row shows that fixed cost, and
        // the rows after it are compared with the floor on equal terms.
        const first = name.startsWith('discover, first');
        if (first && (engine !== engines[0] || size !== sizes[0])) {
          // Untimed: the first run on another engine or store warms what is its own (the database
          // server's cache and plans, the driver's code), which the timed rows must not pay for.
          await paired(path, sql, prefilter, 1);
          continue;
        }
        const { floor: pairedFloor, run, found } = await paired(path, sql, prefilter, first ? 1 : REPEATS);
        const multiple = path === long ? 3 : 1;
        rows.push({
          run: name,
          engine,
          articles: size,
          'file MiB gz': compressedMiB * multiple,
          records: run.value.records,
          'MB/s': (megabytes * multiple) / (run.ms / 1000),
          'MB/CPU-s': (megabytes * multiple) / (run.cpuMs / 1000),
          'records/s': Math.round(run.value.records / (run.ms / 1000)),
          'floor MB/s': (megabytes * multiple) / (pairedFloor.ms / 1000),
          'share of floor': shareOf(pairedFloor, run),
          found: `${found}/${reprintsIn(PAGES * multiple, path === sparse ? SPARSE_EVERY : 100)}`,
          'pages / checked': `${run.value.pages} / ${run.value.candidates}`,
          'RSS MiB': rss(),
          load: Number(loadavg()[0]!.toFixed(1)),
        });
        // Each row as soon as it is measured, the floor's with the first: a large store takes minutes.
        printTable(rows.slice(rows.at(-2)?.run === 'read alone (warcio)' ? -2 : -1));
      }
      console.log(
        `${engine}, ${size} articles: prefilter built from the index in ${built.ms.toFixed(0)} ms, read back from the store in ${loaded.ms.toFixed(0)} ms (${(loaded.value.data.bits.byteLength / 1048576).toFixed(1)} MiB)`,
      );
      if ((REAL_ARCHIVES || REAL_PAGES) && size === Math.min(...sizes) && engine === 'sqlite')
        await realArchives(sql, prefilter, size);
    };
    if (engines.includes('sqlite')) await discover('sqlite', sqlite);
    let postgresSql: Sql | undefined;
    if (engines.includes('postgres')) {
      postgres ??= await benchPostgres();
      postgresSql = await openSql(await postgres.database());
      // The same articles, read back from SQLite a page at a time: holding 100,000 of them in the
      // process for the whole run made its heap hundreds of MiB larger than discover's own, and
      // every garbage collection in the measured runs paid for it.
      for (let after = ''; ; ) {
        const page = await sqlite.all<{ id: string; record: string }>(
          'SELECT id, record FROM articles WHERE id > ? ORDER BY id LIMIT 1000',
          [after],
        );
        if (page.length === 0) break;
        after = page.at(-1)!.id;
        await storeArticles(
          postgresSql,
          page.map((row) => JSON.parse(row.record) as Article),
        );
      }
    }
    await sqlite.close();
    if (postgresSql) {
      await discover('postgres', postgresSql);
      await postgresSql.close();
    }
    rmSync(file, { force: true });
    rmSync(long, { force: true });
    rmSync(sparse, { force: true });
  }
} finally {
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
}
printTable(rows);
console.log(
  `\npeak RSS ${Math.round(peakRssMiB())} MiB (MB/s: uncompressed payload megabytes per second, one thread)`,
);
