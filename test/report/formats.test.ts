import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import {
  buildReport,
  CSV_COLUMNS,
  checkNoticeTemplate,
  DEFAULT_NOTICE,
  loadNotices,
  loadNoticeTemplate,
  NOTICE_KINDS,
  renderCsv,
  renderHtml,
  renderJson,
  renderMarkdown,
} from '../../src/report/index.ts';
import { BUILT_IN_LETTERS } from '../../src/report/letters.ts';
import { sites } from '../findings/_pages.ts';
import { tempDir } from '../helpers/tmp.ts';
import { parseCsv } from './_csv.ts';
import { HOSTILE_TITLE, seededStore, urls } from './_store.ts';

const notice = { file: '(built-in notice)', text: DEFAULT_NOTICE };
const now = new Date('2026-01-04T00:00:00Z');

describe('report formats', () => {
  it('HTML: summary, new and resolved, each violation with its evidence, hostile text escaped', async () => {
    const { db, scans } = await seededStore(tempDir());
    const report = await buildReport(db, { sites, notice, publisher: 'Northwind Review', now });
    expect(report.scan!.id).toBe(scans[1]);
    const html = renderHtml(report);
    const $ = load(html);
    // One script, the report's own (local times, notices opened for print), allowed by its hash
    // and nothing else: no page text can run.
    expect($('script').length).toBe(1);
    const script = $('script').text();
    const hash = createHash('sha256').update(script).digest('base64');
    const csp = $('meta[http-equiv="Content-Security-Policy"]').attr('content')!;
    expect(csp.split(';').map((directive) => directive.trim())).toContain(`script-src 'sha256-${hash}'`);
    expect(script).not.toContain('Palmyra');
    expect($('[onerror],[onclick],[onload]').length).toBe(0);
    expect($('link, img, iframe, object, embed').length).toBe(0);
    expect($('meta[http-equiv="Content-Security-Policy"]').attr('content')).toContain("default-src 'none'");
    // Every href is http(s) or a fragment.
    $('a[href]').each((_index, element) => {
      expect($(element).attr('href')).toMatch(/^(https?:\/\/|#finding-\d+$)/);
    });
    expect($('#new li').length).toBe(1);
    expect($('#new li a').text()).toBe(HOSTILE_TITLE);
    expect($('#resolved li').text()).toContain(urls.fixed);
    expect($('#resolved li').text()).toContain('compliant');
    const bySite = $('table.by-site tr[data-site]')
      .map((_index, row) => $(row).attr('data-site'))
      .get();
    expect(bySite).toEqual(['peace-blog', 'market-news']);
    expect($('table.by-rule').text()).toContain('commercial-use');
    expect($('#violations article.finding').length).toBe(3);
    const hostile = $('#violations article.finding').filter(
      (_index, element) => $(element).find('h3').text() === HOSTILE_TITLE,
    );
    expect(hostile.length).toBe(1);
    expect(hostile.find('.page-text').text()).toBe('The ancient city was taken again this week.');
    expect(hostile.find('.article-text').text()).toBe('The ancient city was taken again this week.');
    expect(hostile.find('.missing').text()).toContain('no link to the original <em>article</em>');
    expect(hostile.find('.missing .evidence').text()).toBe(
      '<a href="javascript:alert(3)" onclick="alert(4)">home</a>',
    );
    const links = hostile
      .find('table.links tr')
      .slice(1)
      .map((_index, row) => [
        $(row)
          .find('td')
          .map((_i, cell) => $(cell).text())
          .get(),
      ])
      .get();
    expect(links).toEqual([
      ['Northwind', 'https://northwind.example/', 'nofollow'],
      ['click', 'javascript:alert(1)', ''],
    ]);
    expect(hostile.find('table.links a').length).toBe(1);
    expect(hostile.text()).toContain('community');
    const commercial = $(`#violations article.finding`).filter((_index, element) =>
      $(element).text().includes(urls.commercial),
    );
    expect(commercial.text()).toContain('granted 2025-01-01 until 2025-12-31 (L-42)');
    expect(commercial.find('pre.notice').text()).toContain('Northwind Review');
    // The contacted finding carries its note, escaped.
    expect($('ul.notes li').text()).toContain('wrote to <b>them</b>');
    await db.close();
  });

  it('Markdown: hostile titles and evidence render to nothing executable', async () => {
    const { db } = await seededStore(tempDir());
    const markdown = renderMarkdown(await buildReport(db, { sites, notice, now }));
    // Raw HTML only inside the indented notice drafts, which Markdown shows as code; elsewhere
    // every < is backslash-escaped, but for the autolinks <https://…> the report writes itself.
    const outsideCode = markdown.split('\n').filter((line) => !line.startsWith('    '));
    const withoutAutolinks = outsideCode.join('\n').replace(/<https?:\/\/[^<>\s]*>/g, '');
    expect(withoutAutolinks).toMatch(/\\<script/);
    expect(withoutAutolinks).not.toMatch(/(^|[^\\])</m);
    expect(markdown).toContain('## New since the last scan');
    const $ = load(await marked.parse(markdown));
    expect($('script, img, iframe').length).toBe(0);
    expect($('[onerror],[onclick]').length).toBe(0);
    $('a[href]').each((_index, element) => {
      expect($(element).attr('href')).toMatch(/^https?:\/\//);
    });
    expect($('h3').text()).toContain(HOSTILE_TITLE);
    await db.close();
  });

  it('CSV: documented columns, RFC 4180 quoting, formulas neutralised', async () => {
    const { db, scans } = await seededStore(tempDir());
    const rows = parseCsv(renderCsv(await buildReport(db, { sites, notice, now })));
    const header = rows[0]!;
    expect(header).toEqual(CSV_COLUMNS.map(([name]) => name));
    expect(header.slice(0, 4)).toEqual(['finding_id', 'scan_id', 'change', 'status']);
    const all = rows
      .slice(1)
      .map((row) => Object.fromEntries(header.map((name, index) => [name, row[index]])));
    const records = all.filter((record) => record.record === 'finding');
    expect(records).toHaveLength(4);
    // After the findings, one row per site says what was checked there.
    expect(all.filter((record) => record.record === 'site').map((record) => record.site)).toEqual([
      'peace-blog',
      'market-news',
    ]);
    for (const row of rows) expect(row).toHaveLength(header.length);
    const byUrl = Object.fromEntries(records.map((record) => [record.page_url, record]));
    expect(byUrl[urls.hostile]).toMatchObject({
      change: 'new',
      status: 'open',
      page_title: HOSTILE_TITLE,
      scan_id: String(scans[1]),
    });
    expect(byUrl[urls.fixed]).toMatchObject({
      change: 'resolved',
      status: 'resolved',
      resolved_why: 'compliant',
    });
    expect(byUrl[urls.plain]).toMatchObject({ status: 'contacted', rules: 'link-to-original' });
    expect(byUrl[urls.commercial]!.page_title).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(byUrl[urls.commercial]!.site_kind).toBe('commercial');
    for (const record of records) {
      for (const value of Object.values(record)) expect(value).not.toMatch(/^[=+\-@]/);
    }
    await db.close();
  });

  it('JSON: the report model, for tools', async () => {
    const { db, scans } = await seededStore(tempDir());
    const parsed = JSON.parse(renderJson(await buildReport(db, { sites, notice, now })));
    expect(parsed).toMatchObject({ format: 'syndicate-report', version: 1, scan: { id: scans[1] } });
    expect(parsed.previous.id).toBe(scans[0]);
    expect(parsed.newFindings.map((finding: { pageUrl: string }) => finding.pageUrl)).toEqual([urls.hostile]);
    expect(parsed.resolvedFindings.map((finding: { pageUrl: string }) => finding.pageUrl)).toEqual([
      urls.fixed,
    ]);
    expect(parsed.violations).toHaveLength(3);
    expect(parsed.violations[0].notice).toContain('Dear editors');
    // An older scan reads as it did then.
    const old = JSON.parse(renderJson(await buildReport(db, { scanId: scans[0], sites, notice, now })));
    expect(old.newFindings).toHaveLength(3);
    expect(old.previous).toBeNull();
    await db.close();
  });
});

describe('notice template', () => {
  it('is filled in from the evidence', async () => {
    const { db } = await seededStore(tempDir());
    const report = await buildReport(db, { sites, notice, publisher: 'Northwind Review', now });
    const finding = report.violations.find((candidate) => candidate.pageUrl === urls.plain)!;
    expect(finding.notice).toContain('Dear editors of Peace Blog');
    expect(finding.notice).toContain(`  ${urls.plain}`);
    expect(finding.notice).toContain(
      '- a link to the original article (a link to our home page is not enough)',
    );
    expect(finding.notice).toContain('https://northwind.example/palmyra-again/123');
    expect(finding.notice).toContain('first noticed this on 2026-01-01');
    expect(finding.notice).not.toMatch(/\{\{/);
    await db.close();
  });

  it('names the file and line of an unknown or unclosed placeholder', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notice.md'), 'Dear {{site}},\n\nPlease see {{page_link}}.\n');
    expect(() => loadNoticeTemplate(dir)).toThrow(
      expect.objectContaining({
        where: { file: join(dir, 'notice.md'), line: 3 },
        message: expect.stringMatching(/unknown placeholder \{\{page_link\}\}/),
      }),
    );
    expect(() => checkNoticeTemplate({ file: 'n.md', text: 'ok\nDear {{site\n' })).toThrow(
      expect.objectContaining({ where: { file: 'n.md', line: 2 } }),
    );
    expect(loadNoticeTemplate(tempDir()).text).toBe(DEFAULT_NOTICE);
  });

  it('the project’s rules/notices are the built-in letters, word for word', async () => {
    const folder = loadNotices('rules');
    for (const kind of NOTICE_KINDS) {
      expect(Object.keys(folder.templates[kind]).sort()).toEqual(Object.keys(BUILT_IN_LETTERS[kind]).sort());
      for (const [language, template] of Object.entries(folder.templates[kind])) {
        expect(template.text, `${kind}.${language}`).toBe(
          BUILT_IN_LETTERS[kind][language as keyof (typeof BUILT_IN_LETTERS)[typeof kind]],
        );
      }
    }
    expect(loadNotices(tempDir()).templates.credit.en!.text).toBe(DEFAULT_NOTICE);
  });
});
