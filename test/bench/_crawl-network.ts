/**
 * A generated network of made-up sites for the crawl benchmark, served by one HTTP server that
 * tells the sites apart by the Host header (the crawler reaches them through its `resolve` map).
 * Runs in its own process so the crawler's memory and CPU figures are its own.
 * Usage: node --import tsx _crawl-network.ts SITES PAGES; prints the port on stdout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const sites = Number(process.argv[2] ?? 50);
const pages = Number(process.argv[3] ?? 400);
const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. '.repeat(40);

function page(host: string, index: number): string {
  const links = [1, 2, 3, 7, 11]
    .map((step) => `<a href="/article/${(index + step) % pages}">related ${step}</a>`)
    .join(' ');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${host} ${index}</title></head><body><article><h1>Article ${index}</h1><p>${filler}</p><p>Source: Northwind Review</p></article><nav>${links}</nav></body></html>`;
}

// Requests in flight per host, and the most seen at once, for the benchmarks that check that
// per-host limits hold across worker processes; `GET /stats` on any other host reads (and with
// `?reset` clears) them.
const inFlight = new Map<string, number>();
let mostInFlight = 0;
let requests = 0;
/** Pages answered with a page (200 or 304): not robots.txt, sitemaps, feeds or 404s. */
let pagesServed = 0;

const server = http.createServer((request, response) => {
  const host = (request.headers.host ?? '').split(':')[0]!;
  const path = request.url ?? '/';
  if (!/^site\d+\.example$/.test(host)) {
    if (path.startsWith('/stats')) {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ mostInFlight, requests, pages: pagesServed }));
      if (path.includes('reset')) [mostInFlight, requests, pagesServed] = [0, 0, 0];
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
      .end(`<?xml version="1.0"?><rss version="2.0"><channel><title>${host}</title>${items}</channel></rss>`);
  } else if (path === '/') {
    pagesServed++;
    response.writeHead(200, { 'content-type': 'text/html' }).end(page(host, 0));
  } else {
    const match = /^\/article\/(\d+)$/.exec(path);
    if (!match || Number(match[1]) >= pages) {
      response.writeHead(404).end();
      return;
    }
    // Articles carry an ETag, so the rescan pass measures conditional requests (304s).
    const etag = `"${host}-${match[1]}"`;
    pagesServed++;
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
void sites;
