/**
 * `npm run bench feed`: a generated store of 100,000 articles (about 5 KB of HTML each) and 100 feed
 * definitions of 50 items each. Measures the full build, a rebuild with nothing changed, a rebuild
 * after one article changes, an import of one article and the rebuild after it, and, in the same
 * run, what `feed` alone takes to render the same documents (the baseline the ratios are against).
 * The articles' item sources (HTML cleaned, summary made) are made as `import` makes them, and
 * what that costs is printed; a forced build into another folder (every source made again from
 * its record, every piece rendered) must write the same bytes as the incremental builds did.
 * Then the costs of the publisher features: one feed archived (RFC 5005) built in full and rebuilt
 * after a new article, a removal and its rebuild, and notifying a WebSub hub (a local one, on
 * 127.0.0.1) of every feed. Prints the figures, what the item fragment cache did, and peak memory.
 */

import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Feed } from 'feed';
import { type FeedConfig, feedDefinitionSchema, publisherSchema } from '../../src/config/feeds.ts';
import { renderAtom } from '../../src/feed/atom1.ts';
import { type BuildResult, buildFeeds } from '../../src/feed/build.ts';
import { ItemSources, prepareItemSources, staleItemSources } from '../../src/feed/item-sources.ts';
import { renderJsonFeed } from '../../src/feed/json-feed.ts';
import { buildFeedDocument, type FeedDocument, itemFromSource } from '../../src/feed/model.ts';
import { FeedSelector } from '../../src/feed/query.ts';
import { renderRss } from '../../src/feed/rss2.ts';
import { notifyHubs } from '../../src/feed/websub.ts';
import { importSources } from '../../src/ingest/import.ts';
import type { Article } from '../../src/store/article.ts';
import { getArticle, removeArticles, upsertArticles } from '../../src/store/articles.ts';
import { openSql } from '../../src/store/db.ts';
import { heapUsedMiB, peakRssMiB, printTable, time, timeAsync } from './_measure.ts';

const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 100_000);
const FEEDS = 100;
const ITEMS = 50;

// A small deterministic generator, so that every run measures the same store.
let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const WORDS = (
  'ceasefire talks resume across the region while negotiators weigh water rights trade routes and the ' +
  'future of border towns; analysts say hopes rise & fall with every round, yet the families who live ' +
  'there keep farming, teaching and writing — مرحبا שלום 🕊️ — as reporters from both banks record it'
).split(' ');
const THEMES = Array.from({ length: 20 }, (_, index) =>
  index === 0 ? 'Peace and Security' : `Theme ${index}`,
);
const REGIONS = Array.from({ length: 20 }, (_, index) => `Region ${index}`);
const AUTHORS = Array.from({ length: 300 }, (_, index) => (index === 0 ? 'Ana Lima' : `Author ${index}`));
const TAGS = Array.from({ length: 40 }, (_, index) => `tag-${index}`);

function paragraph(): string {
  const words = Array.from({ length: 60 + Math.floor(random() * 40) }, () => pick(WORDS));
  // Half the paragraphs link relatively, as many publishers' bodies do (rewritten on the way out).
  const link = random() < 0.5 ? '/topics/' : 'https://northwind.example/topics/';
  return `<p>${words.join(' ')} <a href="${link}${pick(TAGS)}">more</a>.</p>\n`;
}

// Articles are made from a pool of paragraphs, so that generating the store costs little of the run.
const PARAGRAPHS = Array.from({ length: 500 }, paragraph);

function article(index: number, start: number): Article {
  let html = '';
  while (html.length < 5000) html += pick(PARAGRAPHS);
  const published = new Date(start - index * 600_000).toISOString();
  const authors = [{ name: pick(AUTHORS) }, ...(random() < 0.3 ? [{ name: pick(AUTHORS) }] : [])];
  return {
    id: `https://northwind.example/articles/${index}`,
    url: `https://northwind.example/articles/${index}`,
    title: `Story ${index}: ${pick(WORDS)} & ${pick(WORDS)}`,
    published,
    authors,
    // Half without a summary: theirs is made from the body.
    ...(index % 2 ? { summary: `Summary of story ${index}.` } : {}),
    html,
    categories: [
      { term: pick(THEMES), scheme: 'Theme' },
      { term: pick(REGIONS), scheme: 'Region' },
    ],
    tags: [pick(TAGS), pick(TAGS)].filter((tag, position, list) => list.indexOf(tag) === position),
    aliases: [],
    ...(random() < 0.1 ? { language: 'fr' } : {}),
  };
}

function definitions(): FeedConfig['feeds'] {
  const list: unknown[] = [{ id: 'all', title: 'Everything', limit: ITEMS }];
  for (let index = 0; list.length < FEEDS; index++) {
    const kind = index % 5;
    const filter =
      kind === 0
        ? { categories: { Theme: [THEMES[index % THEMES.length]!] } }
        : kind === 1
          ? { authors: [AUTHORS[index % AUTHORS.length]!] }
          : kind === 2
            ? { categories: { Region: [REGIONS[index % REGIONS.length]!], Theme: [THEMES[index % 3]!] } }
            : kind === 3
              ? { tags: [TAGS[index % TAGS.length]!] }
              : { language: 'fr', categories: { Theme: [THEMES[index % THEMES.length]!] } };
    list.push({
      id: `feed-${index}`,
      title: `Feed ${index}`,
      filter,
      limit: ITEMS,
      content: index % 4 === 3 ? 'summary' : 'full',
    });
  }
  return list.map((definition) => feedDefinitionSchema.parse(definition));
}

/** The same documents rendered by `feed` 6 alone, with the values given to it as they are. */
function renderWithFeedLibrary(document: FeedDocument): number {
  const feed = new Feed({
    id: document.atomId,
    title: document.title,
    link: document.home,
    language: document.language,
    copyright: document.copyright,
    updated: new Date(document.updated),
    ...(document.publisher.logo ? { image: document.publisher.logo } : {}),
    feedLinks: { rss: document.self.rss, atom: document.self.atom, json: document.self.json },
  });
  for (const item of document.items) {
    feed.addItem({
      title: item.title,
      id: item.atomId,
      link: item.url,
      date: new Date(item.updated),
      published: new Date(item.published),
      description: item.summaryHtml,
      ...(item.full ? { content: item.contentHtml } : {}),
      author: item.authors.map((author) => ({ name: author.name })),
      category: item.categories.map((category) => ({
        name: category.term,
        term: category.term,
        ...(category.schemeUri ? { scheme: category.schemeUri, domain: category.scheme } : {}),
      })),
      copyright: item.rights,
    });
  }
  return feed.rss2().length + feed.atom1().length + feed.json1().length;
}

/**
 * The median of `runs` timings of `run`; `prepare` (untimed) runs before each, and a garbage
 * collection, so that one run does not pay for the garbage of the one before.
 */
async function median<T>(
  runs: number,
  run: () => Promise<T>,
  prepare?: () => Promise<unknown>,
): Promise<{ value: T; ms: number; all: number[] }> {
  const results: Array<{ value: T; ms: number }> = [];
  for (let index = 0; index < runs; index++) {
    if (prepare) await prepare();
    globalThis.gc?.();
    results.push(await timeAsync(run));
  }
  const sorted = [...results].sort((a, b) => a.ms - b.ms);
  return { ...sorted[Math.floor(runs / 2)]!, all: results.map((result) => result.ms) };
}

const dir = mkdtempSync(join(tmpdir(), 'syndicate-bench-'));
try {
  const storeFile = join(dir, 'store.sqlite');
  const start = Date.parse('2026-06-01T00:00:00Z');
  // Generating the store takes most of a minute on a shared machine: BENCH_FEED_STORE names a copy
  // kept between runs (made on the first, for this many articles), which each run works on a copy of.
  const kept = process.env.BENCH_FEED_STORE?.replace(/(\.sqlite)?$/, `-${ARTICLES}.sqlite`);
  if (kept && existsSync(kept)) {
    copyFileSync(kept, storeFile);
    process.stdout.write(`store of ${ARTICLES.toLocaleString('en-US')} articles copied from ${kept}\n`);
  }
  const db = await openSql(storeFile);
  if (!kept || !existsSync(kept)) {
    const generate = await timeAsync(async () => {
      for (let offset = 0; offset < ARTICLES; offset += 5000) {
        const batch: Article[] = [];
        for (let index = offset; index < Math.min(ARTICLES, offset + 5000); index++)
          batch.push(article(index, start));
        await upsertArticles(db, batch);
      }
    });
    process.stdout.write(
      `generated ${ARTICLES.toLocaleString('en-US')} articles in ${(generate.ms / 1000).toFixed(1)} s\n`,
    );
  }
  const publisher = publisherSchema.parse({
    name: 'Northwind Review',
    home: 'https://northwind.example/',
    feedBase: 'https://northwind.example/feeds/',
    language: 'en',
    logo: 'https://northwind.example/logo.png',
    copyright: 'Copyright © Northwind Review',
    attribution:
      '<p>First published by {publisher}: <a href="{url}">{title}</a>.<br>{copyright}. Community sites may cross-post with the source and copyright acknowledged and a link to the original; commercial use needs permission.</p>',
  });
  const config: FeedConfig = { publisher, feeds: definitions() };
  const out = join(dir, 'public');

  // What `import` does after writing articles: their item sources, made once per article version.
  // Making them for every article of a kept store after each change to the code they depend on
  // would take minutes; the builds below read only the sources of the articles their feeds carry
  // (the archived feed's included), so those are the ones brought up to date here, and their cost
  // per article is what import adds. A kept store is kept with them.
  const carried = new Set<string>();
  {
    const selector = new FeedSelector(db);
    for (const feed of config.feeds)
      for (const { id } of await selector.select(feed, publisher)) carried.add(id);
    for (const { id } of await selector.select(config.feeds[1]!, publisher, Number.MAX_SAFE_INTEGER))
      carried.add(id);
  }
  const stale = (await staleItemSources(db)).filter((id) => carried.has(id));
  const sourcesMade = await timeAsync(() => prepareItemSources(db, stale));
  process.stdout.write(
    `item sources made for ${sourcesMade.value.toLocaleString('en-US')} of the ${carried.size.toLocaleString('en-US')} articles the feeds carry in ${(sourcesMade.ms / 1000).toFixed(1)} s` +
      (sourcesMade.value > 0
        ? ` (${(sourcesMade.ms / sourcesMade.value).toFixed(2)} ms an article: what import adds)\n`
        : '\n'),
  );
  if (kept && (!existsSync(kept) || sourcesMade.value > 0)) {
    await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    copyFileSync(storeFile, kept);
  }

  const loadAtFullBuild = loadavg()[0]!;
  // The full build, three times, each into a folder of its own that starts empty; the last folder
  // is the one the rebuilds below work on. One run of a second or more is at the mercy of the disk
  // and the machine's other work: the median of three is reported, and the one-change rebuild (a
  // median of five) is compared with it.
  const fullRuns: Array<{ value: BuildResult; ms: number }> = [];
  for (const into of [join(dir, 'full-1'), join(dir, 'full-2'), out]) {
    globalThis.gc?.();
    fullRuns.push(await timeAsync(() => buildFeeds(db, config, { out: into })));
    if (into !== out) rmSync(into, { recursive: true, force: true });
  }
  const full = [...fullRuns].sort((a, b) => a.ms - b.ms)[1]!;
  // The machine may be shared: the short steps are run several times and their median reported.
  const unchanged = await median(5, () => buildFeeds(db, config, { out }));
  // The newest article of the first theme feed: in that feed, in "all", and in any other it matches.
  const target = (await new FeedSelector(db).select(config.feeds[1]!, publisher))[0]!;
  const newest = (await getArticle(db, target.id))!;
  let edits = 0;
  // The change made as `syndicate import` makes it: the article written and its item source made
  // (what that costs is the "import one article" step's, below); the build is what is timed.
  const oneChanged = await median(
    5,
    () => buildFeeds(db, config, { out }),
    async () => {
      await upsertArticles(db, [{ ...newest, title: `${newest.title} (corrected ${++edits})` }]);
      await prepareItemSources(db, [newest.id]);
    },
  );
  // What a publisher does after an edit: import the one article's file, then build.
  const jsonl = join(dir, 'one.jsonl');
  writeFileSync(jsonl, `${JSON.stringify({ ...newest, title: `${newest.title} (corrected again)` })}\n`);
  const imported = await timeAsync(async () => {
    const summary = await importSources(db, [jsonl]);
    if (summary.failed) throw new Error(summary.files[0]?.error?.message);
    // As `syndicate import` does.
    await prepareItemSources(
      db,
      summary.files.flatMap((file) => [...file.inserted, ...file.updated]),
    );
    return buildFeeds(db, config, { out });
  });

  // The same store built with --force into an empty folder: every item source made again from
  // its record, every piece rendered. Its files must be the incremental builds' byte for byte.
  const forcedOut = join(dir, 'forced');
  const forced = await timeAsync(() => buildFeeds(db, config, { out: forcedOut, force: true }));
  const outputs = readdirSync(out).filter((name) => !name.startsWith('.'));
  const differing = outputs.filter(
    (name) => !readFileSync(join(out, name)).equals(readFileSync(join(forcedOut, name))),
  );
  if (
    differing.length > 0 ||
    outputs.length !== readdirSync(forcedOut).filter((name) => !name.startsWith('.')).length
  )
    throw new Error(
      `the forced build differs from the incremental one in ${differing.join(', ') || 'its files'}`,
    );

  // The same documents, rendered by ours and by `feed` alone.
  const query = await timeAsync(async () => {
    const selector = new FeedSelector(db);
    const selections = [];
    for (const feed of config.feeds) selections.push(await selector.select(feed, publisher));
    return selections;
  });
  // The documents the build wrote, items made from the stored sources (as `prepareItem` makes them).
  const sources = new ItemSources(db);
  await sources.load(query.value.flat());
  const documents = config.feeds.map((feed, index) =>
    buildFeedDocument(
      feed,
      publisher,
      query.value[index]!.map(({ id }) =>
        itemFromSource(sources.get(id), publisher, feed.content === 'full', true),
      ),
    ),
  );
  const ours = time(() => {
    let bytes = 0;
    for (const document of documents) {
      bytes += renderRss(document).length + renderAtom(document).length + renderJsonFeed(document).length;
    }
    return bytes;
  });
  const library = time(() =>
    documents.reduce((bytes, document) => bytes + renderWithFeedLibrary(document), 0),
  );

  // RFC 5005: the first theme feed with every item reachable in archive pages of 50.
  const archived: FeedConfig = {
    publisher,
    feeds: [
      feedDefinitionSchema.parse({ ...config.feeds[1]!, id: 'archived', archive: { pageSize: ITEMS } }),
    ],
  };
  const archiveOut = join(dir, 'archive');
  const archiveFull = await timeAsync(() => buildFeeds(db, archived, { out: archiveOut }));
  const fresh = {
    ...newest,
    id: `${newest.id}/new`,
    url: `${newest.url}/new`,
    published: new Date(start + 60_000).toISOString(),
  };
  await upsertArticles(db, [fresh]);
  const archiveAfterNew = await timeAsync(() => buildFeeds(db, archived, { out: archiveOut }));
  // `remove` and the rebuild it calls for (tombstones in Atom).
  const removal = await timeAsync(async () => {
    await removeArticles(db, [target.id]);
    return buildFeeds(db, config, { out });
  });

  // WebSub: a hub on 127.0.0.1 that answers 204 to every publish notice.
  let notices = 0;
  const hub = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      notices++;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  const hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
  const topics = config.feeds.flatMap((feed) =>
    feed.formats.map((format) => `${publisher.feedBase}${feed.id}.${format}`),
  );
  const websub = await timeAsync(() => notifyHubs([hubUrl], topics));
  await new Promise((resolve) => hub.close(resolve));
  await db.close();

  const items = documents.reduce((sum, document) => sum + document.items.length, 0);
  printTable([
    {
      step: 'full build (100 feeds × 3 formats + OPML)',
      ms: full.ms,
      files: full.value.written.length,
      selected: full.value.selected.length,
    },
    {
      step: 'rebuild, nothing changed',
      ms: unchanged.ms,
      files: unchanged.value.written.length,
      selected: unchanged.value.selected.length,
    },
    {
      step: 'rebuild, one article changed',
      ms: oneChanged.ms,
      files: oneChanged.value.written.length,
      selected: oneChanged.value.selected.length,
    },
    {
      step: 'import one article (.jsonl) + rebuild',
      ms: imported.ms,
      files: imported.value.written.length,
      selected: imported.value.selected.length,
    },
    {
      step: 'full build again, --force into an empty folder (sources made from records)',
      ms: forced.ms,
      files: forced.value.written.length,
      selected: forced.value.selected.length,
    },
    {
      step: 'remove one article + rebuild',
      ms: removal.ms,
      files: removal.value.written.length,
      selected: removal.value.selected.length,
    },
    { step: 'query: 100 feed selections', ms: query.ms, files: 0, selected: config.feeds.length },
    {
      step: 'render only, ours (RSS + Atom + JSON 1.1)',
      ms: ours.ms,
      files: documents.length * 3,
      selected: 0,
    },
    {
      step: 'render only, feed 6 alone (RSS + Atom + JSON 1.0)',
      ms: library.ms,
      files: documents.length * 3,
      selected: 0,
    },
    {
      step: 'archived feed: full build, every page',
      ms: archiveFull.ms,
      files: archiveFull.value.written.length,
      selected: 1,
    },
    {
      step: 'archived feed: rebuild after a new article',
      ms: archiveAfterNew.ms,
      files: archiveAfterNew.value.written.length,
      selected: 1,
    },
    {
      step: `WebSub: notify a local hub of ${topics.length} feed URLs`,
      ms: websub.ms,
      files: 0,
      selected: 0,
    },
  ]);
  if (notices !== topics.length || websub.value.some((notice) => !notice.ok))
    throw new Error(`the hub got ${notices} of ${topics.length} notices`);
  process.stdout.write(
    `\n${items.toLocaleString('en-US')} items, ${(ours.value / 1024 / 1024).toFixed(0)} MiB of output per render\n` +
      `ratio render ours / feed alone: ${(ours.ms / library.ms).toFixed(2)} (target for the full build: ≤ 1.3)\n` +
      `ratio full build / feed alone: ${(full.ms / library.ms).toFixed(2)} (target ≤ 1.3); sources it read ${full.value.sources.read}, made ${full.value.sources.made}\n` +
      `ratio forced build (cleaning every item) / feed alone: ${(forced.ms / library.ms).toFixed(2)}; forced output byte-identical: ${outputs.length} files\n` +
      `nothing-changed rebuild: ${unchanged.ms.toFixed(1)} ms (target < 50 ms)\n` +
      `full build / one-change rebuild: ${(full.ms / oneChanged.ms).toFixed(1)}× faster (target ≥ 20×)\n` +
      `one-change rebuild: ${oneChanged.value.sources.read} item source read, ${oneChanged.value.fragments.prepared} item prepared, ${oneChanged.value.fragments.rendered} pieces rendered, ${oneChanged.value.fragments.reused} taken from the last build's files\n` +
      `runs (ms): full build ${fullRuns.map((run) => run.ms.toFixed(0)).join(', ')}; nothing changed ${unchanged.all.map((ms) => ms.toFixed(1)).join(', ')}; one change ${oneChanged.all.map((ms) => ms.toFixed(0)).join(', ')}\n` +
      `peak RSS ${peakRssMiB().toFixed(0)} MiB, heap after ${heapUsedMiB().toFixed(0)} MiB\n` +
      // Timings on a shared machine follow its load: the full build writes 400 files and waits for
      // the disk, which \`feed\` alone does not.
      `load average (1 min) at the full build ${loadAtFullBuild.toFixed(2)}, at the end ${loadavg()[0]!.toFixed(2)}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
