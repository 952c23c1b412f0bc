import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type SeenRequest, startServer, type TestServer } from '../helpers/http.ts';
import { articles, type Credit, reprint } from '../scan/_reprints.ts';

/**
 * A small network of republishers for the scan tests on the job queue (issue 11): three sites on
 * 127.0.0.1, 127.0.0.2 and 127.0.0.3, each with a robots.txt that disallows /private/, a sitemap,
 * and four pages (reprints credited in different ways, and a page that reprints nothing), every
 * page linking to a private page that must never be asked for. Their servers log every request.
 * Also: `syndicate` processes started for real.
 */

export const repo = join(import.meta.dirname, '..', '..');
const bin = join(repo, 'src', 'cli', 'bin.js');

type PagePlan = { article: string; credit: Credit } | 'unrelated';

/** What each site holds: the same plan on every run, so that two stores can be compared. */
const PLAN: Array<{ kind: 'community' | 'commercial'; pages: Record<string, PagePlan> }> = [
  {
    kind: 'community',
    pages: {
      '/a/': { article: 'nw-481', credit: 'proper' },
      '/b/': { article: 'nw-455', credit: 'home-only' },
      '/c/': 'unrelated',
      '/d/': { article: 'ledger-77', credit: 'no-copyright' },
    },
  },
  {
    kind: 'community',
    pages: {
      '/a/': { article: 'nw-470', credit: 'home-only' },
      '/b/': { article: 'nw-390', credit: 'proper' },
      '/c/': { article: 'nw-481', credit: 'no-copyright' },
      '/d/': 'unrelated',
    },
  },
  {
    kind: 'commercial',
    pages: {
      '/a/': { article: 'nw-455', credit: 'proper' },
      '/b/': 'unrelated',
      '/c/': { article: 'ledger-77', credit: 'home-only' },
      '/d/': { article: 'nw-470', credit: 'proper' },
    },
  },
];

export const PAGE_PATHS = ['/a/', '/b/', '/c/', '/d/'];

export interface NetworkSite {
  id: string;
  kind: 'community' | 'commercial';
  server: TestServer;
  url(path: string): string;
  /** Called before a page is answered: 'hang' leaves it unanswered, a promise holds it until it settles. */
  onPage?: (path: string) => 'hang' | 'answer' | Promise<void>;
}

function pageHtml(plan: PagePlan, path: string): string {
  const links = `<nav><a href="/private/${path.replaceAll('/', '')}">members</a> ${PAGE_PATHS.map(
    (other) => `<a href="${other}">${other}</a>`,
  ).join(' ')}</nav>`;
  if (plan === 'unrelated') {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Notices</title></head><body><main><h1>Club notices</h1><p>The allotment meeting moves to Thursday evening this month. Bring seeds to swap and a flask of tea.</p></main>${links}</body></html>`;
  }
  return reprint(articles[plan.article]!, plan.credit, links);
}

export async function startNetwork(): Promise<NetworkSite[]> {
  const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
  return Promise.all(
    hosts.map(async (host, index) => {
      const plan = PLAN[index]!;
      const site: NetworkSite = {
        id: `site-${index}`,
        kind: plan.kind,
        server: undefined as unknown as TestServer,
        url: (path) => `http://${host}:${site.server.port}${path}`,
      };
      site.server = await startServer(
        async (request, response) => {
          const path = request.url ?? '/';
          if (path === '/robots.txt') {
            response
              .writeHead(200, { 'content-type': 'text/plain' })
              .end(`User-agent: *\nDisallow: /private/\nSitemap: ${site.url('/sitemap.xml')}\n`);
            return;
          }
          if (path === '/sitemap.xml') {
            const urls = PAGE_PATHS.map((page) => `<url><loc>${site.url(page)}</loc></url>`).join('');
            response
              .writeHead(200, { 'content-type': 'application/xml' })
              .end(
                `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`,
              );
            return;
          }
          if (path === '/') {
            response
              .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
              .end(pageHtml('unrelated', '/home/'));
            return;
          }
          const page = plan.pages[path];
          if (!page) {
            response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
            return;
          }
          const held = site.onPage?.(path);
          if (held === 'hang') return;
          if (held instanceof Promise) await held;
          await new Promise((resolve) => setTimeout(resolve, 15));
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml(page, path));
        },
        { host },
      );
      return site;
    }),
  );
}

/** The pages of the network that break the terms: a credit missing, or any reprint on a commercial site. */
export function violatingPages(sites: NetworkSite[]): string[] {
  return sites
    .flatMap((site, index) =>
      Object.entries(PLAN[index]!.pages)
        .filter(
          ([, page]) => page !== 'unrelated' && (page.credit !== 'proper' || site.kind === 'commercial'),
        )
        .map(([path]) => site.url(path)),
    )
    .sort();
}

/** A rules folder for the network: the project's terms, its sites, a delay between requests. */
export function writeNetworkRules(
  dir: string,
  sites: NetworkSite[],
  crawler: Record<string, unknown>,
): string {
  copyFileSync(join(repo, 'rules', 'terms.yaml'), join(dir, 'terms.yaml'));
  writeFileSync(
    join(dir, 'sites.yaml'),
    stringify({
      crawler: { allowPrivateNetworks: true, perHost: 1, retries: 2, retryDelayMs: 10, ...crawler },
      sites: sites.map((site) => ({
        id: site.id,
        url: site.url('/'),
        kind: site.kind,
        discover: { start: [site.url('/a/')], maxDepth: 1 },
      })),
    }),
  );
  return dir;
}

/** The most requests that were in flight at once, from a server's log. */
export function mostAtOnce(requests: readonly SeenRequest[]): number {
  const events = requests.flatMap((request) => [
    { at: request.startedAt, change: 1 },
    { at: request.endedAt ?? Number.POSITIVE_INFINITY, change: -1 },
  ]);
  // An end and a start at the same millisecond: the end first (the slot was given back).
  events.sort((a, b) => a.at - b.at || a.change - b.change);
  let now = 0;
  let most = 0;
  for (const event of events) {
    now += event.change;
    most = Math.max(most, now);
  }
  return most;
}

/** The shortest time between two requests' arrivals at a server. */
export function shortestGapMs(requests: readonly SeenRequest[]): number {
  const arrivals = requests.map((request) => request.startedAt).sort((a, b) => a - b);
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < arrivals.length; i++) shortest = Math.min(shortest, arrivals[i]! - arrivals[i - 1]!);
  return shortest;
}

export interface Syndicate {
  process: ChildProcess;
  stdout: string;
  /** What it wrote on stderr that is not a JSON log line (a one-line error, say). */
  stderr: string;
  /** The JSON log lines it wrote so far. */
  log: Array<{ msg?: string; sites?: string[]; [key: string]: unknown }>;
  exited: Promise<number | null>;
  /** Resolves when its log says `message`. */
  said(message: string): Promise<void>;
  /** The sites it is crawling now (from its `crawl started` / `crawl finished` lines). */
  crawling: Set<string>;
}

/** `syndicate ARGS…` as a real process, its log read as JSON lines. */
export function syndicate(args: string[], running: ChildProcess[]): Syndicate {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SYNDICATE_LOG_LEVEL: 'info' },
  });
  running.push(child);
  const waiting: Array<{ message: string; resolve: () => void }> = [];
  const result: Syndicate = {
    process: child,
    stdout: '',
    stderr: '',
    log: [],
    crawling: new Set(),
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    said(message) {
      if (result.log.some((entry) => entry.msg === message)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiting.push({ message, resolve });
        void result.exited.then((code) => reject(new Error(`exited ${code} before saying "${message}"`)));
      });
    },
  };
  child.stdout!.on('data', (chunk) => {
    result.stdout += chunk;
  });
  let buffer = '';
  child.stderr!.on('data', (chunk) => {
    buffer += chunk;
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let entry: Syndicate['log'][number];
      try {
        entry = JSON.parse(line);
      } catch {
        result.stderr += `${line}\n`;
        continue;
      }
      result.log.push(entry);
      const site = entry.sites?.[0];
      if (site && (entry.msg === 'crawl started' || entry.msg === 'crawl resumed')) result.crawling.add(site);
      if (site && (entry.msg === 'crawl finished' || entry.msg === 'crawl stopped'))
        result.crawling.delete(site);
      for (const wait of waiting.filter((w) => w.message === entry.msg)) wait.resolve();
    }
  });
  return result;
}
