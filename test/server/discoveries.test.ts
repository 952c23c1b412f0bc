import { join } from 'node:path';
import { load } from 'cheerio';
import { afterEach, expect, it } from 'vitest';
import type { Discovery } from '../../src/discover/judge.ts';
import { beginFile, listDiscoveries, saveProgress } from '../../src/discover/store.ts';
import { summariseBySite } from '../../src/discover/summary.ts';
import {
  DISCOVERIES_PER_PAGE,
  discoveriesPageOf,
  SHOWN_PER_SITE,
  SITES_PER_PAGE,
} from '../../src/report/discoveries.ts';
import { type RunningServer, startServer } from '../../src/server/index.ts';
import type { Sql } from '../../src/store/sql.ts';
import { sites } from '../findings/_pages.ts';
import { describeEngines } from '../helpers/engines.ts';
import { fixtureArticles } from '../helpers/fixture-store.ts';
import { tempDir } from '../helpers/tmp.ts';
import { storeArticles } from '../match/_articles.ts';
import { raw } from './_http.ts';

const running: RunningServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

const SOURCE = 'crawl-00001.warc.gz';
// The biggest site has more discoveries than one page of its own holds; 24 more sites, one of
// them registered (peaceblog.example), make two pages of sites.
const BIG = 'copycat.example';
const BIG_COUNT = DISCOVERIES_PER_PAGE + 7;
const OTHERS = SITES_PER_PAGE + 4;

/** Discoveries of many sites, several articles a page on the biggest (a digest). */
async function seed(sql: Sql): Promise<number> {
  const articles = fixtureArticles().slice(0, 3);
  await storeArticles(sql, articles);
  const found: Discovery[] = [];
  const add = (host: string, page: number, article: number, kind: 'full' | 'excerpt', verdict: string) =>
    found.push({
      source: SOURCE,
      recordOffset: found.length * 1000,
      recordLength: 900,
      recordType: 'response',
      pageUrl: `https://${host}/post/${page}`,
      host,
      article: { id: articles[article]!.id, url: articles[article]!.url, title: articles[article]!.title },
      coverage: 0.9,
      kind,
      verdict,
      violations: [],
    });
  for (let i = 0; i < BIG_COUNT; i++)
    add(
      BIG,
      Math.floor(i / 2),
      i % 2,
      i % 3 === 0 ? 'excerpt' : 'full',
      i % 4 === 0 ? 'violation' : 'unchecked',
    );
  for (let site = 0; site < OTHERS; site++) {
    const host = site === 0 ? 'peaceblog.example' : `copy-${String(site).padStart(2, '0')}.example`;
    for (let page = 0; page <= site % 3; page++) add(host, page, 2, 'full', 'compliant');
  }
  const now = new Date('2026-03-21T08:00:00Z');
  await beginFile(sql, SOURCE, now);
  await saveProgress(
    sql,
    {
      source: SOURCE,
      resumeOffset: 0,
      records: found.length,
      pages: found.length,
      discoveries: found,
      damaged: [],
      done: true,
    },
    now,
  );
  return found.length;
}

describeEngines('the discoveries review page', (engine) => {
  it('counts the sites in the store as the summary counts them, and reads one page of sites', async () => {
    const sql = await engine.open();
    const total = await seed(sql);
    const now = new Date('2026-03-22T00:00:00Z');
    const every = summariseBySite(await listDiscoveries(sql), sites, now);
    const first = await discoveriesPageOf(sql, sites, { page: 1 }, now);
    expect(first).toMatchObject({ sites: OTHERS + 1, discoveries: total, page: 1, pages: 2 });
    // The same sites in the same order as the report's summary, examples and all.
    expect(first.section.sites).toEqual(every.slice(0, SITES_PER_PAGE));
    const second = await discoveriesPageOf(sql, sites, { page: 2 }, now);
    expect(second.section.sites).toEqual(every.slice(SITES_PER_PAGE));
    expect(second.section.sites.at(-1)?.status).toBe('registered');
    // Each site shows its first discoveries, in file order.
    const big = first.section.discoveries.filter((discovery) => discovery.host === BIG);
    const all = (await listDiscoveries(sql)).filter((discovery) => discovery.host === BIG);
    expect(big).toEqual(all.slice(0, SHOWN_PER_SITE));
    // One site's own pages: all of its discoveries, a page at a time; past the end is the last page.
    const own = await discoveriesPageOf(sql, sites, { page: 2, host: BIG }, now);
    expect(own).toMatchObject({ sites: 1, discoveries: BIG_COUNT, page: 2, pages: 2, host: BIG });
    expect(own.section.discoveries).toEqual(all.slice(DISCOVERIES_PER_PAGE));
    expect((await discoveriesPageOf(sql, sites, { page: 9, host: BIG }, now)).page).toBe(2);
    expect((await discoveriesPageOf(sql, sites, { page: 1, host: 'nowhere.example' }, now)).section).toEqual({
      sites: [],
      discoveries: [],
    });
  });

  it('serves them a page at a time, with a pager and a link to each site’s own pages', async () => {
    const sql = await engine.open();
    const total = await seed(sql);
    const server = await startServer({ sql, outDir: join(tempDir(), 'public'), port: 0, sites });
    running.push(server);
    const get = async (path: string) => {
      const response = await raw(`${server.url}${path}`);
      expect(response.status).toBe(200);
      return load(response.text);
    };
    const first = await get('/review/discoveries');
    expect(first('#discoveries h2').text()).toBe(`Discovered in web archives (${total})`);
    expect(first('#discoveries h3')).toHaveLength(SITES_PER_PAGE);
    expect(first('#discoveries h3').first().text()).toContain(BIG);
    expect(first('#discoveries table').first().find('tr')).toHaveLength(SHOWN_PER_SITE + 1);
    expect(first('nav.pager a[rel="next"]').attr('href')).toBe('/review/discoveries?page=2');
    const more = first('#discoveries a').filter((_, link) => first(link).text().startsWith('All '));
    expect(more.first().text()).toBe(`All ${BIG_COUNT} discoveries of ${BIG}`);
    expect(more.first().attr('href')).toBe(`/review/discoveries?host=${BIG}`);

    const second = await get('/review/discoveries?page=2');
    expect(second('#discoveries h3')).toHaveLength(OTHERS + 1 - SITES_PER_PAGE);
    expect(second('nav.pager a[rel="prev"]').attr('href')).toBe('/review/discoveries');

    const own = await get(`/review/discoveries?host=${BIG}`);
    expect(own('h1').text()).toBe(`Discoveries on ${BIG}`);
    expect(own('#discoveries table tr')).toHaveLength(DISCOVERIES_PER_PAGE + 1);
    expect(own('nav.pager a[rel="next"]').attr('href')).toBe(`/review/discoveries?host=${BIG}&page=2`);
    const last = await get(`/review/discoveries?host=${BIG}&page=2`);
    expect(last('#discoveries table tr')).toHaveLength(BIG_COUNT - DISCOVERIES_PER_PAGE + 1);
    expect((await get('/review/discoveries?host=nowhere.example'))('main').text()).toContain(
      'Nothing discovered on nowhere.example',
    );
  });
});
