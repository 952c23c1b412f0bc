import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { auditLog, countFindings, getFinding, listFindings } from '../../src/findings/index.ts';
import {
  checkBindPolicy,
  type EvidenceSource,
  isLoopback,
  type RunningServer,
  startServer,
} from '../../src/server/index.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { sites } from '../findings/_pages.ts';
import { describeEngines } from '../helpers/engines.ts';
import { tempDir } from '../helpers/tmp.ts';
import { HOSTILE_TITLE, seededStore, urls } from '../report/_store.ts';
import { cookieOf, form, raw } from './_http.ts';
import { manyPage, manySites, PASSAGE, seedMany, storeSnapshot } from './_seed.ts';

const running: RunningServer[] = [];
const opened: Sql[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  for (const sql of opened.splice(0)) await sql.close();
});

/** 256 random bits, as `serve --generate-token` makes them. */
const TOKEN = 'Jc3x9QeVt2mZ8rLwK5nH1yBdF7sGpA4uT6oEiR0vXk';

async function reviewServer(options: { host?: string; token?: string } = {}) {
  const dir = tempDir();
  const { db } = await seededStore(dir);
  const server = await startServer({ sql: db, outDir: join(dir, 'public'), port: 0, sites, ...options });
  running.push(server);
  return { db, server };
}

/** A server over `count` findings, in a SQLite file unless `target` names a store. */
async function manyServer(count: number, target?: string) {
  const dir = tempDir();
  const db = await openSql(target ?? join(dir, 'store.sqlite'));
  opened.push(db);
  const seeded = await seedMany(db, count);
  const server = await startServer({ sql: db, outDir: join(dir, 'public'), port: 0, sites: manySites });
  running.push(server);
  return { db, server, ...seeded };
}

/** The findings with these ids, in that order. */
async function findings(db: Sql, findingIds: readonly number[]) {
  return Promise.all(findingIds.map(async (id) => (await getFinding(db, id))!));
}

/** Open a page with forms and return the session cookie and the form token. */
async function openForm(url: string, selector: string, headers: Record<string, string> = {}) {
  const page = await raw(url, { headers });
  expect(page.status).toBe(200);
  const cookie = headers.cookie ?? cookieOf(page);
  const csrf = load(page.text)(`${selector} input[name=csrf]`).attr('value')!;
  expect(csrf.length).toBeGreaterThan(20);
  return { cookie, csrf, page };
}

const openFinding = (base: string, id: number, headers: Record<string, string> = {}) =>
  openForm(`${base}/review/finding/${id}`, 'form.status-form', headers);

const post = (url: string, cookie: string, fields: Record<string, string> | URLSearchParams) =>
  raw(url, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: fields instanceof URLSearchParams ? fields.toString() : form(fields),
  });

const ids = (html: string): number[] => {
  const $ = load(html);
  return $('tr[data-finding]')
    .map((_, row) => Number($(row).attr('data-finding')))
    .get();
};

describe('review pages', () => {
  it('list and filter findings, escape crawled text, and change a status with a valid form', async () => {
    const { db, server } = await reviewServer();
    const list = load((await raw(`${server.url}/review`)).text);
    expect(list('table.findings tr[data-finding]').length).toBe(3);
    expect(list('script:not([src="/review/app.js"])').length).toBe(0);
    expect(list('[onerror]').length).toBe(0);
    expect(list('table.findings').text()).toContain(HOSTILE_TITLE);
    const bySite = load((await raw(`${server.url}/review?site=market-news&status=all`)).text);
    expect(bySite('tr[data-finding] .url').text()).toBe(urls.commercial);
    const byRule = load((await raw(`${server.url}/review?rule=commercial-use&status=all`)).text);
    expect(byRule('tr[data-finding]').length).toBe(1);
    const resolved = load((await raw(`${server.url}/review?status=resolved`)).text);
    expect(resolved('tr[data-finding] .url').text()).toBe(urls.fixed);

    const hostile = (await listFindings(db, { site: 'peace-blog' })).find(
      (finding) => finding.pageUrl === urls.hostile,
    )!;
    const { cookie, csrf, page } = await openFinding(server.url, hostile.id);
    const $ = load(page.text);
    expect($('script:not([src="/review/app.js"]), img, iframe').length).toBe(0);
    expect($('[onerror],[onclick]').length).toBe(0);
    expect($('h1').text()).toContain(HOSTILE_TITLE);
    expect(page.headers['set-cookie']).toEqual([expect.stringMatching(/HttpOnly; SameSite=Strict/)]);
    expect(page.headers['content-security-policy']).toMatch(
      /default-src 'none'; script-src 'self';.*form-action 'self'/,
    );

    const changed = await raw(`${server.url}/review/finding/${hostile.id}/status`, {
      method: 'POST',
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.url,
        'sec-fetch-site': 'same-origin',
      },
      body: form({ csrf, who: 'maria', status: 'contacted', note: 'mailed <them>' }),
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.location).toBe(`/review/finding/${hostile.id}?done=status`);
    expect((await getFinding(db, hostile.id))!.status).toBe('contacted');
    expect((await auditLog(db, hostile.id)).at(-1)).toMatchObject({
      who: 'maria',
      fromStatus: 'open',
      toStatus: 'contacted',
      note: 'mailed <them>',
    });
    const whoCookie = cookieOf(changed);
    expect(whoCookie).toBe('syndicate_who=maria');

    const note = await post(`${server.url}/review/finding/${hostile.id}/note`, cookie, {
      csrf,
      who: 'maria',
      note: 'they answered',
    });
    expect(note.status).toBe(303);
    const reloaded = load(
      (
        await raw(`${server.url}/review/finding/${hostile.id}`, {
          headers: { cookie: `${cookie}; ${whoCookie}` },
        })
      ).text,
    );
    expect(reloaded('table.audit').text()).toContain('they answered');
    expect(reloaded('table.audit').text()).toContain('mailed <them>');
    expect(reloaded('#status').text()).toBe('contacted');
    expect(reloaded('input[name=who]').first().attr('value')).toBe('maria');
    // The status line reads as a list of facts, not "open ; first seen".
    expect(reloaded('ul.facts').text()).not.toMatch(/\s;/);
    expect(reloaded('ul.facts time').first().attr('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('logs setting the same status with no note as nothing, and with a note as a note', async () => {
    const { db, server } = await reviewServer();
    const contacted = (await listFindings(db, { status: 'contacted' }))[0]!;
    const before = (await auditLog(db, contacted.id)).length;
    const { cookie, csrf } = await openFinding(server.url, contacted.id);
    const same = await post(`${server.url}/review/finding/${contacted.id}/status`, cookie, {
      csrf,
      who: 'maria',
      status: 'contacted',
      note: '  ',
    });
    expect(same.headers.location).toBe(`/review/finding/${contacted.id}?done=same`);
    expect((await auditLog(db, contacted.id)).length).toBe(before);
    const page = load((await raw(`${server.url}${same.headers.location}`, { headers: { cookie } })).text);
    expect(page('.message').text()).toMatch(/nothing changed/);
    const withNote = await post(`${server.url}/review/finding/${contacted.id}/status`, cookie, {
      csrf,
      who: 'maria',
      status: 'contacted',
      note: 'sent a reminder',
    });
    expect(withNote.headers.location).toMatch(/done=status/);
    expect((await auditLog(db, contacted.id)).length).toBe(before + 1);
  });

  it('refuses forms without the form token, from another site, or without a session', async () => {
    const { db, server } = await reviewServer();
    const [finding] = await listFindings(db, { site: 'market-news' });
    const { cookie, csrf } = await openFinding(server.url, finding!.id);
    const send = (headers: Record<string, string>, fields: Record<string, string>) =>
      raw(`${server.url}/review/finding/${finding!.id}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: form({ who: 'mallory', status: 'dismissed', ...fields }),
      });
    expect((await send({ cookie }, {})).status).toBe(403);
    expect((await send({ cookie }, { csrf: 'guess' })).status).toBe(403);
    expect((await send({}, { csrf })).status).toBe(403);
    expect((await send({ cookie, origin: 'https://evil.example' }, { csrf })).status).toBe(403);
    expect((await send({ cookie, 'sec-fetch-site': 'cross-site' }, { csrf })).status).toBe(403);
    expect((await send({ cookie, origin: 'null' }, { csrf })).status).toBe(403);
    // Another session's token does not fit this session, and a cookie changed by hand is no session.
    const other = await openFinding(server.url, finding!.id);
    expect((await send({ cookie }, { csrf: other.csrf })).status).toBe(403);
    const forged = cookie.replace(/\.a\./, '.v.');
    expect(forged).not.toBe(cookie);
    expect((await send({ cookie: forged }, { csrf })).status).toBe(403);
    expect((await getFinding(db, finding!.id))!.status).toBe('open');
    expect((await send({ cookie }, { csrf, status: 'bogus' })).status).toBe(400);
    expect((await send({ cookie }, { csrf, who: ' ' })).status).toBe(400);
    expect((await send({ cookie }, { csrf })).status).toBe(303);
    expect((await getFinding(db, finding!.id))!.status).toBe('dismissed');
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

describeEngines('thousands of findings', (engine) => {
  it('pages through them in SQL order, with counts per status and a pager that reaches the last page', async () => {
    const { db, server } = await manyServer(150, await engine.target());
    const active = await countFindings(db, { status: ['open', 'contacted'] });
    const first = await raw(`${server.url}/review?per=25`);
    const $ = load(first.text);
    expect(ids(first.text)).toEqual(
      (await listFindings(db, { status: ['open', 'contacted'], limit: 25 })).map((f) => f.id),
    );
    expect($('p.count').text()).toBe(`${active} findings; 1–25 shown`);
    for (const status of ['open', 'contacted', 'resolved', 'dismissed', 'licensed'] as const) {
      expect(Number($(`ul.status-counts a[data-status=${status}] .n`).text())).toBe(
        await countFindings(db, { status }),
      );
    }
    const pages = Math.ceil(active / 25);
    const lastLink = $('nav.pager a').filter((_, a) => $(a).text() === String(pages));
    expect(lastLink.attr('href')).toBe(`/review?per=25&page=${pages}`);
    const last = await raw(`${server.url}${lastLink.attr('href')}`);
    expect(ids(last.text)).toEqual(
      (await listFindings(db, { status: ['open', 'contacted'], limit: 25, offset: (pages - 1) * 25 })).map(
        (f) => f.id,
      ),
    );
    expect(load(last.text)('nav.pager a[rel=next]').length).toBe(0);
    // A page past the end shows the last one.
    expect(ids((await raw(`${server.url}/review?per=25&page=999`)).text)).toEqual(ids(last.text));
  });

  it('searches title, site, URL and article; filters by site, rule, status and new since a scan; sorts', async () => {
    const { db, server, scans } = await manyServer(150, await engine.target());
    const titles = (html: string): string[] => {
      const $ = load(html);
      return $('tr[data-finding] a.title')
        .map((_, a) => $(a).text())
        .get();
    };
    const searched = await raw(`${server.url}/review?status=all&per=200&q=${encodeURIComponent('orchard')}`);
    expect(titles(searched.text).length).toBeGreaterThan(5);
    expect(titles(searched.text).every((title) => title.endsWith('about the orchard'))).toBe(true);
    const byArticle = await raw(
      `${server.url}/review?status=all&per=200&q=${encodeURIComponent('harbour strike')}`,
    );
    expect(ids(byArticle.text).length).toBe((await listFindings(db, { search: 'harbour strike' })).length);
    expect(
      (await findings(db, ids(byArticle.text))).every((f) => f.articleTitle === 'The harbour strike'),
    ).toBe(true);
    const byUrl = await raw(
      `${server.url}/review?status=all&q=${encodeURIComponent(`${new URL(manyPage(42).url).host}/42/`)}`,
    );
    expect(ids(byUrl.text)).toEqual([(await listFindings(db, { search: manyPage(42).url }))[0]!.id]);
    // % and _ are letters in a search, not wildcards.
    expect(ids((await raw(`${server.url}/review?status=all&q=%25`)).text)).toEqual([]);

    const riverCopyright = await raw(
      `${server.url}/review?status=all&per=200&site=river-daily&rule=copyright-notice`,
    );
    const found = await findings(db, ids(riverCopyright.text));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((f) => f.site === 'river-daily' && f.violations[0]!.rule === 'copyright-notice')).toBe(
      true,
    );
    const dismissed = ids((await raw(`${server.url}/review?status=dismissed&per=200`)).text);
    expect(dismissed.length).toBe(await countFindings(db, { status: 'dismissed' }));
    const fresh = ids((await raw(`${server.url}/review?status=all&per=200&since=${scans[0]}`)).text);
    // The 50 pages scan 2 found first, less the five compliant ones (never a violation, no finding).
    expect(fresh.length).toBe(45);
    expect((await findings(db, fresh)).every((f) => f.firstScan === scans[1])).toBe(true);
    // Needs review: the uncertain verdict (none in this store; the filter must not fall back to all).
    expect(ids((await raw(`${server.url}/review?status=all&verdict=uncertain`)).text)).toEqual([]);

    const ascending = titles((await raw(`${server.url}/review?status=all&sort=title&dir=asc&per=200`)).text);
    expect(ascending).toEqual([...ascending].sort((a, b) => a.localeCompare(b)));
    expect(ascending[0]).toBe('Story 0000 about the river');
    const byId = ids((await raw(`${server.url}/review?status=all&sort=id&dir=asc&per=25&page=2`)).text);
    expect(byId).toEqual(
      (await listFindings(db, { sort: 'id', direction: 'asc', limit: 25, offset: 25 })).map((f) => f.id),
    );
    // Unknown sort or status fall back to the defaults instead of failing.
    expect((await raw(`${server.url}/review?sort=drop%20table&status=nope&page=-3`)).status).toBe(200);
  });

  it('changes many findings at once with one note, and keeps the list the reviewer was on', async () => {
    const { db, server } = await manyServer(60, await engine.target());
    const { cookie, csrf, page } = await openForm(`${server.url}/review?site=peace-blog`, 'form.bulk');
    const action = load(page.text)('form.bulk').attr('action')!;
    expect(action).toBe('/review/bulk?site=peace-blog');
    const chosen = ids(page.text).slice(0, 4);
    const alreadyContacted = (await findings(db, chosen))
      .filter((f) => f.status === 'contacted')
      .map((f) => f.id);
    const fields = new URLSearchParams({
      csrf,
      who: 'maria',
      status: 'contacted',
      note: 'wrote to the editor',
    });
    for (const id of chosen) fields.append('id', String(id));
    const answer = await post(`${server.url}${action}`, cookie, fields);
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe(`/review?site=peace-blog&done=bulk-4-0`);
    for (const id of chosen) {
      expect((await getFinding(db, id))!.status).toBe('contacted');
      expect((await auditLog(db, id)).at(-1)).toMatchObject({
        who: 'maria',
        toStatus: 'contacted',
        note: 'wrote to the editor',
      });
    }
    for (const id of alreadyContacted) expect((await auditLog(db, id)).at(-1)!.fromStatus).toBe('contacted');
    const shown = load((await raw(`${server.url}${answer.headers.location}`, { headers: { cookie } })).text);
    expect(shown('.message').text()).toBe('4 findings changed.');
    // With no note, findings already in that status are left alone and counted apart.
    const again = new URLSearchParams({ csrf, who: 'maria', status: 'contacted' });
    for (const id of chosen) again.append('id', String(id));
    const noop = await post(`${server.url}/review/bulk`, cookie, again);
    expect(noop.headers.location).toBe('/review?done=bulk-0-4');
    // Nothing chosen, or a finding that does not exist: refused, nothing changed.
    expect(
      (await post(`${server.url}/review/bulk`, cookie, { csrf, who: 'maria', status: 'open' })).status,
    ).toBe(400);
    const missing = new URLSearchParams({ csrf, who: 'maria', status: 'dismissed' });
    missing.append('id', String(chosen[0]));
    missing.append('id', '999999');
    expect((await post(`${server.url}/review/bulk`, cookie, missing)).status).toBe(404);
    expect((await getFinding(db, chosen[0]!))!.status).toBe('contacted');
    // Without the form token: refused.
    const forged = new URLSearchParams({ csrf: 'x', who: 'm', status: 'dismissed', id: String(chosen[1]) });
    expect((await post(`${server.url}/review/bulk`, cookie, forged)).status).toBe(403);
  });

  it('steps to the next and previous finding of the list, also after the current one left it', async () => {
    const { db, server } = await manyServer(30, await engine.target());
    const list = await listFindings(db, { status: ['open', 'contacted'], limit: 5 });
    const page = load((await raw(`${server.url}/review/finding/${list[1]!.id}?at=1`)).text);
    expect(page('nav.step a[rel=prev]').attr('href')).toBe(`/review/finding/${list[0]!.id}?at=0`);
    expect(page('nav.step a[rel=next]').attr('href')).toBe(`/review/finding/${list[2]!.id}?at=2`);
    expect(page('nav.step a[data-key=u]').attr('href')).toBe('/review');
    const { cookie, csrf } = await openFinding(server.url, list[1]!.id);
    const form = page('form.status-form');
    expect(form.attr('action')).toBe(`/review/finding/${list[1]!.id}/status?at=1`);
    const done = await post(`${server.url}${form.attr('action')}`, cookie, {
      csrf,
      who: 'maria',
      status: 'dismissed',
    });
    expect(done.headers.location).toBe(`/review/finding/${list[1]!.id}?at=1&done=status`);
    const afterward = load(
      (await raw(`${server.url}${done.headers.location}`, { headers: { cookie } })).text,
    );
    // Dismissed, it left the "open or contacted" list: the next is the one now at its place.
    expect(afterward('nav.step a[rel=next]').attr('href')).toBe(`/review/finding/${list[2]!.id}?at=1`);
    expect(afterward('nav.step a[rel=prev]').attr('href')).toBe(`/review/finding/${list[0]!.id}?at=0`);
  });
});

describe('the finding page', () => {
  it('drafts the notice with a mailto link carrying subject and body', async () => {
    const { db, server } = await reviewServer();
    const finding = (await listFindings(db, { site: 'peace-blog', status: 'contacted' }))[0]!;
    const $ = load((await raw(`${server.url}/review/finding/${finding.id}`)).text);
    const letter = $('pre#notice-text').text();
    expect(letter).toContain(`Dear editors of Peace Blog`);
    expect(letter).toContain(finding.pageUrl);
    const mailto = new URL($('a.mailto').attr('href')!);
    expect(mailto.protocol).toBe('mailto:');
    expect(mailto.pathname).toBe('editor@peaceblog.example');
    expect(mailto.searchParams.get('subject')).toBe(`Reprint of "${finding.articleTitle}" on Peace Blog`);
    expect(mailto.searchParams.get('body')).toBe(letter.replace(/^Subject:.*\n\n?/, ''));
    expect($('button.copy').attr('data-copy')).toBe('notice-text');
  });

  it('shows the stored copy as text with the matched passage marked, and its HTML only as plain text', async () => {
    const dir = tempDir();
    const db = await openSql(join(dir, 'store.sqlite'));
    await seedMany(db, 6);
    const hostileHtml = `<html><head><title>t</title><script>window.__pwned=1</script></head><body>
<article><h1>Story</h1><p>Before <img src=x onerror="window.__pwned=2"> it all.</p>
<p>${PASSAGE.replace('museum', 'Museum')}</p><p>After &lt;b&gt;this&lt;/b&gt;.</p></article></body></html>`;
    await storeSnapshot(db, 'peace-blog', manyPage(0).url, hostileHtml);
    const server = await startServer({ sql: db, outDir: dir, port: 0, sites: manySites });
    running.push(server);
    const id = (await listFindings(db, { search: manyPage(0).url }))[0]!.id;
    const $ = load((await raw(`${server.url}/review/finding/${id}`)).text);
    expect($('.reprint-text mark').length).toBe(1);
    expect($('.reprint-text mark').text()).toBe(PASSAGE.replace('museum', 'Museum'));
    expect($('.reprint-text').text()).toContain('After <b>this</b>.');
    expect($('.reprint-text img, .reprint-text script, .reprint-text b').length).toBe(0);
    const snapshot = await raw(`${server.url}${$('section.reprint a').attr('href')}`);
    expect(snapshot.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(snapshot.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
    expect(snapshot.headers['x-content-type-options']).toBe('nosniff');
    expect(snapshot.text).toBe(hostileHtml);
    // A finding without a stored copy says so.
    const other = (await listFindings(db, { search: manyPage(1).url }))[0]!.id;
    const plain = load((await raw(`${server.url}/review/finding/${other}`)).text);
    expect(plain('section.reprint .empty').text()).toMatch(/No stored copy/);
    expect((await raw(`${server.url}/review/finding/${other}/snapshot`)).status).toBe(404);
    expect(plain('section.evidence-capture').text()).toMatch(/No evidence was captured/);
  });
});

describe('evidence on the finding page', () => {
  it('shows the screenshot and offers the files a source has, served inert', async () => {
    const dir = tempDir();
    const { db } = await seededStore(dir);
    // A one-pixel PNG and a WARC-looking file, as a capture would have them.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    const warc = Buffer.from('WARC/1.1\r\nWARC-Type: response\r\n\r\n<script>alert(1)</script>');
    const files: Record<string, { body: Buffer; contentType: string; fileName: string }> = {
      shot: { body: png, contentType: 'image/png', fileName: 'screenshot.png' },
      exchange: { body: warc, contentType: 'application/warc', fileName: 'page "1".warc' },
    };
    const evidence: EvidenceSource = {
      view: (_finding, base) => ({
        files: [
          { name: 'screenshot.png', href: `${base}shot`, size: png.length, sha256: 'aa' },
          { name: 'page.warc', href: `${base}exchange`, size: warc.length },
        ],
        screenshotHref: `${base}shot`,
      }),
      file: (_finding, name) => files[name],
    };
    const server = await startServer({ sql: db, outDir: dir, port: 0, sites, evidence });
    running.push(server);
    const [finding] = await listFindings(db, { site: 'market-news' });
    const $ = load((await raw(`${server.url}/review/finding/${finding!.id}`)).text);
    expect($('figure.screenshot img').attr('src')).toBe(`/review/finding/${finding!.id}/evidence/shot`);
    expect(
      $('ul.evidence-files a')
        .map((_, a) => $(a).text())
        .get(),
    ).toEqual(['screenshot.png', 'page.warc']);
    const image = await raw(`${server.url}/review/finding/${finding!.id}/evidence/shot`);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.body.equals(png)).toBe(true);
    const download = await raw(`${server.url}/review/finding/${finding!.id}/evidence/exchange`);
    expect(download.headers['content-disposition']).toBe('attachment; filename="page__1_.warc"');
    expect(download.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
    expect(download.body.equals(warc)).toBe(true);
    expect((await raw(`${server.url}/review/finding/${finding!.id}/evidence/other`)).status).toBe(404);
    expect((await raw(`${server.url}/review/finding/${finding!.id}/evidence/..%2Fstore.sqlite`)).status).toBe(
      404,
    );
  });
});

describe('the dashboard', () => {
  it('draws open, new, resolved and needs-review per scan and per site, and names unreachable sites', async () => {
    const { server, scans } = await manyServer(90);
    const page = await raw(`${server.url}/review/dashboard`);
    expect(page.status).toBe(200);
    const $ = load(page.text);
    const row = (scan: number) =>
      $(`table.trend tr[data-scan=${scan}] td.n`)
        .toArray()
        .map((cell) => Number($(cell).text()));
    // scan, open, new, resolved, needs review
    expect(row(scans[0]!)).toEqual([scans[0], 60, 60, 0, 0]);
    // Scan 2: 90 reprints, every tenth compliant: 6 of the first 60 resolved, 27 of the 30 new
    // pages violating.
    expect(row(scans[1]!)).toEqual([scans[1], 81, 27, 6, 0]);
    expect($(`table.trend tr[data-scan=${scans[2]}] td.unreachable`).text()).toBe('gone-gazette');
    expect($(`table.trend tr[data-scan=${scans[1]}] td.unreachable`).text()).toBe('none');
    expect($(`table.trend tr[data-scan=${scans[2]}] td.partly`).text()).toBe('river-daily');
    expect($('ul.unreachable-now li[data-result="partly scanned"]').text()).toBe(
      'river-daily partly scanned: 1 of 31 pages failed to load',
    );
    expect($('ul.unreachable-now').text()).toContain('gone-gazette');
    const charts = $('svg.line-chart');
    expect(charts.length).toBe(1 + 3);
    expect(
      $('figure.chart.small')
        .map((_, figure) => $(figure).attr('data-site'))
        .get(),
    ).toEqual(['market-news', 'peace-blog', 'river-daily']);
    const overall = charts.first();
    expect(overall.find('g.series').length).toBe(4);
    expect(overall.find('g.open circle').length).toBe(3);
    expect(overall.find('g.open circle title').first().text()).toBe(`open, scan #${scans[0]}: 60`);
    // No external reference anywhere: the SVG is drawn inline.
    expect(page.text).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
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
    expect(() => checkBindPolicy('0.0.0.0', 'short')).toThrow(/too weak/);
    expect(() => checkBindPolicy('0.0.0.0', TOKEN)).not.toThrow();
    expect(() => checkBindPolicy('127.0.0.1', undefined)).not.toThrow();
    const dir = tempDir();
    const { db } = await seededStore(dir);
    await expect(startServer({ sql: db, outDir: dir, host: '0.0.0.0', port: 0 })).rejects.toThrow(/--token/);
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
    const { db, file } = await seededStore(dir);
    await db.close();
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
