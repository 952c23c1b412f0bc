import { createHash } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { stringify } from 'yaml';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/fixture-store.ts';
import { type Handler, type SeenRequest, startServer } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';

export { articles, type Credit, type FixtureArticle, reprint } from './_reprints.ts';

/**
 * A republisher the test controls, served for real on 127.0.0.1: robots.txt, a sitemap of its
 * listed pages, and the pages, each with an ETag so that a rescan can ask "changed since?".
 * The test changes `pages` between scans (a fixed credit, a 404, a page gone from the sitemap).
 */

export interface SitePage {
  body: string;
  /** Answer with this status instead of 200 (and no ETag): 404 for a page that was taken down. */
  status?: number;
  /** Whether the sitemap lists it (default true). */
  listed?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface Republisher {
  id: string;
  host: string;
  address: string;
  pages: Map<string, SitePage>;
  /** Every request, as the one test harness records it (status 0: cut before an answer). */
  requests: SeenRequest[];
  /** Called when a request arrives, before it is answered (for tests that wait on one). */
  onRequest?: (path: string) => void;
  /** While true the site is down: every connection is reset before an answer (requests still logged). */
  down: boolean;
  url(path: string): string;
  close(): Promise<void>;
}

export const etagOf = (body: string) => `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;

/** A republisher whose server `start` starts (filling in its address, request log and `close`). */
function unstarted(id: string): { site: Republisher; start(): Promise<void> } {
  const host = `${id}.example`;
  const pages = new Map<string, SitePage>();
  const answer: Handler = (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const ifNoneMatch = request.headers['if-none-match'];
    const send = (status: number, type: string, body: string, etag?: string) => {
      if (etag && ifNoneMatch === etag) {
        response.writeHead(304, { etag }).end();
        return;
      }
      response
        .writeHead(status, { 'content-type': `${type}; charset=utf-8`, ...(etag ? { etag } : {}) })
        .end(body);
    };
    site.onRequest?.(path);
    if (site.down) {
      request.socket.destroy();
      return;
    }
    if (path === '/robots.txt') {
      send(200, 'text/plain', `User-agent: *\nAllow: /\nSitemap: http://${host}/sitemap.xml\n`);
      return;
    }
    if (path === '/sitemap.xml') {
      const urls = [...pages]
        .filter(([, page]) => page.listed !== false)
        .map(([pagePath]) => `<url><loc>http://${host}${pagePath}</loc></url>`);
      send(
        200,
        'application/xml',
        `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.join('')}</urlset>\n`,
      );
      return;
    }
    const page = pages.get(path);
    const respond = () => {
      if (!page) send(404, 'text/html', '<h1>Not found</h1>');
      else if (page.status && page.status !== 200) send(page.status, 'text/html', '<h1>Gone</h1>');
      else send(200, 'text/html', page.body, etagOf(page.body));
    };
    if (page?.delayMs) setTimeout(respond, page.delayMs);
    else respond();
  };
  const site: Republisher = {
    id,
    host,
    address: '',
    pages,
    requests: [],
    down: false,
    url: (path) => `http://${host}${path}`,
    close: async () => {},
  };
  return {
    site,
    async start() {
      const server = await startServer(answer);
      site.address = server.address;
      site.requests = server.requests;
      site.close = () => server.close();
    },
  };
}

export async function startRepublisher(id: string): Promise<Republisher> {
  const { site, start } = unstarted(id);
  await start();
  return site;
}

/**
 * A republisher for the whole test file, there at once (its pages can be set now): started
 * before the file's tests, with the log silenced as the scan tests want it, and closed after them.
 */
export function republisherOfFile(id: string): Republisher {
  const { site, start } = unstarted(id);
  beforeAll(async () => {
    setLogLevel('silent');
    await start();
  });
  afterAll(() => site.close());
  return site;
}

/** A store holding the fixture articles, imported through the command line. */
/** The fixture articles imported into `store`: a SQLite file in `dir` unless a store is given. */
export async function importedStore(dir: string, store = join(dir, 'store.sqlite')): Promise<string> {
  const result = await runCli(['--store', store, 'import', join(FIXTURES, 'articles.jsonl')]);
  expect(result.code, result.stderr).toBe(0);
  return store;
}

export interface RulesOptions {
  kind?: Record<string, 'community' | 'commercial'>;
  alerts?: Record<string, unknown>;
  crawler?: Record<string, unknown>;
}

/**
 * A rules folder as `npm start` writes one: the project's terms, and a sites.yaml whose crawler
 * reaches the test's sites through `resolve`, allowed onto 127.0.0.1, with no delay.
 */
export function writeRules(dir: string, sites: Republisher[], options: RulesOptions = {}): string {
  const repo = join(import.meta.dirname, '..', '..');
  copyFileSync(join(repo, 'rules', 'terms.yaml'), join(dir, 'terms.yaml'));
  writeFileSync(
    join(dir, 'sites.yaml'),
    stringify({
      crawler: {
        allowPrivateNetworks: true,
        delayMs: 0,
        retries: 1,
        retryDelayMs: 10,
        headersTimeoutMs: 5000,
        bodyTimeoutMs: 5000,
        resolve: Object.fromEntries(sites.map((site) => [site.host, site.address])),
        ...options.crawler,
      },
      sites: sites.map((site) => ({
        id: site.id,
        url: `http://${site.host}/`,
        kind: options.kind?.[site.id] ?? 'community',
      })),
    }),
  );
  if (options.alerts) writeFileSync(join(dir, 'alerts.yaml'), stringify({ alerts: options.alerts }));
  return dir;
}

/**
 * A temp folder with an imported store and a rules folder for `sites`. The store is a SQLite file
 * there unless `target` names one (`engine.target()`: a PostgreSQL store, say).
 */
export async function scanSetup(
  sites: Republisher[],
  options: RulesOptions = {},
  target?: string,
): Promise<{ dir: string; store: string; rules: string; argv: string[] }> {
  const dir = tempDir();
  const store = await importedStore(dir, target);
  const rules = writeRules(dir, sites, options);
  return { dir, store, rules, argv: ['--store', store, '--rules', rules] };
}

export interface FindingRow {
  id: number;
  page_url: string;
  article_id: string;
  status: string;
  verdict: string;
  resolved_why: string | null;
  first_seen: string;
  first_scan: number;
  last_seen: string;
  last_scan: number;
  violations: string;
}

/** The findings of a store, by page URL, read with a connection of the test's own. */
export async function findingsOf(store: string): Promise<Map<string, FindingRow>> {
  const sql = await openSql(store);
  try {
    const rows = await sql.all<FindingRow>('SELECT * FROM findings ORDER BY id');
    return new Map(rows.map((row) => [row.page_url, row]));
  } finally {
    await sql.close();
  }
}

export function rulesOf(row: FindingRow | undefined): string[] {
  return [...new Set((JSON.parse(row?.violations ?? '[]') as Array<{ rule: string }>).map((v) => v.rule))];
}
