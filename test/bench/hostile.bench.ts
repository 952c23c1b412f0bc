/**
 * `npm run bench hostile`: time and peak memory of each way a site can try to stall or exhaust a
 * crawl (issue 14), next to an ordinary page, robots.txt and sitemap measured in the same run.
 * Each case runs in a process of its own, so that its peak RSS is its own; the hostile sites are
 * served by `hostile-network.ts` from another process. Nothing here asserts a time: the figures
 * are printed for a person to read (the machine may be shared; say so when quoting them).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Parser from 'rss-parser';
import { loadTerms } from '../../src/check/terms.ts';
import { loadAlerts } from '../../src/config/alerts.ts';
import { sitesFileSchema } from '../../src/config/sites.ts';
import { crawl } from '../../src/crawl/crawl.ts';
import { extractLinks, parseSitemap } from '../../src/crawl/discovery.ts';
import { isAllowed, parseRobots, policyFor } from '../../src/crawl/robots.ts';
import { parseXmlFeed, rootElement } from '../../src/ingest/_xml-feed.ts';
import { importSources } from '../../src/ingest/import.ts';
import { parsePage } from '../../src/match/page.ts';
import { runScan } from '../../src/scan/scan.ts';
import { openSql } from '../../src/store/db.ts';
import { heapUsedMiB, peakRssMiB, printTable } from './_measure.ts';

const GOOD_SITES = Number(process.env.HOSTILE_GOOD_SITES ?? 10);
const GOOD_PAGES = Number(process.env.HOSTILE_GOOD_PAGES ?? 50);
const UA = 'syndicate/0.1 (reprint-terms checker)';
const CASE_TIMEOUT_MS = Number(process.env.HOSTILE_CASE_TIMEOUT_MS ?? 300_000);
const here = fileURLToPath(import.meta.url);
const repo = join(here, '..', '..', '..');

interface Figure {
  case: string;
  ms: number;
  rssMiB: number;
  outcome: string;
}

type Case = (port: number) => Promise<Omit<Figure, 'case' | 'rssMiB'>>;

function timed<T>(run: () => T): { value: T; ms: number } {
  const begun = performance.now();
  const value = run();
  return { value, ms: performance.now() - begun };
}

/** The slowest of the isAllowed calls after a warm-up call: what one URL can cost. */
function slowestCall(robots: string, paths: string[]): { ms: number; allowed: number } {
  const policy = policyFor(parseRobots(robots), UA);
  isAllowed(policy, 'https://site.example/warm-up');
  let slowest = 0;
  let allowed = 0;
  for (const path of paths) {
    const { value, ms } = timed(() => isAllowed(policy, `https://site.example${path}`));
    slowest = Math.max(slowest, ms);
    if (value) allowed++;
  }
  return { ms: slowest, allowed };
}

const ordinaryRobots = [
  'User-agent: *',
  ...Array.from({ length: 30 }, (_, n) => `Disallow: /section-${n}/private/`),
  'Disallow: /*?session=',
  'Disallow: /*.pdf$',
  'Allow: /section-3/private/public-*',
  'Sitemap: https://site.example/sitemap.xml',
].join('\n');

function sitemapText(entries: number): Buffer {
  const urls = Array.from({ length: entries }, (_, n) => `<url><loc>https://site.example/p${n}</loc></url>`);
  return Buffer.from(
    `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.join('')}</urlset>`,
  );
}

function sitesConfig(port: number, names: string[], crawler: Record<string, unknown> = {}) {
  return sitesFileSchema.parse({
    crawler: {
      delayMs: 0,
      allowPrivateNetworks: true,
      concurrency: 8,
      resolve: Object.fromEntries(names.map((name) => [`${name}.example`, `127.0.0.1:${port}`])),
      ...crawler,
    },
    sites: names.map((name) => ({
      id: name,
      url: `http://${name}.example/`,
      kind: 'community',
      discover: name === 'links' ? { start: ['http://links.example/'], maxDepth: 1 } : {},
    })),
  });
}

async function crawlCase(port: number, names: string[]): Promise<{ ms: number; outcome: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-hostile-bench-'));
  const sql = await openSql(join(dir, 'store.sqlite'));
  try {
    const begun = performance.now();
    const summary = await crawl(sql, sitesConfig(port, names));
    const over = Object.entries(summary.overBudget ?? {}).map(([site, budget]) => `${site}:${budget}`);
    return {
      ms: performance.now() - begun,
      outcome: `${summary.pagesFetched} pages${over.length ? `, over budget ${over.join(' ')}` : ''}`,
    };
  } finally {
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function scanCase(
  port: number,
  names: string[],
  crawler: Record<string, unknown> = {},
): Promise<{ ms: number; outcome: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-hostile-bench-'));
  const sql = await openSql(join(dir, 'store.sqlite'));
  try {
    await importSources(sql, [join(repo, 'test', 'fixtures', 'articles.jsonl')]);
    const rules = join(repo, 'rules');
    const config = {
      sites: sitesConfig(port, names, crawler),
      terms: loadTerms(rules),
      alerts: loadAlerts(rules),
    };
    const begun = performance.now();
    const summary = await runScan(sql, config);
    const ms = performance.now() - begun;
    const perSite = await sql.all<{ site: string; n: number }>(
      'SELECT site_id AS site, COUNT(*) AS n FROM crawl_snapshots WHERE pass_id = ? GROUP BY site_id',
      [summary.crawl.passId],
    );
    const goodWhole = names
      .filter((name) => name.startsWith('good'))
      .filter((name) => perSite.find((row) => row.site === name)?.n === GOOD_PAGES).length;
    const goodCount = names.filter((name) => name.startsWith('good')).length;
    const over = Object.entries(summary.crawl.overBudget ?? {}).map(([site, budget]) => `${site}:${budget}`);
    return {
      ms,
      outcome: `${summary.judged} judged${goodCount ? `, good sites whole ${goodWhole}/${goodCount}` : ''}${over.length ? `, over budget ${over.join(' ')}` : ''}`,
    };
  } finally {
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A page nested `depth` divs deep: parse5 and htmlparser2's Parser spend time in the depth on every tag. */
function nested(depth: number): string {
  return `<html><body>${'<div>'.repeat(depth)}<p>The text at the bottom, <a href="/x">a link</a>.</p>${'</div>'.repeat(depth)}</body></html>`;
}

/** The page as the checker reads it (a tree) and as the crawler reads its links. */
function readDeep(html: string): { ms: number; outcome: string } {
  const page = timed(() => parsePage(html, 'https://site.example/'));
  const links = timed(() => extractLinks(html, 'https://site.example/'));
  return {
    ms: page.ms + links.ms,
    outcome: `read ${page.ms.toFixed(0)} ms, links ${links.ms.toFixed(0)} ms; ${page.value.flattened ?? 0} tags flattened`,
  };
}

/** About 8 MB of RSS: ordinary items, or one item's text, or elements nested a million deep. */
const FEED_BYTES = 8_000_000;
const FEED_HEAD =
  '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>t</title><link>https://n.example/</link><description>d</description>\n';
const FEED_TAIL = '</channel></rss>\n';

function ordinaryFeed(): string {
  const words =
    '&lt;p&gt;Negotiators met again on Monday as the river fell to its lowest level in a decade.&lt;/p&gt;\n';
  const item = (n: number) =>
    `<item><title>Item ${n}</title><link>https://n.example/${n}</link><guid>n-${n}</guid><pubDate>Sat, 07 Mar 2026 10:00:00 GMT</pubDate><category domain="Region">Sahel</category><description>${words.repeat(20)}</description></item>\n`;
  const count = Math.floor(FEED_BYTES / item(0).length);
  return FEED_HEAD + Array.from({ length: count }, (_, n) => item(n)).join('') + FEED_TAIL;
}

const bigTextFeed = () =>
  `${FEED_HEAD}<item><title>Big</title><link>https://n.example/big</link><description>${'a'.repeat(FEED_BYTES)}</description></item>${FEED_TAIL}`;
const deepFeed = () =>
  `${FEED_HEAD}<item>${'<x>'.repeat(1_000_000)}${'</x>'.repeat(1_000_000)}</item>${FEED_TAIL}`;

/** `syndicate import FILE` into a fresh store: the whole import, or its refusal. */
async function importFeed(text: string): Promise<{ ms: number; outcome: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-hostile-import-'));
  try {
    const file = join(dir, 'feed.xml');
    writeFileSync(file, text);
    const sql = await openSql(join(dir, 'store.sqlite'));
    const begun = performance.now();
    const summary = await importSources(sql, [file]);
    const ms = performance.now() - begun;
    await sql.close();
    const error = summary.files[0]?.error;
    const size = `${(text.length / 1e6).toFixed(1)} MB`;
    const outcome = error
      ? `${size}, refused: ${error.toString().replace(`${dir}/`, '').slice(0, 90)}`
      : `${size}, ${summary.inserted} articles imported`;
    return { ms, outcome };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const goodNames = Array.from({ length: GOOD_SITES }, (_, n) => `good${n}`);
const hostileNames = ['stars', 'grouped', 'indexes', 'huge', 'links', 'slow', 'later', 'tarpit'];

const cases: Record<string, Case> = {
  'robots: ordinary file, 2,000 URLs (baseline)': async () => {
    const paths = Array.from(
      { length: 2000 },
      (_, n) => `/section-${n % 40}/private/page-${n}?session=${n % 3}`,
    );
    const { ms, allowed } = slowestCall(ordinaryRobots, paths);
    return { ms, outcome: `slowest call; ${allowed} of 2,000 allowed` };
  },
  'robots: /*a×12*b against 60 a': async () => {
    const { ms, allowed } = slowestCall('User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*a*a*b', [
      `/${'a'.repeat(60)}`,
    ]);
    return { ms, outcome: `one call; allowed ${allowed === 1}` };
  },
  'robots: /*a×2000$ against 5,000 a': async () => {
    const { ms, allowed } = slowestCall(`User-agent: *\nDisallow: /${'*a'.repeat(2000)}$`, [
      `/${'a'.repeat(5000)}`,
    ]);
    return { ms, outcome: `one call; allowed ${allowed === 1}` };
  },
  'robots: 500 KiB of many-star rules, 2,000-char URL': async () => {
    const text = `User-agent: *\n${Array.from({ length: 5000 }, (_, n) => `Disallow: /${'*a'.repeat(40)}*b${n}`).join('\n')}`;
    const parse = timed(() => policyFor(parseRobots(text), UA));
    const call = timed(() => isAllowed(parse.value, `https://site.example/${'a'.repeat(2000)}`));
    return { ms: call.ms, outcome: `one call (parse ${parse.ms.toFixed(0)} ms); allowed ${call.value}` };
  },
  'sitemap: 500 entries (baseline)': async () => {
    const bytes = sitemapText(500);
    const { value, ms } = timed(() => parseSitemap(bytes, 'application/xml', 'https://site.example/', 1e8));
    return { ms, outcome: `${value.pages.length} pages` };
  },
  'sitemap: 50,000 entries, all kept': async () => {
    const bytes = sitemapText(50_000);
    const { value, ms } = timed(() => parseSitemap(bytes, 'application/xml', 'https://site.example/', 1e8));
    return { ms, outcome: `${value.pages.length} pages` };
  },
  'sitemap: 50,000 entries, page budget 500': async () => {
    const bytes = sitemapText(50_000);
    const { value, ms } = timed(() =>
      parseSitemap(bytes, 'application/xml', 'https://site.example/', 1e8, { maxPages: 500 }),
    );
    return { ms, outcome: `${value.pages.length} kept, ${value.droppedPages} counted` };
  },
  'xml pre-scan: 1 MB feed (baseline)': async () => {
    const item =
      '<item><title>t</title><link>https://n.example/a</link><description>text text text</description></item>\n';
    const text = `<?xml version="1.0"?>\n<rss version="2.0"><channel>${item.repeat(Math.floor(1e6 / item.length))}</channel></rss>`;
    const { value, ms } = timed(() => [rootElement(text), parseXmlFeed(text, 'bench.xml').items.length]);
    return { ms, outcome: `<${value[0]}>, ${value[1]} items` };
  },
  'xml pre-scan: 1 MB of <!-- inside a PI': async () => {
    const text = `<?xml version="1.0"?><?pi ${'<!--'.repeat(250_000)}?>\n<rss version="2.0"><channel></channel></rss>`;
    const { value, ms } = timed(() => [rootElement(text), parseXmlFeed(text, 'bench.xml').items.length]);
    return { ms, outcome: `<${value[0]}>, ${value[1]} items` };
  },
  'import: ordinary 8 MB RSS feed (baseline)': async () => importFeed(ordinaryFeed()),
  'import: 8 MB RSS feed, one text node': async () => importFeed(bigTextFeed()),
  'import: RSS feed nested 1,000,000 deep (7 MB)': async () => importFeed(deepFeed()),
  'feed read: ordinary 8 MB feed, streaming reader': async () => {
    const text = ordinaryFeed();
    const before = heapUsedMiB();
    const { value, ms } = timed(() => parseXmlFeed(text, 'bench.xml'));
    return { ms, outcome: `${value.items.length} items, ${heapUsedMiB() - before} MiB of heap kept` };
  },
  'feed read: ordinary 8 MB feed, rss-parser (the reader before)': async () => {
    const text = ordinaryFeed();
    const before = heapUsedMiB();
    const begun = performance.now();
    const feed = await new Parser().parseString(text);
    const ms = performance.now() - begun;
    return { ms, outcome: `${feed.items.length} items, ${heapUsedMiB() - before} MiB of heap kept` };
  },
  'feed read: nested 1,000,000 deep, rss-parser (the reader before)': async () => {
    const begun = performance.now();
    const outcome = await new Parser().parseString(deepFeed()).then(
      (feed) => `${feed.items.length} items`,
      (error: Error) => `failed: ${error.name}: ${error.message.slice(0, 60)}`,
    );
    return { ms: performance.now() - begun, outcome };
  },
  'page: 200 KB ordinary article page (baseline)': async () => {
    const block =
      '<div class="row"><p>Words of an ordinary paragraph, <a href="/next">a link</a> and <b>bold</b>.</p></div>\n';
    const html = `<html><body><main><h1>Title</h1>${block.repeat(Math.floor(2e5 / block.length))}</main></body></html>`;
    return readDeep(html);
  },
  'page: 128,000 nested divs (1.4 MB)': async () => readDeep(nested(128_000)),
  'page: 512,000 nested divs (5.6 MB)': async () => readDeep(nested(512_000)),
  'crawl: ordinary site, 50 pages (baseline)': (port) => crawlCase(port, ['good0']),
  'crawl: 10 MB page with 554,000 links': (port) => crawlCase(port, ['links']),
  'crawl: sitemap indexes of indexes, forever': (port) => crawlCase(port, ['indexes']),
  'crawl: 50,000-entry sitemap': (port) => crawlCase(port, ['huge']),
  'crawl: many-star robots.txt': (port) => crawlCase(port, ['stars']),
  'scan: ordinary site, 50 pages (baseline)': (port) => scanCase(port, ['good0']),
  'scan: 10 MB page with 554,000 links': (port) => scanCase(port, ['links']),
  [`scan: ${GOOD_SITES} good sites + every hostile site, 15 s per site`]: (port) =>
    scanCase(port, [...goodNames, ...hostileNames], { siteTimeBudgetMs: 15_000 }),
};

async function startNetwork(): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('./hostile-network.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(GOOD_SITES), String(GOOD_PAGES)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { child, port };
}

const [, , wanted, portArgument] = process.argv;
if (wanted && portArgument) {
  // One case, in this process of its own: print its figure as one JSON line.
  const run = cases[wanted];
  if (!run) throw new Error(`no case ${wanted}`);
  const result = await run(Number(portArgument));
  process.stdout.write(`${JSON.stringify({ case: wanted, ...result, rssMiB: peakRssMiB() })}\n`);
} else {
  const { child, port } = await startNetwork();
  const figures: Figure[] = [];
  try {
    for (const name of Object.keys(cases)) {
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--expose-gc', here, name, String(port)],
        {
          encoding: 'utf8',
          env: { ...process.env, SYNDICATE_LOG_LEVEL: 'silent' },
          maxBuffer: 1 << 20,
          // A case that hangs (as some did before issue 14) is reported, not waited for.
          timeout: CASE_TIMEOUT_MS,
          killSignal: 'SIGKILL',
        },
      );
      if (result.error || result.signal) {
        figures.push({
          case: name,
          ms: Number.NaN,
          rssMiB: Number.NaN,
          outcome: `no answer within ${CASE_TIMEOUT_MS / 1000} s (killed)`,
        });
        continue;
      }
      const line = result.stdout.trim().split('\n').at(-1) ?? '';
      if (result.status !== 0 || !line.startsWith('{')) {
        figures.push({
          case: name,
          ms: Number.NaN,
          rssMiB: Number.NaN,
          outcome: `failed: ${result.stderr.trim().split('\n').at(-1)}`,
        });
      } else {
        figures.push(JSON.parse(line) as Figure);
      }
    }
  } finally {
    child.kill();
  }
  printTable(
    figures.map((figure) => ({
      case: figure.case,
      'time ms': Number(figure.ms.toFixed(figure.ms < 10 ? 3 : 0)),
      'peak RSS MiB': Math.round(figure.rssMiB),
      outcome: figure.outcome,
    })),
  );
}
