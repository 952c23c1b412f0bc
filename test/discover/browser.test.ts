import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Discovery } from '../../src/discover/judge.ts';
import { beginFile, saveProgress } from '../../src/discover/store.ts';
import { writeFileAtomic } from '../../src/files/atomic.ts';
import { buildReport, DEFAULT_NOTICE, renderHtml } from '../../src/report/index.ts';
import { type RunningServer, startServer } from '../../src/server/index.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { sites } from '../findings/_pages.ts';
import { fixtureArticles } from '../helpers/fixture-store.ts';
import { storeArticles } from '../match/_articles.ts';

/**
 * Discoveries as a rights manager sees them, in real Chromium: the report's section and the review
 * pages' discoveries page group the pages by site, unknown sites first with a `sites.yaml` entry
 * ready to paste, and whatever an archive held (the page's URL, the file's name, the capture
 * date) shows as text and runs nothing.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const title = available
  ? 'discoveries in Chromium'
  : `discoveries in Chromium: SKIPPED, ${CHROMIUM} is absent (apt-get install -y --no-install-recommends chromium)`;

/** Text an archive could hold, each piece trying to break out of where it is put. */
const HOSTILE_URL =
  'https://copycat.example/2026/"><script>window.__ran=1</script><img src=x onerror="window.__ran=2">';
const HOSTILE_SOURCE = '/archives/<img src=x onerror="window.__ran=3">.warc.gz';
const HOSTILE_CAPTURE = '2026-03-20T10:00:00Z</td><script>window.__ran=4</script>';
const SCRIPT_URL = 'javascript:window.__ran=5';

function discovery(overrides: Partial<Discovery> & Pick<Discovery, 'pageUrl' | 'host'>): Discovery {
  const article = fixtureArticles()[0]!;
  return {
    source: HOSTILE_SOURCE,
    recordOffset: 0,
    recordLength: 1200,
    recordType: 'response',
    article: { id: article.id, url: article.url, title: article.title },
    coverage: 0.93,
    kind: 'full',
    verdict: 'violation',
    violations: [{ rule: 'link-to-original', message: 'no link to the original', evidence: '' }],
    ...overrides,
  };
}

async function seed(sql: Sql): Promise<void> {
  await storeArticles(sql, fixtureArticles());
  const now = new Date('2026-03-21T08:00:00Z');
  await beginFile(sql, HOSTILE_SOURCE, now);
  await saveProgress(
    sql,
    {
      source: HOSTILE_SOURCE,
      resumeOffset: 9000,
      records: 3,
      pages: 3,
      done: true,
      damaged: [],
      discoveries: [
        discovery({ pageUrl: HOSTILE_URL, host: 'copycat.example', capturedAt: HOSTILE_CAPTURE }),
        discovery({
          pageUrl: 'https://copycat.example/2026/second',
          host: 'copycat.example',
          recordOffset: 1200,
        }),
        discovery({ pageUrl: SCRIPT_URL, host: 'elsewhere.example', recordOffset: 2400, kind: 'excerpt' }),
        discovery({
          pageUrl: 'https://peaceblog.example/2016/12/vessa',
          host: 'peaceblog.example',
          site: 'peace-blog',
          recordOffset: 3600,
        }),
      ],
    },
    now,
  );
}

/** What the page shows of the discoveries, after checking that nothing from the archive ran. */
async function readSection(page: Page) {
  expect(await page.evaluate(() => (globalThis as { __ran?: number }).__ran)).toBeUndefined();
  const section = page.locator('#discoveries');
  const headings = await section.locator('h3').allTextContents();
  const text = (await section.textContent()) ?? '';
  const yaml = await section.locator('pre').allTextContents();
  const hrefs = await section
    .locator('a')
    .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
  return { headings, text, yaml, hrefs };
}

function expectSection(found: Awaited<ReturnType<typeof readSection>>): void {
  // Unknown sites first, the one reprinting most at the top; the registered one last.
  expect(found.headings.map((heading) => heading.split(' ')[0])).toEqual([
    'copycat.example',
    'elsewhere.example',
    'peaceblog.example',
  ]);
  expect(found.headings[0]).toContain('unknown');
  expect(found.headings[2]).toContain('registered');
  // The archive's text shows as it was written, markup and all, as text.
  expect(found.text).toContain(HOSTILE_URL);
  expect(found.text).toContain(HOSTILE_SOURCE);
  expect(found.text).toContain(HOSTILE_CAPTURE);
  // A link to a page is never a script.
  expect(found.hrefs.some((href) => href?.toLowerCase().startsWith('javascript:'))).toBe(false);
  expect(found.text).toContain(SCRIPT_URL);
  // Each unknown site has an entry a YAML parser reads back as the registry's shape.
  expect(found.yaml).toHaveLength(2);
  const entries = found.yaml.map((text) => (parse(text) as Array<Record<string, unknown>>)[0]!);
  expect(entries.map((entry) => [entry.id, entry.url, entry.kind])).toEqual([
    ['copycat-example', 'https://copycat.example/', 'community'],
    ['elsewhere-example', 'https://elsewhere.example/', 'community'],
  ]);
  expect((entries[0]!.discover as { start: string[] }).start).toContain(HOSTILE_URL);
}

describe.skipIf(!available)(title, () => {
  let browser: Browser;
  let dir: string;
  let sql: Sql;
  let server: RunningServer;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    dir = mkdtempSync(join(tmpdir(), 'syndicate-discoveries-'));
    sql = await openSql(join(dir, 'store.sqlite'));
    await seed(sql);
    server = await startServer({ sql, outDir: join(dir, 'public'), port: 0, sites });
  });
  afterAll(async () => {
    await server?.close();
    await sql?.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(url: string): Promise<{ page: Page; problems: string[] }> {
    const page = await (await browser.newContext()).newPage();
    const problems: string[] = [];
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => problems.push(`error: ${error.message}`));
    await page.goto(url);
    return { page, problems };
  }

  it('the HTML report has the discoveries as a section of its own, the archive’s text inert', async () => {
    const report = await buildReport(sql, {
      sites,
      notice: { file: 'built-in', text: DEFAULT_NOTICE },
      publisher: 'Northwind Review',
    });
    const file = join(dir, 'report.html');
    writeFileAtomic(file, renderHtml(report));
    const { page, problems } = await open(pathToFileURL(file).href);
    expectSection(await readSection(page));
    expect(problems).toEqual([]);
  });

  it('the review pages list the discoveries on a page of their own, reached from every page', async () => {
    const { page, problems } = await open(`${server.url}/review`);
    await page.locator('nav.top a', { hasText: 'discoveries' }).click();
    await page.waitForURL(`${server.url}/review/discoveries`);
    expect(await page.locator('h1').textContent()).toBe('Discoveries');
    expectSection(await readSection(page));
    expect(problems).toEqual([]);
  });
});
