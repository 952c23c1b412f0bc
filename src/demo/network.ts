import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Article } from '../store/article.ts';
import { escapeHtml } from '../text/html.ts';

/**
 * The demo's network of example republishers, each a real HTTP server on 127.0.0.1. Their host
 * names are the `*.example` names of `rules/sites.yaml`; the crawler reaches them through its
 * `resolve` map, as curl --resolve does. Each site does one thing a real republisher does, so the
 * report at the end of `npm start` has a verdict to show for each.
 */

export type Behaviour =
  | 'credits-properly'
  | 'links-home-only'
  | 'no-copyright'
  | 'commercial-unlicensed'
  | 'commercial-licensed'
  | 'excerpts'
  | 'robots-rules'
  | 'slow'
  | 'down';

export interface DemoSite {
  id: string;
  host: string;
  behaviour: Behaviour;
  /** What a reader of the report should expect to see for this site. */
  expect: string;
  /** The language its pages are written in (`<html lang>`); notices to it are written in it. */
  language?: string;
}

export const demoSites: DemoSite[] = [
  { id: 'harbour-notes', host: 'harbour-notes.example', behaviour: 'credits-properly', expect: 'compliant' },
  {
    id: 'civic-commons',
    host: 'civic-commons.example',
    behaviour: 'links-home-only',
    expect: 'link-to-original',
  },
  { id: 'open-ledger', host: 'open-ledger.example', behaviour: 'no-copyright', expect: 'copyright-notice' },
  { id: 'newsmill', host: 'newsmill.example', behaviour: 'commercial-unlicensed', expect: 'commercial-use' },
  {
    id: 'meridian-media',
    host: 'meridian-media.example',
    behaviour: 'commercial-licensed',
    expect: 'compliant',
  },
  { id: 'quote-garden', host: 'quote-garden.example', behaviour: 'excerpts', expect: 'compliant excerpts' },
  {
    id: 'tidewater-forum',
    host: 'tidewater-forum.example',
    behaviour: 'robots-rules',
    expect: 'compliant; its disallowed members area is never fetched',
  },
  { id: 'slowpoke-digest', host: 'slowpoke-digest.example', behaviour: 'slow', expect: 'compliant, slowly' },
  {
    id: 'gazette-du-port',
    host: 'gazette-du-port.example',
    behaviour: 'links-home-only',
    expect: 'link-to-original (a French site: its letter is in French)',
    language: 'fr',
  },
  {
    id: 'lantern-post',
    host: 'lantern-post.example',
    behaviour: 'down',
    expect: 'unreachable: down for maintenance (robots.txt answers 503)',
  },
];

export interface Publisher {
  name: string;
  home: string;
}

export interface RunningNetwork {
  /** host name → 127.0.0.1:PORT, for the crawler's `resolve` map. */
  resolve: Record<string, string>;
  /** Requests each site received, by path (the robots test: nothing under /members/ is asked). */
  requests: Map<string, string[]>;
  close(): Promise<void>;
}

interface Page {
  status?: number;
  type?: string;
  body: string;
  delayMs?: number;
}

const slug = (article: Article) =>
  new URL(article.url).pathname
    .split('/')
    .filter(Boolean)
    .at(-1)!
    .replace(/[^a-z0-9-]/gi, '-')
    .toLowerCase();

const year = (article: Article) => article.published.slice(0, 4);
const authorNames = (article: Article) =>
  article.authors.map((author) => author.name).join(', ') || 'the author';

function layout(site: DemoSite, title: string, main: string, options: { commercial?: boolean } = {}): string {
  const name = site.host.replace('.example', '').replace(/-/g, ' ');
  return `<!doctype html>
<html lang="${site.language ?? 'en'}"><head><meta charset="utf-8"><title>${escapeHtml(title)} | ${name}</title></head>
<body>
<header class="site-header"><a href="/">${name}</a>
<nav class="menu"><a href="/">Home</a> <a href="/about/">About</a></nav></header>
<div class="wrap">
<main id="main" class="site-main">${main}</main>
<aside class="sidebar widget-area"><section class="widget"><h2>Recent posts</h2><ul><li><a href="/about/">About us</a></li></ul></section>
${options.commercial ? '<section class="widget ad">Sponsored: premium news, sold by subscription.</section>' : ''}</aside>
</div>
<footer class="site-footer">© 2026 ${name}. All rights reserved.</footer>
</body></html>`;
}

function reprint(site: DemoSite, article: Article, publisher: Publisher, original: string): string {
  const authors = escapeHtml(authorNames(article));
  const credited =
    site.language === 'fr' ? "Publié à l'origine par" : 'This article was originally published by';
  const credit = (link: string) =>
    `<p class="credit">${credited} <a href="${escapeHtml(link)}">${escapeHtml(publisher.name)}</a>.</p>`;
  const copyright = `<p class="copyright">Copyright © ${year(article)} ${authors}, ${escapeHtml(publisher.name)}</p>`;
  let tail = '';
  switch (site.behaviour) {
    case 'credits-properly':
    case 'commercial-unlicensed':
    case 'commercial-licensed':
    case 'robots-rules':
    case 'slow':
      tail = credit(original) + copyright;
      break;
    case 'links-home-only':
      tail = credit(publisher.home) + copyright;
      break;
    case 'no-copyright':
      tail = credit(original);
      break;
    case 'excerpts':
    case 'down':
      break;
  }
  return `<article class="post"><h1 class="entry-title">${escapeHtml(article.title)}</h1>
<p class="byline">By ${authors}</p>
<div class="entry-content">${article.html}
${tail}</div></article>`;
}

/** The first paragraphs of an article, about a fifth of it: what an excerpt site shows. */
function excerpt(article: Article, publisher: Publisher): string {
  const paragraphs = article.html.match(/<p>[\s\S]*?<\/p>/g) ?? [];
  const kept = paragraphs.slice(0, Math.max(1, Math.round(paragraphs.length / 5))).join('\n');
  return `<article class="post"><h1 class="entry-title">${escapeHtml(article.title)}</h1>
<div class="entry-content">${kept}
<p class="credit">Source: ${escapeHtml(publisher.name)}. Copyright © ${year(article)} ${escapeHtml(authorNames(article))}.
<a href="${escapeHtml(article.url)}?utm_source=quote-garden&amp;utm_medium=excerpt">Read the full article</a></p></div></article>`;
}

/** A page that quotes a sentence of an article inside its own writing: not a reprint at all. */
function quotation(article: Article): string {
  const text = article.html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const sentence = text.split(/(?<=[.!?])\s/).find((s) => s.split(' ').length > 10) ?? text.slice(0, 120);
  return `<article class="post"><h1 class="entry-title">Reading notes for the week</h1><div class="entry-content">
<p>Our reading group met on Thursday and argued, as usual, about the news from abroad. Several members
brought cuttings, and one passage started a long discussion about how reporters choose their words.</p>
<blockquote>${escapeHtml(sentence)}</blockquote>
<p>We did not agree on much, but everyone left with a list of things to read before the next meeting,
and the tea was, for once, hot.</p></div></article>`;
}

const aboutPage = (site: DemoSite) =>
  layout(
    site,
    'About',
    `<article class="page"><h1>About us</h1><p>We are a small team writing about our town and the
world, and we share pieces from other publications when they let us.</p></article>`,
  );

function sitePages(site: DemoSite, articles: Article[], publisher: Publisher): Map<string, Page> {
  const pages = new Map<string, Page>();
  const commercial = site.behaviour === 'commercial-unlicensed' || site.behaviour === 'commercial-licensed';
  const index = sitesIndex(site, articles);
  const links: string[] = [];
  for (const [position, article] of index.entries()) {
    const path =
      site.behaviour === 'robots-rules' && position === index.length - 1
        ? `/members/${slug(article)}/`
        : `/${year(article)}/${slug(article)}/`;
    const original =
      position % 2 === 0 ? article.url : `${article.url}?utm_source=${site.id}&utm_medium=repost`;
    const main =
      site.behaviour === 'excerpts'
        ? excerpt(article, publisher)
        : reprint(site, article, publisher, original);
    // The members area reprints without any credit, but robots.txt forbids crawling it.
    const body = path.startsWith('/members/')
      ? layout(
          site,
          article.title,
          `<article class="post"><h1>${escapeHtml(article.title)}</h1>${article.html}</article>`,
        )
      : layout(site, article.title, main, { commercial });
    pages.set(path, { body, delayMs: site.behaviour === 'slow' ? 400 : 0 });
    links.push(path);
  }
  if (site.behaviour === 'excerpts' && articles[0]) {
    pages.set('/reading-notes/', { body: layout(site, 'Reading notes', quotation(articles[0])) });
    links.push('/reading-notes/');
  }
  pages.set('/about/', { body: aboutPage(site) });
  links.push('/about/');
  const base = `http://${site.host}`;
  pages.set('/', {
    body: layout(
      site,
      'Home',
      `<h1>Latest</h1><ul class="posts">${links.map((link) => `<li><a href="${link}">${escapeHtml(link)}</a></li>`).join('')}</ul>`,
    ),
  });
  pages.set('/robots.txt', {
    type: 'text/plain',
    body:
      site.behaviour === 'robots-rules'
        ? `User-agent: *\nDisallow: /members/\nSitemap: ${base}/sitemap.xml\n`
        : `User-agent: *\nAllow: /\nSitemap: ${base}/sitemap.xml\n`,
  });
  pages.set('/sitemap.xml', {
    type: 'application/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${[
      '/',
      ...links,
    ]
      .map((link) => `  <url><loc>${base}${link}</loc></url>`)
      .join('\n')}\n</urlset>\n`,
  });
  return pages;
}

/** Each site reprints its own three articles, so findings differ by site. */
function sitesIndex(site: DemoSite, articles: Article[]): Article[] {
  const position = demoSites.findIndex((candidate) => candidate.id === site.id);
  return [0, 1, 2].map((offset) => articles[(position * 3 + offset) % articles.length]!).filter(Boolean);
}

/** Start every demo site on its own 127.0.0.1 port. */
export async function startNetwork(articles: Article[], publisher: Publisher): Promise<RunningNetwork> {
  const servers: Server[] = [];
  const resolve: Record<string, string> = {};
  const requests = new Map<string, string[]>();
  for (const site of demoSites) {
    const pages = sitePages(site, articles, publisher);
    const seen: string[] = [];
    requests.set(site.id, seen);
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      seen.push(path);
      if (site.behaviour === 'down') {
        // Down for maintenance for a day: longer than the crawler waits, so nothing is fetched.
        response
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '86400' })
          .end('Down for maintenance.\n');
        return;
      }
      const page = pages.get(path);
      const send = () => {
        if (!page) {
          response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Not found</h1>');
          return;
        }
        // Like most real sites, an ETag, so a rescan can ask "changed since?" and get a 304.
        const etag = `"${createHash('sha1').update(page.body).digest('hex').slice(0, 16)}"`;
        if (request.headers['if-none-match'] === etag) {
          response.writeHead(304, { etag }).end();
          return;
        }
        response
          .writeHead(page.status ?? 200, {
            'content-type': `${page.type ?? 'text/html'}; charset=utf-8`,
            etag,
          })
          .end(request.method === 'HEAD' ? undefined : page.body);
      };
      if (page?.delayMs) setTimeout(send, page.delayMs);
      else send();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    servers.push(server);
    resolve[site.host] = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return {
    resolve,
    requests,
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((done) => {
              server.closeAllConnections();
              server.close(() => done());
            }),
        ),
      );
    },
  };
}
