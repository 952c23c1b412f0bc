import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { finishScan, recordPageResults, startScan } from '../../src/findings/index.ts';
import {
  buildReport,
  DEFAULT_NOTICE,
  renderCsv,
  renderHtml,
  renderMarkdown,
} from '../../src/report/index.ts';
import { openSql } from '../../src/store/db.ts';
import { safeLine, safeLines } from '../../src/text/safe.ts';
import { linkViolation, page, sites } from '../findings/_pages.ts';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES, fixtureStore } from '../helpers/fixture-store.ts';
import { tempDir } from '../helpers/tmp.ts';
import { parseCsv } from './_csv.ts';

/**
 * A hostile page's text reaches a terminal (`check --format text`), a spreadsheet (CSV) and a
 * mail client (Markdown). None of them may receive a control character from it: ESC sequences
 * that clear the screen and print a fake verdict, BEL, an OSC 8 link that shows one address and
 * opens another, a C1 CSI, bidirectional overrides, and a lone CR that rewrites a line.
 */
const ESC = '\u001b';
const BEL = '\u0007';
const CLEAR_AND_LIE = `${ESC}[2J${ESC}[H${ESC}[32mALL GOOD${ESC}[0m`;
const OSC8 = `${ESC}]8;;http://evil.example/${BEL}click here${ESC}]8;;${BEL}`;
const WINDOW_TITLE = `${ESC}]0;owned${BEL}`;
const C1_CSI = '\u009b2J';
const BIDI = '\u202egnp.exe';
const HOSTILE = `Siege ${CLEAR_AND_LIE} ${OSC8} ${WINDOW_TITLE}${C1_CSI} ${BIDI}\rALL GOOD\u0000`;

/** Any C0 control but tab and line feed, DEL, any C1 control, or a bidi override or isolate. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('safe text', () => {
  it('removes every control character, keeping the words', async () => {
    const line = safeLine(HOSTILE);
    expect(line).not.toMatch(CONTROL);
    expect(line).not.toMatch(/[\t\n]/);
    expect(line).toContain('ALL GOOD');
    expect(line).toContain('click here');
    // A lone CR is a line break: on one line it is a space, not a return to the start.
    expect(safeLine('Title\rInjected')).toBe('Title Injected');
    expect(safeLines('one\rtwo\r\nthree\u2028four')).toBe('one\ntwo\nthree\nfour');
    expect(safeLines('a\tb')).toBe('a\tb');
    expect(safeLine('a\tb')).toBe('a b');
  });

  it('is linear: a megabyte of escape sequences is cleaned in one pass', async () => {
    const big = `${ESC}[`.repeat(500_000);
    expect(safeLine(big)).toBe('['.repeat(500_000));
  });
});

describe('check --format text', () => {
  it('prints no control character from the page, whatever its links and credit hold', async () => {
    const { sql, store, rules } = await fixtureStore();
    await sql.close();
    const file = join(tempDir(), 'page.html');
    const original = readFileSync(join(FIXTURES, 'pages', 'home-only.html'), 'utf8');
    const hostile = original.replace(
      '<a href="https://www.northwind.example/">Northwind Review</a>',
      `<a href="https://www.northwind.example/?q=${ESC}]8;;http://evil.example/${BEL}">Northwind ${CLEAR_AND_LIE}${BEL} Review\r${C1_CSI}</a>`,
    );
    expect(hostile).not.toBe(original);
    writeFileSync(file, hostile);
    const result = await runCli([
      '--store',
      store,
      '--rules',
      rules,
      'check',
      file,
      '--page-url',
      'https://peaceblog.example/2026/03/16/home-only/',
      '--format',
      'text',
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/FAIL link-to-original/);
    // The evidence quotes the page's link, so the page's text did reach the output, made safe.
    expect(result.stdout).toContain('northwind.example');
    expect(result.stdout).not.toMatch(CONTROL);
  });
});

describe('reports of a hostile page', () => {
  async function hostileReport() {
    const db = await openSql(join(tempDir(), 'store.sqlite'));
    const scan = await startScan(db, { sites: ['peace-blog'] });
    const url = 'https://peaceblog.example/2026/hostile';
    await recordPageResults(
      db,
      scan.id,
      [
        page(url, 'violation', {
          title: `# Heading\rInjected paragraph ${HOSTILE}`,
          violations: [
            linkViolation({ evidence: `links found: ${OSC8}`, message: `no link ${CLEAR_AND_LIE}` }),
          ],
        }),
      ],
      { sites },
    );
    await finishScan(db, scan.id);
    const report = await buildReport(db, { sites, notice: { file: 'built-in', text: DEFAULT_NOTICE } });
    await db.close();
    return report;
  }

  it('CSV: no control character in any cell, one record per line', async () => {
    const csv = renderCsv(await hostileReport());
    expect(csv.replace(/\r\n/g, '')).not.toMatch(CONTROL);
    const [header, ...rows] = parseCsv(csv);
    const finding = rows.find((row) => row[header!.indexOf('record')] === 'finding')!;
    expect(finding[header!.indexOf('page_title')]).toMatch(
      /^# Heading Injected paragraph Siege \[2J\[H\[32mALL GOOD/,
    );
    expect(finding[header!.indexOf('messages')]).toContain('no link');
    // Python's csv module (a reader nobody here wrote) sees the same records, one a line.
    const python = execFileSync(
      'python3',
      ['-c', 'import csv,json,sys; print(json.dumps(list(csv.reader(sys.stdin))))'],
      { input: csv, encoding: 'utf8' },
    );
    expect(JSON.parse(python)).toEqual([header, ...rows]);
    expect(csv.split('\r\n').length - 1).toBe(rows.length + 1);
  });

  it('Markdown: a CR in a title neither splits the heading nor injects a paragraph', async () => {
    const markdown = renderMarkdown(await hostileReport());
    expect(markdown).not.toMatch(CONTROL);
    expect(markdown).not.toContain('\r');
    const heading = markdown.split('\n').find((line) => line.startsWith('### '))!;
    expect(heading).toMatch(/^### \d+\. \\# Heading Injected paragraph Siege/);
    const $ = load(await marked.parse(markdown));
    const h3 = $('h3').first();
    expect(h3.text()).toMatch(/^\d+\. # Heading Injected paragraph Siege/);
    const injected = $('p').filter((_index, element) => $(element).text().startsWith('Injected paragraph'));
    expect(injected.length, injected.parent().html() ?? '').toBe(0);
    // The OSC 8 link did not become a link either.
    expect($('a[href^="http://evil.example"]').length).toBe(0);
  });

  it('HTML: the same text, without control characters', async () => {
    const html = renderHtml(await hostileReport());
    expect(html).not.toMatch(CONTROL);
    expect(load(html)('#violations h3').text()).toContain('ALL GOOD');
  });
});
