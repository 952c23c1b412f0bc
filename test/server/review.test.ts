import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { auditLog, getFinding, listFindings } from '../../src/findings/index.ts';
import { checkBindPolicy, isLoopback, type RunningServer, startServer } from '../../src/server/index.ts';
import { sites } from '../findings/_pages.ts';
import { tempDir } from '../helpers/tmp.ts';
import { HOSTILE_TITLE, seededStore, urls } from '../report/_store.ts';
import { cookieOf, form, raw } from './_http.ts';

const running: RunningServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

const TOKEN = 'correct-horse-battery-staple';

async function reviewServer(options: { host?: string; token?: string } = {}) {
  const dir = tempDir();
  const { db } = seededStore(dir);
  const server = await startServer({ db, outDir: join(dir, 'public'), port: 0, sites, ...options });
  running.push(server);
  return { db, server };
}

/** Open a finding page and return the session cookie and the form token. */
async function openFinding(base: string, id: number, headers: Record<string, string> = {}) {
  const page = await raw(`${base}/review/finding/${id}`, { headers });
  expect(page.status).toBe(200);
  const cookie = headers.cookie ?? cookieOf(page);
  const csrf = load(page.text)('form.status-form input[name=csrf]').attr('value')!;
  expect(csrf.length).toBeGreaterThan(20);
  return { cookie, csrf, page };
}

describe('review pages', () => {
  it('list and filter findings, escape crawled text, and change a status with a valid form', async () => {
    const { db, server } = await reviewServer();
    const list = load((await raw(`${server.url}/review`)).text);
    expect(list('table.findings tr[data-finding]').length).toBe(3);
    expect(list('script').length).toBe(0);
    expect(list('[onerror]').length).toBe(0);
    expect(list('table.findings').text()).toContain(HOSTILE_TITLE);
    const bySite = load((await raw(`${server.url}/review?site=market-news&status=all`)).text);
    expect(bySite('tr[data-finding] .url').text()).toBe(urls.commercial);
    const byRule = load((await raw(`${server.url}/review?rule=commercial-use&status=all`)).text);
    expect(byRule('tr[data-finding]').length).toBe(1);
    const fresh = load((await raw(`${server.url}/review?new=1&status=all`)).text);
    expect(fresh('tr[data-finding] .url').text()).toBe(urls.hostile);
    const resolved = load((await raw(`${server.url}/review?status=resolved`)).text);
    expect(resolved('tr[data-finding] .url').text()).toBe(urls.fixed);

    const hostile = listFindings(db, { site: 'peace-blog' }).find(
      (finding) => finding.pageUrl === urls.hostile,
    )!;
    const { cookie, csrf, page } = await openFinding(server.url, hostile.id);
    const $ = load(page.text);
    expect($('script, img, iframe').length).toBe(0);
    expect($('[onerror],[onclick]').length).toBe(0);
    expect($('h1').text()).toContain(HOSTILE_TITLE);
    expect(page.headers['set-cookie']).toEqual([expect.stringMatching(/HttpOnly; SameSite=Strict/)]);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'.*form-action 'self'/);

    const post = await raw(`${server.url}/review/finding/${hostile.id}/status`, {
      method: 'POST',
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.url,
        'sec-fetch-site': 'same-origin',
      },
      body: form({ csrf, who: 'maria', status: 'contacted', note: 'mailed <them>' }),
    });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe(`/review/finding/${hostile.id}?done=status`);
    expect(getFinding(db, hostile.id)!.status).toBe('contacted');
    expect(auditLog(db, hostile.id).at(-1)).toMatchObject({
      who: 'maria',
      fromStatus: 'open',
      toStatus: 'contacted',
      note: 'mailed <them>',
    });

    const note = await raw(`${server.url}/review/finding/${hostile.id}/note`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ csrf, who: 'maria', note: 'they answered' }),
    });
    expect(note.status).toBe(303);
    const reloaded = load(
      (await raw(`${server.url}/review/finding/${hostile.id}`, { headers: { cookie } })).text,
    );
    expect(reloaded('table.audit').text()).toContain('they answered');
    expect(reloaded('table.audit').text()).toContain('mailed <them>');
    expect(reloaded('#status').text()).toBe('contacted');
    expect(reloaded('input[name=who]').attr('value')).toBe('maria');
  });

  it('refuses forms without the CSRF token, from another site, or without a session', async () => {
    const { db, server } = await reviewServer();
    const [finding] = listFindings(db, { site: 'market-news' });
    const { cookie, csrf } = await openFinding(server.url, finding!.id);
    const post = (headers: Record<string, string>, fields: Record<string, string>) =>
      raw(`${server.url}/review/finding/${finding!.id}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: form({ who: 'mallory', status: 'dismissed', ...fields }),
      });
    expect((await post({ cookie }, {})).status).toBe(403);
    expect((await post({ cookie }, { csrf: 'guess' })).status).toBe(403);
    expect((await post({}, { csrf })).status).toBe(403);
    expect((await post({ cookie, origin: 'https://evil.example' }, { csrf })).status).toBe(403);
    expect((await post({ cookie, 'sec-fetch-site': 'cross-site' }, { csrf })).status).toBe(403);
    expect((await post({ cookie, origin: 'null' }, { csrf })).status).toBe(403);
    // Another session's token does not fit this session.
    const other = await openFinding(server.url, finding!.id);
    expect((await post({ cookie }, { csrf: other.csrf })).status).toBe(403);
    expect(getFinding(db, finding!.id)!.status).toBe('open');
    expect((await post({ cookie }, { csrf, status: 'bogus' })).status).toBe(400);
    expect((await post({ cookie }, { csrf, who: ' ' })).status).toBe(400);
    expect((await post({ cookie }, { csrf })).status).toBe(303);
    expect(getFinding(db, finding!.id)!.status).toBe('dismissed');
  });

  it('answers only to loopback host names when no token guards it (DNS rebinding)', async () => {
    const { server } = await reviewServer();
    const port = new URL(server.url).port;
    expect((await raw(`${server.url}/review`, { headers: { host: `evil.example:${port}` } })).status).toBe(
      421,
    );
    expect((await raw(`${server.url}/review`, { headers: { host: `localhost:${port}` } })).status).toBe(200);
  });
});

describe('the token', () => {
  it('is required off loopback: the policy refuses to start without one', async () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.8.9.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('::')).toBe(false);
    expect(isLoopback('192.168.1.4')).toBe(false);
    expect(() => checkBindPolicy('0.0.0.0', undefined)).toThrow(/--token/);
    expect(() => checkBindPolicy('0.0.0.0', 'short')).toThrow(/16 characters/);
    expect(() => checkBindPolicy('0.0.0.0', TOKEN)).not.toThrow();
    expect(() => checkBindPolicy('127.0.0.1', undefined)).not.toThrow();
    const dir = tempDir();
    const { db } = seededStore(dir);
    await expect(startServer({ db, outDir: dir, host: '0.0.0.0', port: 0 })).rejects.toThrow(/--token/);
    const cli = await run(
      ['--store', join(dir, 'store.sqlite'), '--rules', dir, 'serve', '--host', '0.0.0.0', '--port', '0'],
      {
        stdout: () => undefined,
        stderr: () => undefined,
        interactive: false,
        stopSignal: new AbortController().signal,
      },
    );
    expect(cli).toBe(2);
  });

  it('is checked on every request when bound to all addresses: bearer, or a cookie after ?token=', async () => {
    const { server } = await reviewServer({ host: '0.0.0.0', token: TOKEN });
    const port = new URL(server.url).port;
    const addresses = ['127.0.0.1'];
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) addresses.push(external.address);
    for (const address of addresses) {
      const base = `http://${address}:${port}`;
      expect((await raw(`${base}/review`)).status).toBe(401);
      expect((await raw(`${base}/news.xml`)).status).toBe(401);
      expect((await raw(`${base}/review?token=wrong-token-wrong-token`)).status).toBe(401);
      expect((await raw(`${base}/review`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      expect((await raw(`${base}/review`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
        200,
      );
      const login = await raw(`${base}/review?status=all&token=${TOKEN}`);
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/review?status=all');
      const cookie = cookieOf(login);
      expect(cookie).not.toContain(TOKEN);
      const list = await raw(`${base}/review?status=all`, { headers: { cookie } });
      expect(list.status).toBe(200);
      expect(load(list.text)('tr[data-finding]').length).toBe(4);
      expect((await raw(`${base}/review`, { headers: { cookie: 'syndicate_session=forged' } })).status).toBe(
        401,
      );
    }
    // The login redirect never leaves the server.
    const sneaky = await raw(`http://127.0.0.1:${port}//evil.example/x?token=${TOKEN}`);
    expect(sneaky.headers.location).toMatch(/^\/[^/\\]/);
  });
});

describe('syndicate serve', () => {
  it('serves until the stop signal aborts', async () => {
    const dir = tempDir();
    const { db, file } = seededStore(dir);
    db.close();
    const stop = new AbortController();
    let out = '';
    let announced: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      announced = resolve;
    });
    const exit = run(
      ['--store', file, '--rules', dir, 'serve', '--port', '0', '--out', join(dir, 'public')],
      {
        stdout: (text) => {
          out += text;
          announced();
        },
        stderr: () => undefined,
        interactive: false,
        stopSignal: stop.signal,
      },
    );
    await ready;
    const url = /on (http:\/\/\S+)\//.exec(out)![1]!;
    expect((await raw(`${url}/review`)).status).toBe(200);
    stop.abort();
    expect(await exit).toBe(0);
    await expect(raw(`${url}/review`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
