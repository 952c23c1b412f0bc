import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFinding, listFindings } from '../../src/findings/index.ts';
import { buildReport, DEFAULT_NOTICE, renderHtml, writeFileAtomic } from '../../src/report/index.ts';
import { type RunningServer, startServer } from '../../src/server/index.ts';
import type { Db } from '../../src/store/db.ts';
import { sites } from '../findings/_pages.ts';
import { HOSTILE_TITLE, seededStore, urls } from '../report/_store.ts';

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

describe.skipIf(!available)(title, () => {
  let browser: Browser;
  let db: Db;
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    // Not tempDir(): that one is emptied after each test, and these tests share one store.
    dir = mkdtempSync(join(tmpdir(), 'syndicate-browser-'));
    db = seededStore(dir).db;
    server = await startServer({ db, outDir: join(dir, 'public'), port: 0, sites });
  });

  afterAll(async () => {
    await server?.close();
    db?.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens the HTML report from disk, readable, and runs nothing from a hostile page title', async () => {
    const file = join(dir, 'report.html');
    writeFileAtomic(
      file,
      renderHtml(buildReport(db, { sites, notice: { file: 'built-in', text: DEFAULT_NOTICE } })),
    );
    const context = await browser.newContext({ javaScriptEnabled: true });
    const page = await context.newPage();
    const events = watch(page);
    await page.goto(pathToFileURL(file).href);
    await page.waitForLoadState('load');
    expect(await page.locator('h1').textContent()).toMatch(/Reprint compliance report: scan \d+/);
    expect(await page.locator('#violations article.finding').count()).toBe(3);
    expect(await page.locator('#new li a').textContent()).toBe(HOSTILE_TITLE);
    // The inline style applies (the report's own CSP allows inline CSS only).
    const border = await page
      .locator('article.finding')
      .first()
      .evaluate(
        (element) =>
          (
            globalThis as unknown as { getComputedStyle(node: unknown): { borderLeftStyle: string } }
          ).getComputedStyle(element).borderLeftStyle,
      );
    expect(border).toBe('solid');
    // Opening the notice draft needs no script.
    await page.locator('#violations article.finding summary').first().click();
    expect(await page.locator('pre.notice').first().isVisible()).toBe(true);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(events).toEqual([]);
    await context.close();
  });

  it('filters findings, changes a status that survives a reload, and runs nothing from crawled text', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(8000);
    const page = await context.newPage();
    const events = watch(page);
    await page.goto(`${server.url}/review`);
    expect(await page.locator('tr[data-finding]').count()).toBe(3);
    await page.selectOption('select[name=site]', 'market-news');
    await page.click('nav.filters button[type=submit]');
    await page.waitForURL(/site=market-news/);
    expect(await page.locator('tr[data-finding]').count()).toBe(1);
    expect(await page.locator('tr[data-finding] .url').textContent()).toBe(urls.commercial);

    await page.click('tr[data-finding] a');
    await page.waitForURL(/\/review\/finding\/\d+$/);
    await page.fill('form.status-form input[name=who]', 'maria');
    await page.selectOption('form.status-form select[name=status]', 'licensed');
    await page.fill('form.status-form textarea[name=note]', 'licence L-42 renewed');
    await page.click('form.status-form button[type=submit]');
    await page.waitForURL(/done=status/);
    expect(await page.locator('.message').textContent()).toBe('Status changed.');
    await page.reload();
    expect(await page.locator('#status').textContent()).toBe('licensed');
    expect(await page.locator('table.audit').textContent()).toContain('licence L-42 renewed');
    const id = Number(/finding\/(\d+)/.exec(page.url())![1]);
    expect(getFinding(db, id)!.status).toBe('licensed');

    // The hostile page's finding: its title shows as text and nothing runs.
    const hostile = listFindings(db, {}).find((finding) => finding.pageUrl === urls.hostile)!;
    await page.goto(`${server.url}/review/finding/${hostile.id}`);
    expect(await page.locator('h1').textContent()).toContain(HOSTILE_TITLE);
    await page.goto(`${server.url}/review?status=all`);
    expect(await page.locator('table.findings').textContent()).toContain(HOSTILE_TITLE);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(events).toEqual([]);
    await context.close();
  });

  it('refuses a form posted from another site', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const [finding] = listFindings(db, { site: 'peace-blog', status: ['open', 'contacted'] });
    await page.goto(`${server.url}/review/finding/${finding!.id}`);
    // A page on another origin (here: a data: URL) posts to the review server.
    const attacker = `<form id="f" method="post" action="${server.url}/review/finding/${finding!.id}/status">
      <input name="who" value="mallory"><input name="status" value="dismissed"><input name="csrf" value="x"></form>`;
    const other = await context.newPage();
    await other.setContent(attacker);
    const [response] = await Promise.all([
      other.waitForNavigation(),
      other.locator('#f').evaluate((form) => (form as unknown as { submit(): void }).submit()),
    ]);
    expect(response?.status()).toBe(403);
    expect(getFinding(db, finding!.id)!.status).not.toBe('dismissed');
    await context.close();
  });
});
