import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Route } from 'playwright-core';
import { escapeHtml } from '../text/html.ts';
import { VERSION } from '../version.ts';

/**
 * What a reader saw: the stored response rendered in headless Chromium and photographed whole,
 * with the page's URL and the capture time above it. The page is hostile input: its scripts never
 * run, and it reaches nothing — every request the page makes is intercepted, the document itself
 * is answered from the store and everything else (images, style sheets, frames) is refused; host
 * names resolve nowhere, so nothing can slip past the interception to the network. Rendering and
 * the photograph are bounded in time and in height.
 */
export interface ScreenshotOptions {
  executablePath: string;
  /** Time for Chromium to start, the page to load, and the photograph each. */
  timeoutMs: number;
  viewportWidth: number;
  /** Taller pages are cut here (the WARC keeps the whole page). */
  maxHeightPx: number;
}

export const DEFAULT_SCREENSHOT: ScreenshotOptions = {
  // Debian's Chromium; a camera made while `SYNDICATE_CHROMIUM` names another browser uses that
  // (a path with none there: evidence without screenshots).
  executablePath: '/usr/bin/chromium',
  timeoutMs: 20_000,
  viewportWidth: 1280,
  maxHeightPx: 12_000,
};

export interface PageToShoot {
  /** Where the page was, so that its relative links and `<base>` read as they did. */
  url: string;
  /** The response's Content-Type header, charset included, so the text decodes as it did. */
  contentType: string;
  body: Uint8Array;
  capturedAt: Date;
}

export type Shot =
  | { taken: true; png: Buffer; width: number; height: number; cut: boolean }
  | { taken: false; reason: string };

const MAX_RESTARTS = 5;

/** A Chromium started on first use and shared by every screenshot of one capture run. */
export class Camera {
  readonly options: ScreenshotOptions;
  private browser: Promise<Browser> | undefined;
  private unavailable: string | undefined;
  private restarts = 0;

  constructor(options: Partial<ScreenshotOptions> = {}) {
    const named = process.env.SYNDICATE_CHROMIUM;
    this.options = { ...DEFAULT_SCREENSHOT, ...(named ? { executablePath: named } : {}), ...options };
  }

  /** The browser's version once started, for the manifest. */
  async version(): Promise<string | undefined> {
    if (!this.browser) return undefined;
    try {
      return (await this.browser).version();
    } catch {
      return undefined;
    }
  }

  /** Start Chromium (if not yet) and say its version; throws when it cannot start. */
  async probe(): Promise<string> {
    return (await this.start()).version();
  }

  async shoot(page: PageToShoot): Promise<Shot> {
    if (this.unavailable) return { taken: false, reason: this.unavailable };
    let browser: Browser;
    try {
      browser = await this.start();
      // A page can crash Chromium (one of Readability's real test pages did): the next page gets
      // a new browser, a few times at most, instead of failing on a dead one.
      if (!browser.isConnected() && this.restarts < MAX_RESTARTS) {
        this.restarts++;
        this.browser = undefined;
        browser = await this.start();
      }
    } catch (error) {
      this.unavailable = `Chromium is not available: ${firstLine(error)}`;
      return { taken: false, reason: this.unavailable };
    }
    let context: BrowserContext | undefined;
    try {
      context = await browser.newContext({
        javaScriptEnabled: false,
        viewport: { width: this.options.viewportWidth, height: 900 },
        serviceWorkers: 'block',
        acceptDownloads: false,
      });
      context.setDefaultTimeout(this.options.timeoutMs);
      return await this.render(context, page);
    } catch (error) {
      return { taken: false, reason: `the page could not be rendered: ${firstLine(error)}` };
    } finally {
      await context?.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close().catch(() => {});
  }

  private start(): Promise<Browser> {
    if (!this.browser) {
      const { executablePath, timeoutMs } = this.options;
      this.browser = (async () => {
        if (!existsSync(executablePath)) throw new Error(`no browser at ${executablePath}`);
        const { chromium } = await import('playwright-core');
        return chromium.launch({
          executablePath,
          headless: true,
          timeout: timeoutMs,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            // No host name resolves: should any request get past the interception, it goes nowhere.
            '--host-resolver-rules=MAP * ~NOTFOUND',
          ],
        });
      })();
    }
    return this.browser;
  }

  private async render(context: BrowserContext, page: PageToShoot): Promise<Shot> {
    const stored = page.url;
    const shotUrl = 'https://evidence.invalid/screenshot.png';
    let photo: Buffer | undefined;
    let served = false;
    await context.route('**/*', (route: Route) => {
      const request = route.request();
      // The first navigation is the page itself. Any other (a meta refresh, a frame) is answered
      // 204 No Content, on which a browser stays where it is: refusing it would show an error page.
      if (request.isNavigationRequest()) {
        if (served) return route.fulfill({ status: 204, body: '' });
        served = true;
        return route.fulfill({ status: 200, contentType: page.contentType, body: Buffer.from(page.body) });
      }
      if (request.url() === shotUrl && photo) {
        return route.fulfill({ status: 200, contentType: 'image/png', body: photo });
      }
      return route.abort('blockedbyclient');
    });

    const tab = await context.newPage();
    await tab.goto(stored, { waitUntil: 'load' });
    const fullHeight = Number(
      await tab.evaluate(
        'Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)',
      ),
    );
    const height = Math.max(1, Math.min(fullHeight, this.options.maxHeightPx));
    const width = this.options.viewportWidth;
    await tab.setViewportSize({ width, height });
    photo = await tab.screenshot({
      type: 'png',
      animations: 'disabled',
      clip: { x: 0, y: 0, width, height },
    });
    const cut = fullHeight > height;

    // The label goes above the photograph, not into the page: the page's own pixels stay as rendered.
    const framed = await context.newPage();
    await framed.setViewportSize({ width, height: 200 });
    await framed.setContent(frameHtml(page, shotUrl, width, height, cut), { waitUntil: 'load' });
    const png = await framed.screenshot({ type: 'png', fullPage: true, animations: 'disabled' });
    const framedHeight = Number(await framed.evaluate('document.documentElement.scrollHeight'));
    return { taken: true, png, width, height: framedHeight, cut };
  }
}

function frameHtml(page: PageToShoot, shotUrl: string, width: number, height: number, cut: boolean): string {
  const note = cut ? ` · cut at ${height} px` : '';
  return `<!doctype html><meta charset="utf-8"><style>
body{margin:0;background:#fff}
header{font:14px/1.4 system-ui,sans-serif;background:#1d2733;color:#fff;padding:8px 12px;overflow-wrap:anywhere}
header b{font-weight:600}
img{display:block;width:${width}px;height:${height}px}
</style><header><b>${escapeHtml(page.url)}</b><br>captured ${escapeHtml(page.capturedAt.toISOString())} by syndicate ${escapeHtml(VERSION)} from the stored response, scripts off, nothing loaded from the network${escapeHtml(note)}</header><img src="${shotUrl}" alt="">`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Playwright's messages carry a call log after the first line; one line is what the evidence says.
  return message.split('\n', 1)[0]!.trim();
}
