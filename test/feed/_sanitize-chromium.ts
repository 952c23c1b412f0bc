import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Renders HTML in real Chromium and reports every sign that it ran script or would as soon as
 * someone touched it: a dialog, console output or page error, a call to a hooked global
 * (alert, confirm, prompt, print, fetch, open, postMessage; not eval or Function, which
 * Playwright itself needs), and, read back from the DOM
 * Chromium built, any element that runs or embeds code, any event-handler attribute and any URL
 * attribute with a script-capable scheme. Shared by the sanitizer test and `npm run eval:sanitize`.
 */
export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

const HOOKS = `(() => {
  const record = (name) => function () { (window.__ran ||= []).push(name); };
  for (const name of ['alert', 'confirm', 'prompt', 'print', 'open', 'fetch', 'postMessage'])
    window[name] = record(name);
})();`;

/** The DOM audit, run in the page: what Chromium's own parse of the HTML holds that could run code. */
const AUDIT = `(() => {
  const found = [];
  const active = /^(script|iframe|frame|object|embed|applet|svg|math|style|link|meta|base|form|input|button|textarea|select|template|portal|noscript)$/i;
  const scheme = /^\\s*(javascript|vbscript|data:(?!image\\/(png|gif|jpeg|webp|avif)))/i;
  for (const element of document.body.querySelectorAll('*')) {
    if (active.test(element.localName)) found.push('element <' + element.localName + '>');
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on')) found.push('attribute ' + name + ' on <' + element.localName + '>');
      if (name === 'style' || name === 'srcset' || name === 'formaction' || name === 'xlink:href')
        found.push('attribute ' + name + ' on <' + element.localName + '>');
      if (/^(href|src|action|cite|poster|data|background|dynsrc|lowsrc)$/.test(name) && scheme.test(attribute.value.replace(/[\\u0000-\\u0020]/g, '')))
        found.push(name + '=' + attribute.value.slice(0, 40) + ' on <' + element.localName + '>');
    }
  }
  return found.concat(window.__ran || []);
})()`;

/** A step that a payload can hang (an endless loop, a modal that never closes) gets 5 s. */
function inTime<T>(step: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in 5 s`)), 5000);
  });
  return Promise.race([step, timeout]).finally(() => clearTimeout(timer));
}

export interface RenderResult {
  html: string;
  /** Empty when nothing could run. */
  signs: string[];
}

export class ScriptWatch {
  private page: Page | undefined;
  private signs: string[] = [];
  private loaded = false;

  private browser: Browser | undefined;
  private context: BrowserContext | undefined;

  /** A watch with its own Chromium, started again if a payload brings it down. */
  static async launch(): Promise<ScriptWatch> {
    const watch = new ScriptWatch();
    await watch.currentPage();
    return watch;
  }

  /** One page, reused until a payload closes or breaks it (or the whole browser). */
  private async currentPage(): Promise<Page> {
    if (this.page && !this.page.isClosed() && this.browser?.isConnected()) return this.page;
    if (!this.browser?.isConnected() || !this.context) {
      this.browser = await launchChromium();
      this.context = await this.browser.newContext({ javaScriptEnabled: true });
      // Nothing leaves the page: a payload that loads a URL is seen, not served.
      await this.context.route('**/*', (route) => route.abort());
      await this.context.addInitScript(HOOKS);
    }
    const page = await this.context.newPage();
    page.on('dialog', (dialog) => {
      this.signs.push(`dialog ${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss().catch(() => {});
    });
    page.on('console', (message) => {
      // Blocked loads (every image here) are the route's doing, not the payload's.
      if (!message.text().startsWith('Failed to load resource'))
        this.signs.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.signs.push(`pageerror: ${error.message}`));
    page.on('framenavigated', (frame) => {
      if (this.loaded && frame === page.mainFrame()) this.signs.push(`navigated to ${frame.url()}`);
    });
    this.page = page;
    return page;
  }

  /**
   * Render one item's HTML inside an article, move the mouse over it and tab into it, and audit
   * it. A page that navigates away or is closed by the payload counts as a sign.
   */
  async render(html: string): Promise<RenderResult> {
    const page = await this.currentPage();
    this.signs = [];
    this.loaded = false;
    try {
      // setContent keeps the window: forget the calls the previous item made.
      await inTime(page.evaluate('window.__ran = []'), 'resetting the page');
      await page.setContent(`<!doctype html><meta charset="utf-8"><body><article>${html}</article>`, {
        waitUntil: 'load',
        timeout: 5000,
      });
      this.loaded = true;
      // Handlers that need a person (mouse over, focus) fire here if any survived.
      await inTime(page.mouse.move(5, 5), 'moving the mouse');
      await inTime(page.mouse.move(200, 40), 'moving the mouse');
      await inTime(page.keyboard.press('Tab'), 'pressing Tab');
      const audit = (await inTime(page.evaluate(AUDIT), 'the DOM audit')) as string[];
      this.signs.push(...audit);
    } catch (error) {
      const crashed = this.browser?.isConnected() ? '' : ' (Chromium went down)';
      this.signs.push(`page failed${crashed}: ${(error as Error).message.split('\n')[0]}`);
      // A page that hangs may not close either: start a fresh browser then.
      await inTime(page.close(), 'closing the page').catch(async () => {
        await this.browser?.close().catch(() => {});
        this.browser = undefined;
        this.context = undefined;
      });
    }
    this.loaded = false;
    return { html, signs: this.signs };
  }

  async close(): Promise<void> {
    await this.browser?.close();
  }
}
