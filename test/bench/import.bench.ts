/**
 * Import throughput: a 20,000-line JSONL file and a 2,000-item RSS feed, against a baseline of
 * JSON.parse alone on the same lines (the floor any JSONL reader pays).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSources } from '../../src/ingest/import.ts';
import { readJsonl } from '../../src/ingest/jsonl.ts';
import { openSql } from '../../src/store/db.ts';
import { heapUsedMiB, peakRssMiB, printTable, time, timeAsync } from './_measure.ts';

const count = 20_000;
const paragraph =
  'Negotiators met again on Monday as the river fell to its lowest level in a decade, and farmers downstream began rationing water between villages. ';
const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-'));
try {
  const lines = Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      id: `nw-${index}`,
      url: `https://northwind.example/archive/${index}/`,
      title: `Article ${index}`,
      published: new Date(Date.UTC(2020, 0, 1) + index * 3_600_000).toISOString(),
      authors: ['Ana Lima'],
      categories: [{ term: 'Sahel', scheme: 'Region' }],
      tags: ['rivers'],
      markdown: Array.from({ length: 4 }, () => paragraph.repeat(3)).join('\n\n'),
    }),
  );
  const jsonl = join(dir, 'archive.jsonl');
  const text = `${lines.join('\n')}\n`;
  writeFileSync(jsonl, text);

  const items = Array.from(
    { length: 2_000 },
    (_, index) => `<item><title>Item ${index}</title><link>https://northwind.example/feed/${index}/</link>
<guid isPermaLink="false">feed-${index}</guid><pubDate>${new Date(Date.UTC(2024, 0, 1) + index * 60_000).toUTCString()}</pubDate>
<category domain="Region">Sahel</category><description><![CDATA[<p>${paragraph.repeat(6)}</p>]]></description></item>`,
  );
  const rss = join(dir, 'feed.xml');
  writeFileSync(
    rss,
    `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>${items.join('\n')}</channel></rss>`,
  );

  const heapBefore = heapUsedMiB();
  const baseline = time(() =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
  );
  const read = time(() => readJsonl(text, jsonl));
  const sql = await openSql(join(dir, 'store.sqlite'));
  const first = await timeAsync(async () => await importSources(sql, [jsonl]));
  const again = await timeAsync(async () => await importSources(sql, [jsonl]));
  const feed = await timeAsync(async () => await importSources(sql, [rss]));
  await sql.close();
  const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);
  printTable([
    {
      step: 'baseline: JSON.parse each line',
      articles: count,
      ms: baseline.ms,
      'per s': perSecond(count, baseline.ms),
      'x baseline': 1,
    },
    {
      step: 'readJsonl (validate + Markdown)',
      articles: count,
      ms: read.ms,
      'per s': perSecond(count, read.ms),
      'x baseline': read.ms / baseline.ms,
    },
    {
      step: 'import into a new store',
      articles: first.value.inserted,
      ms: first.ms,
      'per s': perSecond(count, first.ms),
      'x baseline': first.ms / baseline.ms,
    },
    {
      step: 're-import (all unchanged)',
      articles: again.value.unchanged,
      ms: again.ms,
      'per s': perSecond(count, again.ms),
      'x baseline': again.ms / baseline.ms,
    },
    {
      step: 'RSS file, 2,000 items',
      articles: feed.value.inserted,
      ms: feed.ms,
      'per s': perSecond(2_000, feed.ms),
      'x baseline': '',
    },
  ]);
  console.log(
    `\nfile ${(text.length / 1024 / 1024).toFixed(1)} MiB; heap before ${heapBefore.toFixed(1)} MiB, after ${heapUsedMiB().toFixed(1)} MiB; peak RSS ${peakRssMiB().toFixed(0)} MiB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
