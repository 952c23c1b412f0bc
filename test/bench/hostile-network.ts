/**
 * The hostile benchmark's network: ordinary sites (`good0.example` …) and one site for each way a
 * site can try to stall or exhaust a crawl, all served by one HTTP server on 127.0.0.1 that tells
 * them apart by the Host header. Runs in its own process, so that the crawler's memory is its own.
 * Usage: node --import tsx hostile-network.ts GOOD_SITES GOOD_PAGES; prints the port on stdout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const goodSites = Number(process.argv[2] ?? 10);
const goodPages = Number(process.argv[3] ?? 50);
const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. '.repeat(40);

export const HOSTILE = ['stars', 'grouped', 'indexes', 'huge', 'links', 'slow', 'later', 'tarpit'] as const;

const urlset = (host: string, paths: string[]) =>
  `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${paths
    .map((path) => `<url><loc>http://${host}${path}</loc></url>`)
    .join('')}</urlset>`;

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

function article(host: string, index: number): string {
  const links = [1, 2, 3]
    .map((step) => `<a href="/article/${(index + step) % goodPages}">more</a>`)
    .join(' ');
  return page(
    `${host} ${index}`,
    `<article><h1>Article ${index}</h1><p>${filler}</p></article><nav>${links}</nav>`,
  );
}

// 554,000 links in 10 MB, as the issue measured: built once.
let hugePage: Buffer | undefined;
function linkPage(): Buffer {
  hugePage ??= Buffer.from(
    // Unquoted and unclosed, as HTML allows: 554,000 links fit in 8.6 MB, under the 10 MB body limit.
    page('links', Array.from({ length: 554_000 }, (_, n) => `<a href=${n}>`).join('')),
  );
  return hugePage;
}

let hugeSitemap: string | undefined;

type Reply = (status: number, type: string, body?: string | Buffer, headers?: Record<string, string>) => void;

function hostile(name: string, path: string, reply: Reply, response: http.ServerResponse) {
  const host = `${name}.example`;
  const robots = (text: string) => reply(200, 'text/plain', text);
  switch (name) {
    case 'stars':
      if (path === '/robots.txt') return robots('User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*a*a*b\n');
      if (path === '/sitemap.xml') return reply(200, 'application/xml', urlset(host, [`/${'a'.repeat(60)}`]));
      return reply(200, 'text/html', page('a', '<p>a</p>'));
    case 'grouped':
      if (path === '/robots.txt')
        return robots(
          'User-agent: GPTBot\nContent-Signal: ai-train=no\nUser-agent: syndicate\nDisallow: /\n',
        );
      return reply(200, 'text/html', page('never', '<p>never fetched</p>'));
    case 'indexes': {
      if (path === '/robots.txt') return robots(`User-agent: *\nAllow: /\nSitemap: http://${host}/s/0.xml\n`);
      const id = /^\/s\/([\d-]+)\.xml$/.exec(path)?.[1] ?? '0';
      const children = [1, 2, 3, 4, 5]
        .map((n) => `<sitemap><loc>http://${host}/s/${id}-${n}.xml</loc></sitemap>`)
        .join('');
      return reply(200, 'application/xml', `<sitemapindex>${children}</sitemapindex>`);
    }
    case 'huge':
      if (path === '/robots.txt') return robots('User-agent: *\nAllow: /\n');
      if (path === '/sitemap.xml') {
        hugeSitemap ??= urlset(
          host,
          Array.from({ length: 50_000 }, (_, n) => `/p${n}`),
        );
        return reply(200, 'application/xml', hugeSitemap);
      }
      return reply(200, 'text/html', page('p', '<p>page</p>'));
    case 'links':
      if (path === '/robots.txt') return robots('User-agent: *\nAllow: /\n');
      if (path === '/sitemap.xml') return reply(200, 'application/xml', urlset(host, ['/']));
      if (path === '/') return reply(200, 'text/html', linkPage());
      return reply(200, 'text/html', page('l', '<p>linked</p>'));
    case 'slow':
      if (path === '/robots.txt') return robots('User-agent: *\nCrawl-delay: 300\n');
      if (path === '/sitemap.xml')
        return reply(
          200,
          'application/xml',
          urlset(
            host,
            Array.from({ length: 500 }, (_, n) => `/p${n}`),
          ),
        );
      return reply(200, 'text/html', page('slow', '<p>slow</p>'));
    case 'later':
      if (path === '/robots.txt') return robots('User-agent: *\nAllow: /\n');
      if (path === '/sitemap.xml') return reply(200, 'application/xml', urlset(host, ['/p1', '/p2']));
      return reply(503, 'text/plain', 'later', { 'retry-after': '290' });
    case 'tarpit': {
      if (path === '/robots.txt') return robots('User-agent: *\nAllow: /\n');
      if (path === '/sitemap.xml') return reply(200, 'application/xml', urlset(host, ['/p1', '/p2', '/p3']));
      response.writeHead(200, { 'content-type': 'text/html' });
      const timer = setInterval(() => response.write(' '), 500);
      response.on('close', () => clearInterval(timer));
      return;
    }
    default:
      reply(404, 'text/plain', 'no such site');
  }
}

function good(host: string, path: string, reply: Reply) {
  if (path === '/robots.txt')
    return reply(
      200,
      'text/plain',
      `User-agent: *\nDisallow: /private/\nSitemap: http://${host}/sitemap.xml\n`,
    );
  if (path === '/sitemap.xml')
    return reply(
      200,
      'application/xml',
      urlset(
        host,
        Array.from({ length: goodPages }, (_, n) => `/article/${n}`),
      ),
    );
  const match = /^\/article\/(\d+)$/.exec(path);
  if (!match || Number(match[1]) >= goodPages) return reply(404, 'text/plain', 'not found');
  reply(200, 'text/html; charset=utf-8', article(host, Number(match[1])));
}

if (process.argv[1]?.endsWith('hostile-network.ts')) {
  const server = http.createServer((request, response) => {
    const host = (request.headers.host ?? '').split(':')[0]!;
    const path = request.url ?? '/';
    const reply: Reply = (status, type, body = '', headers = {}) => {
      response.writeHead(status, { 'content-type': type, ...headers }).end(body);
    };
    const name = host.replace(/\.example$/, '');
    if (/^good\d+$/.test(name) && Number(name.slice(4)) < goodSites) good(host, path, reply);
    else hostile(name, path, reply, response);
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
}
