/**
 * `npm run screenshots`: the README's pictures of the review pages, made from the demo so they
 * show what the code does today. It runs `npm start`'s demo twice in a scratch folder (two scans,
 * so the dashboard has a trend), plays a reviewer who contacts one site, serves the review pages
 * and photographs them in headless Chromium into examples/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { loadTerms } from '../../src/check/terms.ts';
import { loadSites } from '../../src/config/sites.ts';
import { main as demo } from '../../src/demo/main.ts';
import { listFindings, setStatus } from '../../src/findings/index.ts';
import { setLogLevel } from '../../src/log.ts';
import { loadNotices } from '../../src/report/index.ts';
import { startServer, storedEvidence } from '../../src/server/index.ts';
import { openSql } from '../../src/store/db.ts';

const repository = resolve(import.meta.dirname, '../..');
const out = join(repository, 'examples', 'screenshots');
const scratch = mkdtempSync(join(tmpdir(), 'syndicate-screenshots-'));
const quiet = {
  stdout: () => undefined,
  stderr: (text: string) => process.stderr.write(text),
  interactive: false,
  stopSignal: new AbortController().signal,
};

try {
  for (const folder of ['examples', 'rules', 'feeds'])
    symlinkSync(join(repository, folder), join(scratch, folder));
  process.chdir(scratch);
  setLogLevel('error');
  for (const run of [1, 2]) {
    process.stdout.write(`demo, run ${run} of 2…\n`);
    const code = await demo(quiet);
    if (code !== 0) throw new Error(`the demo exited with ${code}`);
  }
  const rules = join(scratch, 'data', 'demo', 'rules');
  const db = await openSql(join(scratch, 'data', 'syndicate.sqlite'));
  const [first, second] = await listFindings(db, { status: 'open', sort: 'site', direction: 'asc' });
  if (first) {
    await setStatus(db, first.id, 'contacted', { who: 'Maria', note: 'Sent the notice to the editors.' });
  }
  if (second)
    await setStatus(db, second.id, 'dismissed', { who: 'Maria', note: 'A quotation in a review: fair use.' });
  const server = await startServer({
    sql: db,
    outDir: join(scratch, 'public'),
    port: 0,
    sites: loadSites(rules).sites,
    notice: loadNotices(rules),
    publisher: loadTerms(rules).publisher.name,
    evidence: storedEvidence(db),
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    mkdirSync(out, { recursive: true });
    const shoot = async (
      name: string,
      path: string,
      size: { width: number; height: number },
      prepare?: (page: Page) => Promise<void>,
    ) => {
      const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1, timezoneId: 'UTC' });
      const page = await context.newPage();
      await page.goto(`${server.url}${path}`);
      await prepare?.(page);
      await page.screenshot({ path: join(out, name) });
      process.stdout.write(`wrote examples/screenshots/${name}\n`);
      await context.close();
    };
    const finding = first ?? (await listFindings(db, { limit: 1 }))[0];
    await shoot('review-list.png', '/review?status=all', { width: 1280, height: 800 }, async (page) => {
      await page.keyboard.press('j');
      await page.keyboard.press('j');
    });
    if (finding) {
      await shoot('review-finding.png', `/review/finding/${finding.id}?status=all&at=0`, {
        width: 1280,
        height: 1100,
      });
      await shoot(
        'review-notice.png',
        `/review/finding/${finding.id}`,
        { width: 1280, height: 800 },
        async (page) => {
          await page.locator('#notice').scrollIntoViewIfNeeded();
          await page.evaluate('document.getElementById("notice").scrollIntoView()');
        },
      );
      await shoot(
        'review-evidence.png',
        `/review/finding/${finding.id}`,
        { width: 1280, height: 800 },
        async (page) => {
          await page.evaluate('document.querySelector("section.evidence-capture").scrollIntoView()');
          await page
            .locator('figure.screenshot img')
            .evaluate((image) => (image as unknown as { decode(): Promise<void> }).decode())
            .catch(() => undefined);
        },
      );
      await shoot('review-finding-phone.png', `/review/finding/${finding.id}`, { width: 390, height: 844 });
    }
    await shoot('review-dashboard.png', '/review/dashboard', { width: 1280, height: 900 });
  } finally {
    await browser.close();
    await server.close();
    await db.close();
  }
} finally {
  process.chdir(repository);
  rmSync(scratch, { recursive: true, force: true });
}
