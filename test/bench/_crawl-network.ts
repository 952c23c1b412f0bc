/**
 * The benchmark network: SITES × PAGES made-up sites (site0.example …) with robots.txt, sitemaps,
 * feeds and pages that link to each other, served by one HTTP server that tells the sites apart
 * by the Host header (the crawler reaches them through its `resolve` map). It runs in a process of
 * its own (`startNetwork`), so that the crawler's memory and CPU figures are its own.
 *
 * With `reprints`, every fourth page (2, 6, 10, …) reprints one of the fixture articles (test/fixtures) instead
 * of filler text, credited in one of three ways: properly (compliant on a community site), with a
 * link to the publisher's home page only, or with no copyright line. Sites alternate commercial
 * (even numbers: every reprint violates) and community, so a scan of the network finds compliant
 * reprints and violations of every rule.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { articles, type Credit, reprint } from '../scan/_reprints.ts';

const script = fileURLToPath(import.meta.url);

export interface NetworkStats {
  /** The most requests seen in flight to one host at once. */
  mostInFlight: number;
  requests: number;
  /** Pages answered with a page (200 or 304): not robots.txt, sitemaps, feeds or 404s. */
  pages: number;
  /** Answers to a page that had been answered before (since the last reset). */
  pagesAgain: number;
}

export interface CrawlNetwork {
  port: number;
  hosts: string[];
  /** The network's figures since the last reset; `reset` clears them. */
  stats(options?: { reset?: boolean }): Promise<NetworkStats>;
  /** A sites.yaml for the network: every site, politeness delays off, `crawler` on top. */
  sitesFile(crawler?: Record<string, unknown>): Record<string, unknown>;
  /** A rules folder at `dir` (made here): the project's terms and `sitesFile(crawler)`. */
  writeRules(dir: string, crawler?: Record<string, unknown>): string;
  close(): void;
}

export async function startNetwork(
  sites: number,
  pages: number,
  options: { reprints?: boolean } = {},
): Promise<CrawlNetwork> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', script, String(pages), options.reprints ? 'reprints' : 'filler'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the network exited ${code}`)));
  });
  const hosts = Array.from({ length: sites }, (_, i) => `site${i}.example`);
  const network: CrawlNetwork = {
    port,
    hosts,
    async stats({ reset = false } = {}) {
      const response = await fetch(`http://127.0.0.1:${port}/stats${reset ? '?reset' : ''}`, {
        headers: { host: 'stats.invalid' },
      });
      return (await response.json()) as NetworkStats;
    },
    sitesFile(crawler = {}) {
      return {
        crawler: {
          delayMs: 0,
          perHost: 1,
          concurrency: 16,
          allowPrivateNetworks: true,
          resolve: Object.fromEntries(hosts.map((host) => [host, `127.0.0.1:${port}`])),
          ...crawler,
        },
        sites: hosts.map((host, i) => ({
          id: `site${i}`,
          url: `http://${host}/`,
          kind: i % 2 ? 'community' : 'commercial',
          discover: {
            feeds: [`http://${host}/feed.xml`],
            start: [`http://${host}/`],
            maxDepth: 1,
            maxPages: pages + 10,
          },
        })),
      };
    },
    writeRules(dir, crawler = {}) {
      mkdirSync(dir, { recursive: true });
      copyFileSync(
        fileURLToPath(new URL('../../rules/terms.yaml', import.meta.url)),
        join(dir, 'terms.yaml'),
      );
      writeFileSync(join(dir, 'sites.yaml'), stringify(network.sitesFile(crawler)));
      return dir;
    },
    close: () => child.kill(),
  };
  return network;
}

/** The server, when this file is run as the network's process: PAGES, then `reprints` or `filler`. */
function serve(pages: number, reprints: boolean): void {
  const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. '.repeat(
    40,
  );
  const reprinted = Object.values(articles).filter((article) => !article.id.endsWith('-update'));
  const credits: Credit[] = ['proper', 'home-only', 'no-copyright'];

  function page(host: string, index: number): string {
    const links = [1, 2, 3, 7, 11]
      .map((step) => `<a href="/article/${(index + step) % pages}">related ${step}</a>`)
      .join(' ');
    if (reprints && index % 4 === 2) {
      const nth = (index - 2) / 4;
      const site = Number(/\d+/.exec(host)![0]);
      const article = reprinted[(nth + site) % reprinted.length]!;
      return reprint(article, credits[nth % credits.length]!, `<nav>${links}</nav>`);
    }
    return `<!doctype html><html><head><meta charset="utf-8"><title>${host} ${index}</title></head><body><article><h1>Article ${index}</h1><p>${filler}</p><p>Source: Northwind Review</p></article><nav>${links}</nav></body></html>`;
  }

  // Requests in flight per host, and the most seen at once, for the benchmarks that check that
  // per-host limits hold across worker processes; `GET /stats` on any other host reads (and with
  // `?reset` clears) them.
  const inFlight = new Map<string, number>();
  let mostInFlight = 0;
  let requests = 0;
  let pagesServed = 0;
  let answered = new Set<string>();
  let pagesAgain = 0;
  const served = (host: string, path: string) => {
    pagesServed++;
    const key = `${host}${path}`;
    if (answered.has(key)) pagesAgain++;
    else answered.add(key);
  };

  const server = http.createServer((request, response) => {
    const host = (request.headers.host ?? '').split(':')[0]!;
    const path = request.url ?? '/';
    if (!/^site\d+\.example$/.test(host)) {
      if (path.startsWith('/stats')) {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ mostInFlight, requests, pages: pagesServed, pagesAgain }));
        if (path.includes('reset')) {
          [mostInFlight, requests, pagesServed, pagesAgain] = [0, 0, 0, 0];
          answered = new Set();
        }
        return;
      }
      response.writeHead(404).end();
      return;
    }
    requests++;
    const now = (inFlight.get(host) ?? 0) + 1;
    inFlight.set(host, now);
    mostInFlight = Math.max(mostInFlight, now);
    response.on('close', () => inFlight.set(host, (inFlight.get(host) ?? 1) - 1));
    if (path === '/robots.txt') {
      response
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(`User-agent: *\nDisallow: /private/\nSitemap: http://${host}/sitemap.xml\n`);
    } else if (path === '/sitemap.xml') {
      const urls = Array.from(
        { length: pages },
        (_, i) => `<url><loc>http://${host}/article/${i}</loc></url>`,
      ).join('');
      response
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`,
        );
    } else if (path === '/feed.xml') {
      const items = Array.from(
        { length: 20 },
        (_, i) => `<item><title>${i}</title><link>http://${host}/article/${i}</link></item>`,
      ).join('');
      response
        .writeHead(200, { 'content-type': 'application/rss+xml' })
        .end(
          `<?xml version="1.0"?><rss version="2.0"><channel><title>${host}</title>${items}</channel></rss>`,
        );
    } else if (path === '/') {
      served(host, path);
      response.writeHead(200, { 'content-type': 'text/html' }).end(page(host, 0));
    } else {
      const match = /^\/article\/(\d+)$/.exec(path);
      if (!match || Number(match[1]) >= pages) {
        response.writeHead(404).end();
        return;
      }
      // Articles carry an ETag, so the rescan pass measures conditional requests (304s).
      const etag = `"${host}-${match[1]}"`;
      served(host, path);
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304, { etag }).end();
        return;
      }
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag })
        .end(page(host, Number(match[1])));
    }
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
}

if (process.argv[1] === script) serve(Number(process.argv[2] ?? 400), process.argv[3] === 'reprints');
