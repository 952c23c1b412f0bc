import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { localArchive } from '../../src/discover/archive.ts';
import { readArchive } from '../../src/discover/records.ts';
import { openSql, openStore } from '../../src/store/db.ts';
import { markupText } from '../../src/text/html-text.ts';
import { runCli } from '../helpers/cli.ts';
import { describeEngines } from '../helpers/engines.ts';
import { FIXTURES, fixtureArticles, fixtureStore } from '../helpers/fixture-store.ts';
import { startServer } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';
import { storeArticles } from '../match/_articles.ts';
import { buildArchive, type RecordSpec, serveArchives } from './_archives.ts';

interface Expected {
  file: string;
  pageUrl: string;
  status: string;
  matches: Array<{ article: string; kind: string; verdict: string; failed: string[] }>;
}
const expected = JSON.parse(readFileSync(join(FIXTURES, 'pages', 'expected.json'), 'utf8')) as Expected[];
const page = (file: string) => readFileSync(join(FIXTURES, 'pages', file), 'utf8');

interface Found {
  pageUrl: string;
  article: { id: string };
  kind: string;
  verdict: string;
  source: string;
  recordOffset: number;
  recordLength: number;
  recordType: string;
  capturedAt?: string;
}

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup() {
  const { sql, store, rules } = await fixtureStore();
  await sql.close();
  return { store, rules, args: ['--store', store, '--rules', rules] };
}

const CP1252_URL = 'https://cp1252.example/vessa';
const CORRUPT_URL = 'https://corrupt.example/vessa';
const TRUNCATED_URL = 'https://truncated.example/vessa';

/** Every fixture page as a response, with non-HTML records, odd charsets, a huge record and damage. */
async function warcFixture(options: { huge?: boolean } = {}) {
  const specs: RecordSpec[] = [
    {
      type: 'warcinfo',
      url: 'urn:warcinfo',
      body: 'software: test\r\n',
      contentType: 'application/warc-fields',
    },
  ];
  for (const entry of expected) {
    specs.push({
      type: 'request',
      url: entry.pageUrl,
      body: `GET / HTTP/1.1\r\nHost: x\r\n\r\n`,
      contentType: 'application/http; msgtype=request',
    });
    specs.push({ type: 'response', url: entry.pageUrl, body: page(entry.file) });
    specs.push({
      type: 'metadata',
      url: entry.pageUrl,
      body: 'fetchTimeMs: 12\r\n',
      contentType: 'application/warc-fields',
    });
  }
  // A reprint in windows-1252, said only in the HTTP header (its typographic quotes are bytes 0x91-0x94).
  specs.push({
    type: 'response',
    url: CP1252_URL,
    body: iconv.encode(page('wordpress-credit.html').replace(/<meta charset="utf-8">/i, ''), 'windows-1252'),
    httpHeaders: { 'Content-Type': 'text/html; charset=windows-1252' },
  });
  // Not pages: an image, a reprint behind a 404, a PDF.
  specs.push({
    type: 'response',
    url: 'https://peaceblog.example/logo.png',
    body: new Uint8Array(2048).fill(7),
    httpHeaders: { 'Content-Type': 'image/png' },
  });
  specs.push({
    type: 'response',
    url: 'https://gone.example/vessa',
    status: 404,
    body: page('wordpress-credit.html'),
  });
  specs.push({
    type: 'response',
    url: 'https://pdf.example/vessa.pdf',
    body: page('wordpress-credit.html'),
    httpHeaders: { 'Content-Type': 'application/pdf' },
  });
  // A huge page (12 MiB, over the 10 MiB payload cap) of unrelated text.
  const filler =
    options.huge === false
      ? ''
      : `<p>${'Sourdough starters want flour, water and patience above all. '.repeat(40)}</p>\n`;
  if (filler)
    specs.push({
      type: 'response',
      url: 'https://huge.example/',
      body: `<html><body>${filler.repeat(Math.ceil((12 * 1024 * 1024) / filler.length))}</body></html>`,
    });
  // A reprint whose member gets corrupted below, then one more good reprint after it.
  specs.push({ type: 'response', url: CORRUPT_URL, body: page('wordpress-credit.html') });
  specs.push({
    type: 'response',
    url: 'https://after-corrupt.example/vessa',
    body: page('commercial-unlicensed.html'),
  });
  // The last member is cut short, as a partly downloaded file is.
  specs.push({ type: 'response', url: TRUNCATED_URL, body: page('wordpress-credit.html') });
  const archive = await buildArchive(specs);
  const corrupt = archive.members.find((member) => member.url === CORRUPT_URL)!;
  for (let i = 40; i < 60; i++) archive.bytes[corrupt.offset + i]! ^= 0x5a;
  const truncated = archive.members.at(-1)!;
  return {
    bytes: archive.bytes.subarray(0, truncated.offset + Math.floor(truncated.length / 2)),
    members: archive.members,
  };
}

const reprints = expected.filter((entry) => entry.status === 'reprint');
const nonReprints = expected.filter((entry) => entry.status !== 'reprint').map((entry) => entry.pageUrl);

describe('discover on a WARC file', () => {
  it('finds every reprint with its record offset, and nothing else', { timeout: 120_000 }, async () => {
    const { args, store } = await setup();
    const { bytes, members } = await warcFixture();
    const file = join(tempDir(), 'crawl.warc.gz');
    writeFileSync(file, bytes);
    const result = await runCli([...args, 'discover', file, '--format', 'json', '--threads', '1']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as {
      discoveries: Found[];
      sites: Array<Record<string, unknown>>;
    };
    const found = report.discoveries;
    const memberOf = (url: string) => members.find((member) => member.url === url && member.length > 0)!;
    for (const entry of reprints) {
      for (const match of entry.matches) {
        const discovery = found.find(
          (item) => item.pageUrl === entry.pageUrl && item.article.id === match.article,
        );
        expect(discovery, `${entry.file} ${match.article}`).toBeDefined();
        expect(discovery!.kind).toBe(match.kind);
        expect(discovery!.verdict).toBe(match.verdict);
        expect(discovery!.recordType).toBe('response');
        expect(discovery!.capturedAt).toBe('2026-03-20T10:00:00Z');
        // The response member, not the request or metadata member of the same URL.
        const response = members.filter((member) => member.url === entry.pageUrl)[1]!;
        expect([discovery!.recordOffset, discovery!.recordLength]).toEqual([
          response.offset,
          response.length,
        ]);
      }
    }
    const cp1252 = found.find((item) => item.pageUrl === CP1252_URL);
    expect(cp1252?.article.id).toBe('nw-481');
    expect([cp1252?.recordOffset, cp1252?.recordLength]).toEqual([
      memberOf(CP1252_URL).offset,
      memberOf(CP1252_URL).length,
    ]);
    expect(found.some((item) => item.pageUrl === 'https://after-corrupt.example/vessa')).toBe(true);
    const expectedCount = reprints.reduce((sum, entry) => sum + entry.matches.length, 0) + 2;
    expect(found).toHaveLength(expectedCount);
    for (const url of [
      ...nonReprints,
      CORRUPT_URL,
      TRUNCATED_URL,
      'https://gone.example/vessa',
      'https://pdf.example/vessa.pdf',
    ])
      expect(found.filter((item) => item.pageUrl === url)).toEqual([]);

    // The offset and length fetch that one record again.
    const again = found.find((item) => item.pageUrl === CP1252_URL)!;
    const events = [];
    for await (const event of readArchive(localArchive(file), {
      start: again.recordOffset,
      end: again.recordOffset + again.recordLength,
      wants: () => false,
    }))
      events.push(event);
    expect(events.map((event) => ('record' in event ? event.record.url : 'damage'))).toEqual([CP1252_URL]);

    // The damage is recorded where it is, and the file is done.
    const db = openStore(store);
    const row = db.prepare('SELECT status, damaged FROM discover_files').get() as {
      status: string;
      damaged: string;
    };
    db.close();
    expect(row.status).toBe('done');
    const damaged = JSON.parse(row.damaged) as Array<{ offset: number }>;
    expect(damaged.map((damage) => damage.offset)).toEqual([
      memberOf(CORRUPT_URL).offset,
      memberOf(TRUNCATED_URL).offset,
    ]);

    // By site: unknown sites first, each with a sites.yaml entry; registered ones named.
    const unknown = report.sites.filter((site) => site.status === 'unknown');
    expect(unknown.map((site) => site.host)).toEqual(
      expect.arrayContaining(['cp1252.example', 'newshub.example']),
    );
    expect(String(unknown[0]!.sitesYaml)).toMatch(/- id: [a-z0-9-]+\n {2}url: https:\/\//);
    expect(report.sites.find((site) => site.host === 'peaceblog.example')).toMatchObject({
      status: 'registered',
      siteId: 'peace-blog',
    });
    expect(report.sites.find((site) => site.host === 'press.example')).toMatchObject({ status: 'licensed' });
    expect(result.code).toBe(1);
  });

  it('a second run skips the finished file; a stopped file resumes at its last record boundary', {
    timeout: 120_000,
  }, async () => {
    const { args, store } = await setup();
    const { bytes, members } = await warcFixture();
    const dir = tempDir();
    const first = join(dir, 'one.warc.gz');
    const second = join(dir, 'two.warc.gz');
    writeFileSync(first, bytes);
    writeFileSync(second, bytes);
    const full = JSON.parse(
      (await runCli([...args, 'discover', first, second, '--format', 'json', '--threads', '1'])).stdout,
    );
    const all = (full.discoveries as Found[])
      .map((item) => `${item.source} ${item.recordOffset} ${item.article.id}`)
      .sort();
    // As if the run had been killed in the middle of the second file.
    const middle = members[Math.floor(members.length / 2)]!.offset;
    const db = openStore(store);
    db.prepare("UPDATE discover_files SET status = 'running', resume_offset = ? WHERE source = ?").run(
      middle,
      second,
    );
    db.prepare('DELETE FROM discoveries WHERE source = ? AND record_offset >= ?').run(second, middle);
    db.close();
    const resumed = JSON.parse(
      (await runCli([...args, 'discover', first, second, '--format', 'json', '--threads', '1'])).stdout,
    );
    expect(resumed.files.map((file: { skipped: boolean }) => file.skipped)).toEqual([true, false]);
    const recordsAfter = members.filter((member) => member.offset >= middle).length;
    // The corrupt and the truncated records are damage, not records.
    expect(resumed.files[1].counts.records).toBe(recordsAfter - 2);
    const after = (resumed.discoveries as Found[])
      .map((item) => `${item.source} ${item.recordOffset} ${item.article.id}`)
      .sort();
    expect(after).toEqual(all);
  });

  it('spreads files over worker threads with the same result', async () => {
    const { args } = await setup();
    const { bytes } = await warcFixture({ huge: false });
    const dir = tempDir();
    const files = ['a', 'b', 'c'].map((name) => join(dir, `${name}.warc.gz`));
    for (const file of files) writeFileSync(file, bytes);
    const threaded = JSON.parse(
      (await runCli([...args, 'discover', ...files, '--format', 'json', '--threads', '2'])).stdout,
    );
    const { args: args2 } = await setup();
    const single = JSON.parse(
      (await runCli([...args2, 'discover', ...files, '--format', 'json', '--threads', '1'])).stdout,
    );
    const key = (report: { discoveries: Found[] }) =>
      report.discoveries
        .map((item) => `${item.source} ${item.recordOffset} ${item.article.id} ${item.verdict}`)
        .sort();
    expect(key(threaded)).toEqual(key(single));
    expect(threaded.discoveries.length).toBeGreaterThan(40);
  }, 120_000);
});

describe('discover on a WET file', () => {
  it('identifies reprints in text conversions and flags them for a check; quotations are not reported', async () => {
    const { args } = await setup();
    const specs: RecordSpec[] = [
      {
        type: 'warcinfo',
        url: 'urn:warcinfo',
        body: 'isPartOf: test\r\n',
        contentType: 'application/warc-fields',
      },
    ];
    for (const entry of expected)
      specs.push({
        type: 'conversion',
        url: entry.pageUrl,
        body: markupText(page(entry.file)),
        contentType: 'text/plain',
      });
    const archive = await buildArchive(specs);
    const file = join(tempDir(), 'crawl.warc.wet.gz');
    writeFileSync(file, archive.bytes);
    const result = await runCli([...args, 'discover', file, '--format', 'json']);
    const found = JSON.parse(result.stdout).discoveries as Found[];
    for (const entry of reprints) {
      for (const match of entry.matches) {
        const discovery = found.find(
          (item) => item.pageUrl === entry.pageUrl && item.article.id === match.article,
        );
        expect(discovery, entry.file).toMatchObject({
          kind: match.kind,
          verdict: 'unchecked',
          recordType: 'conversion',
        });
        const member = archive.members.find((item) => item.url === entry.pageUrl)!;
        expect([discovery!.recordOffset, discovery!.recordLength]).toEqual([member.offset, member.length]);
      }
    }
    for (const url of nonReprints) expect(found.filter((item) => item.pageUrl === url)).toEqual([]);
    expect(result.code).toBe(0);

    // The reports carry them as a section of their own, escaped like any crawled text.
    const html = await runCli([...args, 'report', '--format', 'html']);
    const $ = load(html.stdout);
    expect($('section#discoveries tr').length - $('section#discoveries table').length).toBe(found.length);
    // The report's one script is its own (local times; allowed by its hash), none from a page.
    expect($('script').length).toBe(1);
    expect($('script[src], section#discoveries script').length).toBe(0);
    expect($('section#discoveries pre').first().text()).toMatch(/- id: [a-z0-9-]+\n {2}url: https:\/\//);
    const markdown = await runCli([...args, 'report', '--format', 'md']);
    expect(markdown.stdout).toContain(`## Discovered in web archives (${found.length})`);
    const json = JSON.parse((await runCli([...args, 'report', '--format', 'json'])).stdout);
    expect(json.discoveries.discoveries).toHaveLength(found.length);
  });

  it('--check fetches the live page politely (robots.txt first) and judges it', async () => {
    const { args, rules } = await setup();
    const requests: string[] = [];
    const live = await startServer((request, response) => {
      requests.push(request.url ?? '');
      if (request.url === '/robots.txt') {
        response
          .writeHead(200, { 'content-type': 'text/plain' })
          .end('User-agent: *\nDisallow: /2026/03/16/home-only/\n');
        return;
      }
      const entry = expected.find((item) => new URL(item.pageUrl).pathname === request.url);
      if (!entry) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(entry.file));
    });
    closers.push(() => live.close());
    const { port } = live;
    writeFileSync(
      join(rules, 'sites.yaml'),
      `${readFileSync(join(FIXTURES, 'sites.yaml'), 'utf8')}\ncrawler:\n  delayMs: 0\n  allowPrivateNetworks: true\n  resolve: { peaceblog.example: "127.0.0.1:${port}" }\n`,
    );
    const wanted = ['wordpress-credit.html', 'home-only.html', 'no-copyright.html'].map(
      (file) => expected.find((entry) => entry.file === file)!,
    );
    const specs: RecordSpec[] = wanted.map((entry) => ({
      type: 'conversion',
      url: entry.pageUrl.replace('https:', 'http:'),
      body: markupText(page(entry.file)),
      contentType: 'text/plain',
    }));
    const archive = await buildArchive(specs);
    const file = join(tempDir(), 'live.warc.wet.gz');
    writeFileSync(file, archive.bytes);
    const result = await runCli([...args, 'discover', file, '--check', '--format', 'json']);
    const found = JSON.parse(result.stdout).discoveries as Found[];
    const verdictOf = (name: string) => found.find((item) => item.pageUrl.includes(name))?.verdict;
    expect(verdictOf('siege-lower-vessa')).toBe('compliant');
    expect(verdictOf('no-copyright')).toBe('violation');
    // robots.txt forbids this one: it stays flagged, unfetched.
    expect(verdictOf('home-only')).toBe('unchecked');
    expect(requests[0]).toBe('/robots.txt');
    expect(requests).not.toContain('/2026/03/16/home-only/');
    expect(result.code).toBe(1);
  });
});

describe('discover over HTTP and a CDX index', () => {
  it('streams a URL in byte ranges, and fetches only the CDX captures of a domain', {
    timeout: 120_000,
  }, async () => {
    const { bytes, members } = await warcFixture();
    const captures = members
      .filter(
        (member, index) =>
          index > 0 &&
          members[index - 1]!.url === member.url &&
          member.url.includes('peaceblog.example/2026/03/16/'),
      )
      .map((member) => ({
        url: member.url,
        filename: 'crawl/one.warc.gz',
        offset: member.offset,
        length: member.length,
        status: '200',
        mime: 'text/html',
      }));
    const served = await serveArchives({ 'crawl/one.warc.gz': bytes }, captures);
    closers.push(() => served.server.close());

    const { args } = await setup();
    const whole = await runCli([
      ...args,
      'discover',
      `${served.base}/crawl/one.warc.gz`,
      '--format',
      'json',
      '--allow-private-networks',
      '--threads',
      '1',
    ]);
    expect(whole.stderr).toBe('');
    const wholeFound = JSON.parse(whole.stdout).discoveries as Found[];
    expect(wholeFound.length).toBe(reprints.reduce((sum, entry) => sum + entry.matches.length, 0) + 2);
    expect(served.requests.every((request) => / bytes=\d+-\d+$/.test(request))).toBe(true);

    served.requests.length = 0;
    const { args: cdxArgs } = await setup();
    const cdx = await runCli([
      ...cdxArgs,
      'discover',
      '--index',
      `${served.base}/cdx`,
      '--domain',
      'peaceblog.example',
      '--prefix',
      `${served.base}/`,
      '--format',
      'json',
      '--allow-private-networks',
      '--threads',
      '1',
    ]);
    expect(cdx.stderr).toBe('');
    const found = JSON.parse(cdx.stdout).discoveries as Found[];
    const peaceblog = reprints.filter((entry) => entry.pageUrl.includes('peaceblog.example/2026/03/16/'));
    expect(found.map((item) => item.pageUrl).sort()).toEqual(peaceblog.map((entry) => entry.pageUrl).sort());
    for (const item of found) {
      const member = members.find((candidate) => candidate.offset === item.recordOffset)!;
      expect(member.url).toBe(item.pageUrl);
      expect(item.recordLength).toBe(member.length);
    }
    // One range per capture, exactly its bytes; never the whole file.
    const ranges = served.requests.filter((request) => request.startsWith('/crawl/'));
    expect(ranges).toHaveLength(captures.length);
    for (const capture of captures)
      expect(ranges).toContain(
        `/crawl/one.warc.gz bytes=${capture.offset}-${capture.offset + capture.length - 1}`,
      );
  });
});

describeEngines('discover and check on the store', (engine) => {
  /** An empty store of this engine holding the fixture articles (not yet indexed), and the rules. */
  async function engineStore() {
    const target = await engine.target();
    const sql = await openSql(target);
    await storeArticles(sql, fixtureArticles());
    await sql.close();
    const rules = tempDir();
    copyFileSync(join(import.meta.dirname, '..', '..', 'rules', 'terms.yaml'), join(rules, 'terms.yaml'));
    copyFileSync(join(FIXTURES, 'sites.yaml'), join(rules, 'sites.yaml'));
    return { target, args: ['--store', target, '--rules', rules] };
  }
  const keyOf = (report: { discoveries: Array<Found & { coverage: number }> }) =>
    report.discoveries
      .map(
        (item) =>
          `${item.source} ${item.recordOffset}+${item.recordLength} ${item.article.id} ${item.kind} ${item.coverage} ${item.verdict}`,
      )
      .sort();

  it('discover on worker threads finds what it finds on a SQLite store, with the same coverage', {
    timeout: 180_000,
  }, async () => {
    const { bytes } = await warcFixture({ huge: false });
    const dir = tempDir();
    const files = ['a', 'b'].map((name) => join(dir, `${name}.warc.gz`));
    for (const file of files) writeFileSync(file, bytes);
    const { args } = await engineStore();
    // Each thread opens the store itself, from the --store value (a file or a postgres:// URL).
    const result = await runCli([...args, 'discover', ...files, '--format', 'json', '--threads', '2']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report.files.map((file: { error?: string }) => file.error)).toEqual([undefined, undefined]);
    const expectedCount = reprints.reduce((sum, entry) => sum + entry.matches.length, 0) + 2;
    expect(report.discoveries).toHaveLength(2 * expectedCount);
    for (const entry of reprints)
      for (const match of entry.matches)
        expect(
          report.discoveries.filter(
            (item: Found) =>
              item.pageUrl === entry.pageUrl &&
              item.article.id === match.article &&
              item.kind === match.kind &&
              item.verdict === match.verdict,
          ),
          `${entry.file} ${match.article}`,
        ).toHaveLength(2);

    const { args: reference } = await setup();
    const onSqlite = JSON.parse(
      (await runCli([...reference, 'discover', ...files, '--format', 'json', '--threads', '1'])).stdout,
    );
    expect(keyOf(report)).toEqual(keyOf(onSqlite));

    // A second run finds both files done and changes nothing.
    const again = JSON.parse((await runCli([...args, 'discover', ...files, '--format', 'json'])).stdout);
    expect(again.files.map((file: { skipped: boolean }) => file.skipped)).toEqual([true, true]);
    expect(keyOf(again)).toEqual(keyOf(report));
  });

  it('check judges pages against the store as on a SQLite store', async () => {
    const { args } = await engineStore();
    const { args: reference } = await setup();
    for (const entry of expected) {
      const page = [
        'check',
        join(FIXTURES, 'pages', entry.file),
        '--page-url',
        entry.pageUrl,
        '--format',
        'json',
      ];
      const result = await runCli([...args, ...page]);
      expect(result.stderr, entry.file).toBe('');
      const [judged] = JSON.parse(result.stdout).pages;
      expect(judged.status, entry.file).toBe(entry.status);
      expect(
        judged.matches.map(
          (match: {
            article: { id: string };
            kind: string;
            verdict: string;
            violations: { rule: string }[];
          }) => ({
            article: match.article.id,
            kind: match.kind,
            verdict: match.verdict,
            failed: match.violations.map((violation) => violation.rule),
          }),
        ),
        entry.file,
      ).toEqual(
        entry.matches.map(({ article, kind, verdict, failed }) => ({ article, kind, verdict, failed })),
      );
      const onSqlite = JSON.parse((await runCli([...reference, ...page])).stdout).pages[0];
      const { fetchedAt: _when, ...withoutTime } = judged;
      const { fetchedAt: _whenThere, ...sqliteWithoutTime } = onSqlite;
      expect(withoutTime, entry.file).toEqual(sqliteWithoutTime);
    }
  }, 180_000);
});
