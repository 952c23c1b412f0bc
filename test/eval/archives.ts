/**
 * Discover on real web-archive files made by others (not committed: fetch them yourself, e.g.
 * Common Crawl's whirlwind sample and warcio.js's test data) kept in a folder:
 *
 *   npm run eval:archives -- /work/corpus/discover
 *
 * For every .warc, .warc.gz, .wet and .wet.gz file under the folder: the records found must tile
 * the file (each offset where the previous record ended, the last ending at the end of the file, or
 * damage reported), and every record must read back alone from its offset and length. Then, with
 * a store holding one article made of the text of the first WET conversion, discover must find
 * that page in both the WET and the WARC of the same crawl, and nothing with a store of unrelated
 * articles. It prints what it saw and exits 1 on any mismatch.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchOptions } from '../../src/check/check-snapshot.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { localArchive } from '../../src/discover/archive.ts';
import type { Discovery } from '../../src/discover/judge.ts';
import { buildPrefilter, Prefilter } from '../../src/discover/prefilter.ts';
import { readArchive } from '../../src/discover/records.ts';
import { runFile } from '../../src/discover/run-file.ts';
import { indexArticles } from '../../src/match/fingerprint-index.ts';
import { toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';

const root = process.argv[2] ?? '/work/corpus/discover';
const files: string[] = [];
const walk = (dir: string) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(?:warc|wet)(?:\.gz)?$/.test(name)) files.push(path);
  }
};
walk(root);
let failures = 0;
const fail = (message: string) => {
  failures++;
  console.log(`  FAIL ${message}`);
};

for (const file of files.sort()) {
  const size = statSync(file).size;
  let expectedOffset = 0;
  let records = 0;
  const damage: string[] = [];
  const spans: Array<{ offset: number; length: number; url?: string; type: string }> = [];
  for await (const event of readArchive(localArchive(file), { wants: () => false })) {
    const span = 'record' in event ? event.record : { ...event.damage, type: 'damage' };
    if (span.offset !== expectedOffset)
      fail(`${file}: a record at ${span.offset}, expected ${expectedOffset}`);
    expectedOffset = span.offset + span.length;
    if ('record' in event) {
      records++;
      spans.push(event.record);
    } else damage.push(`${event.damage.offset}+${event.damage.length} ${event.damage.reason}`);
  }
  if (expectedOffset !== size) fail(`${file}: records end at ${expectedOffset} of ${size} bytes`);
  let alone = 0;
  for (const span of spans) {
    const back = [];
    for await (const event of readArchive(localArchive(file), {
      start: span.offset,
      end: span.offset + span.length,
      wants: () => false,
    }))
      back.push(event);
    const only = back[0];
    if (
      back.length === 1 &&
      only &&
      'record' in only &&
      only.record.type === span.type &&
      only.record.url === span.url
    )
      alone++;
    else fail(`${file}: the record at ${span.offset}+${span.length} does not read back alone`);
  }
  console.log(
    `${file}: ${records} records, ${alone} read back alone${damage.length ? `, damage: ${damage.join('; ')}` : ''}`,
  );
}

// A store with one article: the text of the first WET conversion (a real page's text).
const wet = files.find((file) => /\.wet\.gz$/.test(file));
if (wet) {
  let conversion: { url: string; text: string } | undefined;
  for await (const event of readArchive(localArchive(wet), { wants: (head) => head.type === 'conversion' })) {
    if ('record' in event && event.record.payload && event.record.url) {
      conversion = { url: event.record.url, text: new TextDecoder().decode(event.record.payload) };
      break;
    }
  }
  const terms = loadTerms(join(import.meta.dirname, '..', '..', 'rules'));
  const paragraphs = conversion!.text.split('\n').filter((line) => line.trim().length > 0);
  for (const [label, html, expectFound] of [
    [
      'the page as an article',
      paragraphs.map((line) => `<p>${line.replace(/[<&]/g, ' ')}</p>`).join('\n'),
      true,
    ],
    [
      'an unrelated article',
      readFileSync(join(import.meta.dirname, '..', 'fixtures', 'articles.jsonl'), 'utf8').split('\n')[0]!,
      false,
    ],
  ] as const) {
    const sql = await openSql(join(mkdtempSync(join(tmpdir(), 'real-archives-')), 'store.sqlite'));
    const article = expectFound
      ? toArticle({
          id: 'real-1',
          url: 'https://northwind.example/real-1',
          title: 'Real page',
          published: '2024-05-01',
          html,
        })
      : toArticle(JSON.parse(html));
    await upsertArticles(sql, [article]);
    await indexArticles(sql);
    const prefilter = new Prefilter(await buildPrefilter(sql), matchOptions(terms));
    for (const file of files.filter((name) => /whirlwind\.warc(?:\.wet)?\.gz$/.test(name))) {
      const found: Discovery[] = [];
      await runFile(
        localArchive(file),
        { sql, terms, sites: [], prefilter, minCoverage: 0 },
        {
          onProgress(progress) {
            found.push(...progress.discoveries);
          },
        },
      );
      const hit = found.find((item) => item.pageUrl === conversion!.url);
      console.log(
        `${label}, ${file}: ${found.length} found${hit ? `: ${hit.pageUrl} at ${hit.recordOffset}+${hit.recordLength}, ${hit.kind}, coverage ${hit.coverage}` : ''}`,
      );
      if (expectFound && !hit) fail(`${file}: the page reprinted as an article was not found`);
      // The offsets webrecorder's cdxj-indexer gives these two records (the whirlwind README).
      const indexed = file.endsWith('.wet.gz') ? 466 : 1023;
      if (expectFound && hit && hit.recordOffset !== indexed)
        fail(`${file}: found at offset ${hit.recordOffset}, cdxj-indexer says ${indexed}`);
      if (!expectFound && found.length > 0) fail(`${file}: found ${found.length} with an unrelated store`);
    }
    await sql.close();
  }
}
console.log(failures === 0 ? 'all as expected' : `${failures} mismatches`);
process.exitCode = failures === 0 ? 0 : 1;
