import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReprintMatch } from '../../src/check/result.ts';
import { ruleRegistry } from '../../src/check/rules/index.ts';
import { ORIGINAL, pageHtml } from '../check/_pages.ts';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES, fixtureStore } from '../helpers/fixture-store.ts';
import { startServer, type TestServer } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';

interface Expected {
  file: string;
  pageUrl: string;
  status: string;
  matches: Array<{
    article: string;
    kind: string;
    verdict: string;
    failed: string[];
    messageIds?: string[];
    unknown?: string[];
  }>;
}

const expected = JSON.parse(readFileSync(join(FIXTURES, 'pages', 'expected.json'), 'utf8')) as Expected[];
const ruleIds = ruleRegistry.map((rule) => rule.meta.id);

async function setup() {
  const { sql, store, rules } = await fixtureStore();
  await sql.close();
  return { args: ['--store', store, '--rules', rules] };
}

describe('syndicate check over the fixture pages', () => {
  it.each(expected.map((entry) => [entry.file, entry] as const))('%s', async (_file, entry) => {
    const { args } = await setup();
    const result = await runCli([
      ...args,
      'check',
      join(FIXTURES, 'pages', entry.file),
      '--page-url',
      entry.pageUrl,
      '--format',
      'json',
    ]);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(['pages']);
    const [page] = report.pages;
    expect(page.url).toBe(entry.pageUrl);
    expect(page.status).toBe(entry.status);
    const summary = page.matches.map((match: ReprintMatch) => ({
      article: match.article.id,
      kind: match.kind,
      verdict: match.verdict,
      failed: match.violations.map((violation: { rule: string }) => violation.rule),
    }));
    expect(summary).toEqual(
      entry.matches.map(({ article, kind, verdict, failed }) => ({ article, kind, verdict, failed })),
    );
    entry.matches.forEach((want, index) => {
      const match = page.matches[index];
      // The brief's contract fields, with their types.
      expect(typeof match.article.url).toBe('string');
      expect(match.coverage).toBeGreaterThan(0);
      expect(match.coverage).toBeLessThanOrEqual(1);
      for (const violation of match.violations) {
        expect(ruleIds).toContain(violation.rule);
        expect(violation.message).not.toBe('');
        expect(violation.evidence).not.toBe('');
      }
      if (want.messageIds)
        expect(match.violations.map((v: { messageId: string }) => v.messageId)).toEqual(want.messageIds);
      for (const rule of want.unknown ?? []) {
        expect(match.rules.find((outcome: { rule: string }) => outcome.rule === rule).outcome).toBe(
          'unknown',
        );
      }
      expect(match.passages.length).toBeGreaterThan(0);
    });
    const violations = entry.matches.some((match) => match.verdict === 'violation');
    expect(result.code).toBe(violations ? 1 : 0);
  });

  it('never reports a violation for a page that reprints nothing', async () => {
    const quiet = expected.filter((entry) => entry.status === 'no-match');
    expect(quiet.length).toBeGreaterThanOrEqual(3);
    const { args } = await setup();
    for (const entry of quiet) {
      const result = await runCli([
        ...args,
        'check',
        join(FIXTURES, 'pages', entry.file),
        '--page-url',
        entry.pageUrl,
      ]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/no reprint found/);
    }
  });

  it('prints a readable text form', async () => {
    const { args } = await setup();
    const result = await runCli([
      ...args,
      'check',
      join(FIXTURES, 'pages', 'home-only.html'),
      '--page-url',
      'https://peaceblog.example/a',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'VIOLATION  https://northwind.example/2026/03/river-city-siege/481 (full, coverage 100%)',
    );
    expect(result.stdout).toMatch(/FAIL link-to-original: The post links only to the publisher's home page/);
  });
});

describe('syndicate check URL', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function serve(routes: Record<string, () => [number, string]>): Promise<string> {
    server = await startServer((request, response) => {
      const route = routes[request.url ?? ''];
      const [status, body] = route ? route() : [404, 'not found'];
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      response.end(body);
    });
    return server.url('');
  }

  it('fetches a page and checks it, and reports a failed fetch as an error page', async () => {
    const { args } = await setup();
    const html = readFileSync(join(FIXTURES, 'pages', 'no-copyright.html'), 'utf8');
    const base = await serve({ '/post': () => [200, html], '/gone': () => [410, 'gone'] });
    const ok = await runCli([
      ...args,
      'check',
      `${base}/post`,
      '--allow-private-networks',
      '--format',
      'json',
    ]);
    expect(ok.code).toBe(1);
    const page = JSON.parse(ok.stdout).pages[0];
    expect(page).toMatchObject({ url: `${base}/post`, status: 'reprint' });
    expect(page.matches[0].violations.map((v: { rule: string }) => v.rule)).toEqual(['copyright-notice']);
    // Unregistered host: commercial use is unknown, never a violation.
    expect(page.matches[0].rules.find((r: { rule: string }) => r.rule === 'commercial-use').outcome).toBe(
      'unknown',
    );

    const gone = await runCli([
      ...args,
      'check',
      `${base}/gone`,
      `${base}/post`,
      '--allow-private-networks',
      '--format',
      'json',
    ]);
    expect(gone.code).toBe(2);
    const pages = JSON.parse(gone.stdout).pages;
    expect(pages[0]).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/HTTP 410/),
      matches: [],
    });
    expect(pages[1].status).toBe('reprint');
  });

  it('refuses loopback addresses unless allowed', async () => {
    const { args } = await setup();
    const base = await serve({ '/post': () => [200, '<p>hello</p>'] });
    const result = await runCli([...args, 'check', `${base}/post`, '--format', 'json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).pages[0].error).toMatch(/private address.*--allow-private-networks/);
  });
});

describe('syndicate check errors', () => {
  it('rejects --page-url with several pages', async () => {
    const { args } = await setup();
    const result = await runCli([...args, 'check', 'a.html', 'b.html', '--page-url', 'https://x.example/']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--page-url goes with exactly one local file/);
  });

  it('names the file, line and field of a bad rule option', async () => {
    const { args } = await setup();
    const rules = args[3]!;
    const terms = readFileSync(join(rules, 'terms.yaml'), 'utf8').replace(
      'relFails: [sponsored]',
      'relFails: [sometimes]',
    );
    writeFileSync(join(rules, 'terms.yaml'), terms);
    const line = terms.split('\n').findIndex((text) => text.includes('sometimes')) + 1;
    const result = await runCli([...args, 'check', join(FIXTURES, 'pages', 'quote.html')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`terms.yaml:${line}: rules[2].link-to-original.relFails[0]:`);
  });

  it('names an unknown rule', async () => {
    const { args } = await setup();
    const rules = args[3]!;
    const terms = readFileSync(join(rules, 'terms.yaml'), 'utf8').replace(
      '  - commercial-use',
      '  - comercial-use',
    );
    writeFileSync(join(rules, 'terms.yaml'), terms);
    const result = await runCli([...args, 'check', join(FIXTURES, 'pages', 'quote.html')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/terms\.yaml:\d+: rules\[3\]: unknown rule "comercial-use"/);
  });

  it('reports an unreadable file as an error page', async () => {
    const { args } = await setup();
    const result = await runCli([
      ...args,
      'check',
      join(FIXTURES, 'pages', 'missing.html'),
      '--format',
      'json',
    ]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).pages[0]).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/cannot read page/),
    });
  });
});

describe('syndicate check: uncertain verdicts and quotations', () => {
  it('reports an uncertain reprint with its suspected rules and exits 0; a quotation is no-match with quotations', async () => {
    const { args } = await setup();
    const dir = tempDir();
    const uncertain = join(dir, 'uncertain.html');
    writeFileSync(
      uncertain,
      pageHtml({
        inText: `<p class="sr-only">Source: Northwind Review</p><p>© 2026 Mara Jensen, <a href="${ORIGINAL}">the original</a></p>`,
      }),
    );
    const quoting = join(dir, 'quoting.html');
    const sentence =
      'The siege of Lower Vessa entered its third week on Saturday, with aid convoys still waiting at the eastern checkpoint and no sign that the two armed factions are ready to talk.';
    writeFileSync(
      quoting,
      `<html><body><article><p>My cousins live near the river and I read what I can find about the valley every morning.</p><blockquote>${sentence}</blockquote><p>I hope the roads open soon and that the convoys reach the town before the spring sowing.</p></article></body></html>`,
    );
    const json = await runCli([...args, 'check', uncertain, quoting, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    const [first, second] = report.pages;
    expect(first.status).toBe('reprint');
    const match = first.matches[0];
    expect(match.verdict).toBe('uncertain');
    expect(match.violations).toEqual([]);
    expect(match.suspected.map((entry: { rule: string }) => entry.rule)).toEqual(['source-attribution']);
    expect(match.suspected[0].reason).toMatch(/stylesheet may hide/);
    expect(match.reason).toBeTruthy();
    expect(second.status).toBe('no-match');
    expect(second.quotations).toEqual([
      expect.objectContaining({
        article: expect.objectContaining({ id: 'nw-481' }),
        sentences: 1,
        words: 32,
      }),
    ]);
    const text = await runCli([...args, 'check', uncertain, quoting]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/UNCERTAIN/);
    expect(text.stdout).toMatch(/needs review/);
    expect(text.stdout).toMatch(/suspected, not a violation/);
    expect(text.stdout).toMatch(/1 sentence, 32 words\): a quotation, not judged/);
  });
});
