import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../../src/config/sites.ts';
import { writeFileAtomic } from '../../src/files/atomic.ts';
import { finishScan, recordPageResults, startScan } from '../../src/findings/index.ts';
import { buildReport, loadNotices, renderHtml } from '../../src/report/index.ts';
import { openSql } from '../../src/store/db.ts';
import { linkViolation, page, sites as sampleSites } from '../findings/_pages.ts';

/**
 * The HTML report as a reader sees it, in real Chromium: it fits the page from 1024 px wide (the
 * by-site table too, and a licence stays on a line or two), shows times in the reader's own time
 * zone, runs its one script under its own CSP without a complaint, and prints every notice.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const title = available
  ? 'the HTML report in Chromium'
  : `the HTML report in Chromium: SKIPPED, ${CHROMIUM} is absent (apt-get install -y --no-install-recommends chromium)`;

const LONG =
  'https://peaceblog.example/2026/an-extremely-long-path/that-goes/on-and-on/without-any-break-at-all-in-it-whatsoever-0123456789abcdef0123456789abcdef';

const sites: Site[] = [
  ...sampleSites,
  {
    id: 'meridian-media-international',
    name: 'Meridian Media International Syndication Services',
    url: 'https://meridian.example/',
    kind: 'commercial',
    discover: { maxDepth: 2, maxPages: 500 },
    licence: { granted: '2025-01-01', expires: '2027-12-31', reference: 'NR-2025-014-AMENDED-2026' },
  },
  {
    id: 'lantern-post',
    url: 'https://lantern.example/',
    kind: 'community',
    discover: { maxDepth: 2, maxPages: 500 },
  },
];

async function writeReport(dir: string): Promise<{ file: string; started: string }> {
  const db = await openSql(join(dir, 'store.sqlite'));
  const started = new Date('2026-01-03T03:04:00.000Z');
  const scan = await startScan(db, { sites: sites.map((site) => site.id), now: started });
  await recordPageResults(
    db,
    scan.id,
    [
      page(LONG, 'violation'),
      page('https://peaceblog.example/2026/second', 'violation'),
      page('https://marketnews.example/world/palmyra', 'violation', {
        violations: [
          linkViolation({ rule: 'commercial-use', message: 'a commercial site reprints without a licence' }),
        ],
      }),
      page('https://meridian.example/news/palmyra', 'compliant', { site: 'meridian-media-international' }),
    ],
    { sites, now: started },
  );
  const failure = { url: `${LONG}/and-even-longer`, kind: 'http-status', message: 'HTTP 500 after 3 tries' };
  await finishScan(db, scan.id, {
    now: new Date('2026-01-03T03:09:00.000Z'),
    siteResults: {
      'peace-blog': {
        result: 'violations',
        pagesChecked: 2,
        failed: 1,
        complete: false,
        incomplete: ['1 URL failed'],
        failures: [failure],
      },
      'market-news': {
        result: 'violations',
        pagesChecked: 1,
        failed: 0,
        complete: true,
        incomplete: [],
        failures: [],
      },
      'meridian-media-international': {
        result: 'compliant',
        pagesChecked: 1,
        failed: 0,
        complete: true,
        incomplete: [],
        failures: [],
      },
      'lantern-post': {
        result: 'unreachable',
        pagesChecked: 0,
        failed: 1,
        complete: false,
        incomplete: ['1 URL failed'],
        failures: [
          { url: 'https://lantern.example/', kind: 'robots-unavailable', message: 'robots.txt: HTTP 503' },
        ],
      },
    },
  });
  const report = await buildReport(db, {
    sites,
    notice: loadNotices('rules'),
    publisher: 'Northwind Review',
  });
  await db.close();
  const file = join(dir, 'report.html');
  writeFileAtomic(file, renderHtml(report));
  return { file, started: started.toISOString() };
}

describe.skipIf(!available)(title, () => {
  let browser: Browser;
  let report: { file: string; started: string };
  let dir: string;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    // Not tempDir(): that one is emptied after each test, and these tests share one report.
    dir = mkdtempSync(join(tmpdir(), 'syndicate-report-'));
    report = await writeReport(dir);
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([1024, 1400])('fits a %i px wide window, the by-site table too', async (width) => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => problems.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(pathToFileURL(report.file).href);
    // A string, run in the page: the project's TypeScript has no DOM types.
    const layout = (await page.evaluate(`(() => {
      const table = document.querySelector('table.by-site');
      const main = document.querySelector('main');
      const licence = document.querySelector('tr[data-site="meridian-media-international"] .licence');
      return {
        window: innerWidth,
        page: document.documentElement.scrollWidth,
        tableRight: table.getBoundingClientRect().right,
        mainRight: main.getBoundingClientRect().right,
        tableScroll: table.scrollWidth,
        tableWidth: table.clientWidth,
        licenceHeight: licence.getBoundingClientRect().height,
        lineHeight: Number.parseFloat(getComputedStyle(licence).lineHeight),
        licenceText: licence.textContent,
        // Words split across lines in the table (a one-word cell or header on two lines or more).
        brokenWords: [...table.querySelectorAll('th, td')]
          .filter((cell) => /^\\S+$/.test(cell.textContent.trim()) && cell.children.length === 0)
          .filter((cell) => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            return range.getClientRects().length > 1;
          })
          .map((cell) => cell.textContent),
      };
    })()`)) as {
      window: number;
      page: number;
      tableRight: number;
      mainRight: number;
      tableScroll: number;
      tableWidth: number;
      licenceHeight: number;
      lineHeight: number;
      licenceText: string;
      brokenWords: string[];
    };
    expect(layout.page, JSON.stringify(layout)).toBeLessThanOrEqual(layout.window);
    expect(layout.tableRight, JSON.stringify(layout)).toBeLessThanOrEqual(layout.mainRight + 0.5);
    expect(layout.tableScroll).toBeLessThanOrEqual(layout.tableWidth);
    expect(layout.licenceText).toBe('licensed to 2027-12-31');
    expect(layout.brokenWords).toEqual([]);
    // On a line or two, not seven.
    expect(layout.licenceHeight / layout.lineHeight, JSON.stringify(layout)).toBeLessThanOrEqual(2.1);
    // The script ran under the report's CSP without a single complaint.
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows times in the reader’s time zone, with the UTC time kept as a tooltip', async () => {
    const context = await browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(pathToFileURL(report.file).href);
    const first = page.locator(`#scan time[datetime="${report.started}"]`).first();
    const expected = new Date(report.started).toLocaleString('en-US', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'America/New_York',
    });
    expect(await first.textContent()).toBe(expected);
    expect(expected).toMatch(/Jan 2, 2026/);
    expect(await first.getAttribute('title')).toBe('2026-01-03 03:04 UTC');
    await context.close();
  });

  it('without scripts, times read as UTC', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(pathToFileURL(report.file).href);
    expect(await page.locator(`#scan time[datetime="${report.started}"]`).first().textContent()).toBe(
      '2026-01-03 03:04 UTC',
    );
    await context.close();
  });

  it('prints every notice, open, though they are closed on screen', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(pathToFileURL(report.file).href);
    const notices = page.locator('pre.notice');
    expect(await notices.count()).toBe(3);
    for (let i = 0; i < 3; i++) expect(await notices.nth(i).isVisible()).toBe(false);
    await page.emulateMedia({ media: 'print' });
    for (let i = 0; i < 3; i++) expect(await notices.nth(i).isVisible(), `notice ${i}`).toBe(true);
    // The licence offer went to the commercial site, the credit letters to the community one.
    const texts = await notices.allTextContents();
    expect(texts.filter((text) => text.includes('offer you one'))).toHaveLength(1);
    expect(texts.filter((text) => text.includes('could not find'))).toHaveLength(2);
    await context.close();
  });
});
