import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/files/atomic.ts';
import { auditLog, countFindings, getFinding, listFindings, setStatus } from '../../src/findings/index.ts';
import { buildReport, DEFAULT_NOTICE, renderHtml } from '../../src/report/index.ts';
import { type RunningServer, startServer } from '../../src/server/index.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { sites } from '../findings/_pages.ts';
import { HOSTILE_TITLE, seed, urls } from '../report/_store.ts';
import { manyPage, manySites, PASSAGE, seedMany, storeSnapshot } from '../server/_seed.ts';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const title = available
  ? 'in Chromium'
  : `in Chromium: SKIPPED, ${CHROMIUM} is absent (apt-get install -y --no-install-recommends chromium)`;

/** Everything a page could do to show it ran code: dialogs, console output, errors, window.__pwned. */
function watch(page: Page): string[] {
  const events: string[] = [];
  page.on('dialog', (dialog) => {
    events.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => events.push(`console.${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => events.push(`pageerror: ${error.message}`));
  return events;
}

/** How many CSS pixels the page is wider than its window (0: no horizontal scrolling). */
const overflow = (page: Page) =>
  page.evaluate(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  ) as Promise<number>;

const HOSTILE_PAGE = `<html><head><title>x</title><script>window.__pwned=1;alert(1)</script>
<meta http-equiv="refresh" content="0;url=https://evil.example/"></head><body><article><h1>A reprint</h1>
<p>Intro <img src=x onerror="window.__pwned=2;alert(2)"> <iframe src="javascript:alert(3)"></iframe></p>
<p>${PASSAGE}</p><p>Credit: none. <a href="javascript:alert(4)">click</a></p>
<p>${'averyveryverylongwordwithoutanyspacesthatcouldoverflowanarrowscreen'.repeat(3)}</p></article></body></html>`;

describe.skipIf(!available)(title, () => {
  let browser: Browser;
  let db: Sql;
  let many: Sql;
  let server: RunningServer;
  let manyServer: RunningServer;
  let dir: string;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    // Not tempDir(): that one is emptied after each test, and these tests share their stores.
    dir = mkdtempSync(join(tmpdir(), 'syndicate-browser-'));
    // Kept open across the tests of this file (seededStore's store closes after each test).
    db = await openSql(join(dir, 'store.sqlite'));
    await seed(db);
    server = await startServer({ sql: db, outDir: join(dir, 'public'), port: 0, sites });
    many = await openSql(join(dir, 'many.sqlite'));
    await seedMany(many, 240);
    await storeSnapshot(many, 'peace-blog', manyPage(0).url, HOSTILE_PAGE);
    manyServer = await startServer({ sql: many, outDir: join(dir, 'public'), port: 0, sites: manySites });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await manyServer?.close();
    await db?.close();
    await many?.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function newPage(
    options: { width?: number } = {},
  ): Promise<{ context: BrowserContext; page: Page; events: string[] }> {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1400, height: 900 } });
    context.setDefaultTimeout(8000);
    const page = await context.newPage();
    return { context, page, events: watch(page) };
  }

  const rowIds = (page: Page) =>
    page
      .locator('tr[data-finding]')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-finding'))));

  it('opens the HTML report from disk, readable, and runs nothing from a hostile page title', async () => {
    const file = join(dir, 'report.html');
    writeFileAtomic(
      file,
      renderHtml(await buildReport(db, { sites, notice: { file: 'built-in', text: DEFAULT_NOTICE } })),
    );
    const { context, page, events } = await newPage();
    await page.goto(pathToFileURL(file).href);
    await page.waitForLoadState('load');
    expect(await page.locator('h1').textContent()).toMatch(/Reprint compliance report: scan \d+/);
    expect(await page.locator('#violations article.finding').count()).toBe(3);
    expect(await page.locator('#new li a').textContent()).toBe(HOSTILE_TITLE);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(events).toEqual([]);
    await context.close();
  });

  it('filters findings, changes a status that survives a reload, and runs nothing from crawled text', async () => {
    const { context, page, events } = await newPage();
    await page.goto(`${server.url}/review`);
    expect(await page.locator('tr[data-finding]').count()).toBe(3);
    await page.click('details.filters summary');
    await page.selectOption('select[name=site]', 'market-news');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/site=market-news/);
    expect(await page.locator('tr[data-finding]').count()).toBe(1);
    expect(await page.locator('tr[data-finding] .url').textContent()).toBe(urls.commercial);

    await page.click('tr[data-finding] a.title');
    await page.waitForURL(/\/review\/finding\/\d+\?.*at=0/);
    await page.fill('form.status-form input[name=who]', 'maria');
    await page.fill('form.status-form textarea[name=note]', 'licence L-42 renewed');
    await page.click('form.status-form button[value=licensed]');
    await page.waitForURL(/done=status/);
    expect(await page.locator('.message').textContent()).toBe('Status changed.');
    await page.reload();
    expect(await page.locator('#status').textContent()).toBe('licensed');
    expect(await page.locator('table.audit').textContent()).toContain('licence L-42 renewed');
    const id = Number(/finding\/(\d+)/.exec(page.url())![1]);
    expect((await getFinding(db, id))!.status).toBe('licensed');

    const hostile = (await listFindings(db, {})).find((finding) => finding.pageUrl === urls.hostile)!;
    await page.goto(`${server.url}/review/finding/${hostile.id}`);
    expect(await page.locator('h1').textContent()).toContain(HOSTILE_TITLE);
    await page.goto(`${server.url}/review?status=all`);
    expect(await page.locator('table.findings').textContent()).toContain(HOSTILE_TITLE);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(events).toEqual([]);
    await context.close();
  });

  it('pages, searches and sorts through hundreds of findings', async () => {
    const { context, page, events } = await newPage();
    await page.goto(`${manyServer.url}/review`);
    const active = await countFindings(many, { status: ['open', 'contacted'] });
    expect(await page.locator('p.count').textContent()).toBe(`${active} findings; 1–50 shown`);
    await page.click('nav.pager a[rel=next]');
    await page.waitForURL(/page=2/);
    expect(await rowIds(page)).toEqual(
      (await listFindings(many, { status: ['open', 'contacted'], limit: 50, offset: 50 })).map((f) => f.id),
    );
    const lastNumber = Math.ceil(active / 50);
    await page.click(`nav.pager a:text-is("${lastNumber}")`);
    await page.waitForURL(new RegExp(`page=${lastNumber}`));
    expect(await page.locator('nav.pager a[rel=next]').count()).toBe(0);
    expect(await page.locator('tr[data-finding]').count()).toBe(active - (lastNumber - 1) * 50);

    // The search key opens the folded filters.
    await page.keyboard.press('/');
    await page.keyboard.type('lantern');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=lantern/);
    const titles = await page.locator('tr[data-finding] a.title').allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.every((text) => text.endsWith('about the lantern'))).toBe(true);
    expect(page.url()).not.toMatch(/page=/);

    await page.click('th a.sort:text-is("page")');
    await page.waitForURL(/sort=title/);
    const sorted = await page.locator('tr[data-finding] a.title').allTextContents();
    expect(sorted).toEqual([...sorted].sort((a, b) => b.localeCompare(a)));
    await page.click('th a.sort:has-text("page")');
    await page.waitForURL(/dir=asc/);
    const ascending = await page.locator('tr[data-finding] a.title').allTextContents();
    expect(ascending).toEqual([...sorted].reverse());

    await page.selectOption('select[name=status]', 'dismissed');
    await page.selectOption('select[name=site]', 'river-daily');
    await page.fill('input[name=q]', '');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/status=dismissed/);
    const dismissed = await rowIds(page);
    expect(dismissed.length).toBe(await countFindings(many, { status: 'dismissed', site: 'river-daily' }));
    for (const id of dismissed) expect((await getFinding(many, id))!.status).toBe('dismissed');
    expect(events).toEqual([]);
    await context.close();
  });

  it('changes the selected findings in bulk with one note', async () => {
    const { context, page, events } = await newPage();
    await page.goto(`${manyServer.url}/review?site=market-news&status=open&per=25`);
    const shown = await rowIds(page);
    const chosen = shown.slice(0, 3);
    for (const id of chosen) await page.check(`tr[data-finding="${id}"] input[name=id]`);
    expect(await page.locator('form.bulk .selected').textContent()).toBe('Change 3 selected findings:');
    await page.fill('form.bulk input[name=who]', 'maria');
    await page.selectOption('form.bulk select[name=status]', 'contacted');
    await page.fill('form.bulk input[name=note]', 'one letter to the market desk');
    await page.click('form.bulk button[type=submit]');
    await page.waitForURL(/done=bulk-3-0/);
    expect(await page.locator('.message').textContent()).toBe('3 findings changed.');
    expect(page.url()).toMatch(/site=market-news&status=open&per=25/);
    for (const id of chosen) {
      expect((await getFinding(many, id))!.status).toBe('contacted');
      expect((await auditLog(many, id)).at(-1)!.note).toBe('one letter to the market desk');
    }
    // They left the "open" list; select-all on the page then picks every remaining row.
    expect(await rowIds(page)).not.toContain(chosen[0]);
    await page.check('input.pick-all');
    expect(await page.locator('input[name=id][form=bulk]:checked').count()).toBe(
      await page.locator('tr[data-finding]').count(),
    );
    expect(events).toEqual([]);
    await context.close();
  });

  it('triages by keyboard: next, previous, open, set the status, back to the list', async () => {
    const { context, page, events } = await newPage();
    await page.goto(`${manyServer.url}/review?site=peace-blog`);
    const list = await rowIds(page);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await page.locator('tr.cursor').getAttribute('data-finding')).toBe(String(list[1]));
    await page.keyboard.press('x');
    expect(await page.locator(`tr[data-finding="${list[1]}"] input[name=id]`).isChecked()).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/review/finding/${list[1]}\\?.*at=1`));
    // Setting a status needs a name: the key puts the cursor there first.
    await page.keyboard.press('4');
    expect(await page.evaluate('document.activeElement.name')).toBe('who');
    await page.keyboard.type('maria');
    await page.keyboard.press('Escape');
    await page.keyboard.press('4');
    await page.waitForURL(/done=status/);
    expect((await getFinding(many, list[1]!))!.status).toBe('dismissed');
    expect(await page.locator('#status').textContent()).toBe('dismissed');
    // The name is remembered: the next finding can be set with one key.
    await page.keyboard.press('j');
    await page.waitForURL(new RegExp(`/review/finding/${list[2]}\\?`));
    expect(await page.inputValue('form.status-form input[name=who]')).toBe('maria');
    await page.keyboard.press('2');
    await page.waitForURL(/done=status/);
    expect((await getFinding(many, list[2]!))!.status).toBe('contacted');
    await page.keyboard.press('k');
    await page.waitForURL(new RegExp(`/review/finding/${list[0]}\\?`));
    await page.keyboard.press('u');
    await page.waitForURL(/\/review\?site=peace-blog$/);
    expect(events).toEqual([]);
    await context.close();
  });

  it('copies the notice and offers it to the mail program', async () => {
    const { context, page, events } = await newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: manyServer.url });
    const finding = (await listFindings(many, { site: 'river-daily', limit: 1 }))[0]!;
    await page.goto(`${manyServer.url}/review/finding/${finding.id}`);
    const letter = (await page.locator('pre#notice-text').textContent())!;
    expect(letter).toContain('Dear editors of River Daily');
    await page.click('button.copy');
    await page.locator('.copied:text("Copied.")').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(letter);
    await page.evaluate('navigator.clipboard.writeText("")');
    await page.keyboard.press('c');
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(letter);
    const mailto = new URL((await page.locator('a.mailto').getAttribute('href'))!);
    expect(mailto.pathname).toBe('desk@riverdaily.example');
    expect(mailto.searchParams.get('subject')).toMatch(/^Reprint of ".+" on River Daily$/);
    expect(mailto.searchParams.get('body')).toBe(letter.replace(/^Subject:.*\n\n?/, ''));
    expect(events).toEqual([]);
    await context.close();
  });

  it('shows the stored reprint with the passage marked and runs nothing of it', async () => {
    const { context, page, events } = await newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const id = (await listFindings(many, { search: manyPage(0).url }))[0]!.id;
    await page.goto(`${manyServer.url}/review/finding/${id}`);
    expect(await page.locator('.reprint-text mark').textContent()).toBe(PASSAGE);
    expect(await page.locator('.reprint-text mark').isVisible()).toBe(true);
    await page.click('section.reprint a:text("The stored HTML, as plain text")');
    await page.waitForURL(/\/snapshot$/);
    expect(await page.locator('body').textContent()).toContain('<script>window.__pwned=1');
    await page.waitForTimeout(300);
    expect(page.url()).toMatch(/\/snapshot$/);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(requests.every((url) => url.startsWith(manyServer.url))).toBe(true);
    expect(events).toEqual([]);
    await context.close();
  });

  it('draws the dashboard with no request to anyone else', async () => {
    const { context, page, events } = await newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${manyServer.url}/review/dashboard`);
    expect(await page.locator('svg.line-chart').count()).toBe(4);
    const box = await page.locator('figure.chart svg').first().boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await page.locator('svg.line-chart g.open polyline').first().getAttribute('points')).toMatch(
      /^[\d.]+,[\d.]+ /,
    );
    expect(await page.locator('ul.unreachable-now').textContent()).toContain('gone-gazette');
    expect(requests.every((url) => url.startsWith(manyServer.url))).toBe(true);
    expect(events).toEqual([]);
    await context.close();
  });

  for (const width of [390, 1400]) {
    it(`fits ${width} px without horizontal scrolling, titles whole words and dates on one line`, async () => {
      const { context, page, events } = await newPage({ width });
      const hostileId = (await listFindings(many, { search: manyPage(0).url }))[0]!.id;
      await setStatus(many, hostileId, 'open', { who: 'test' });
      const pages = [
        '/review',
        '/review?status=all&per=200',
        `/review/finding/${hostileId}`,
        '/review/dashboard',
      ];
      for (const path of pages) {
        await page.goto(`${manyServer.url}${path}`);
        expect(await overflow(page), path).toBeLessThanOrEqual(0);
      }
      await page.goto(`${manyServer.url}/review`);
      // Every date is one line high, and a title breaks only between words.
      const heights = await page
        .locator('td.date time')
        .evaluateAll((times) => times.map((time) => time.getClientRects().length));
      expect(heights.every((lines) => lines === 1)).toBe(true);
      const title = page.locator('tr[data-finding] a.title').first();
      const words = ((await title.textContent()) ?? '').split(' ');
      const lineCount = await title.evaluate((element) => element.getClientRects().length);
      expect(lineCount).toBeLessThanOrEqual(words.length);
      const longest = await page
        .locator('tr[data-finding] a.title')
        .evaluateAll((links) => Math.max(...links.map((link) => link.getBoundingClientRect().width)));
      expect(longest).toBeGreaterThan(100);
      expect(events).toEqual([]);
      await context.close();
    });
  }

  it('refuses a form posted from another site', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const [finding] = await listFindings(db, { site: 'peace-blog', status: ['open', 'contacted'] });
    await page.goto(`${server.url}/review/finding/${finding!.id}`);
    const attacker = `<form id="f" method="post" action="${server.url}/review/finding/${finding!.id}/status">
      <input name="who" value="mallory"><input name="status" value="dismissed"><input name="csrf" value="x"></form>`;
    const other = await context.newPage();
    await other.setContent(attacker);
    const [response] = await Promise.all([
      other.waitForNavigation(),
      other.locator('#f').evaluate((form) => (form as unknown as { submit(): void }).submit()),
    ]);
    expect(response?.status()).toBe(403);
    expect((await getFinding(db, finding!.id))!.status).not.toBe('dismissed');
    await context.close();
  });
});
