import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from 'cheerio';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WARCParser } from 'warcio';
import { type Behaviour, demoSites } from '../../src/demo/network.ts';
import { listEvidence, type Manifest, readEvidenceFile } from '../../src/evidence/index.ts';
import { openSql } from '../../src/store/db.ts';

/**
 * `npm start` end to end, as a child process in a folder of its own (a copy of examples/, feeds/
 * and rules/), so that the repository's data/ and public/ are left alone.
 */
const REPO = join(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** What the `found` column must say for a site that behaves so. */
const expected: Record<Behaviour, RegExp> = {
  'credits-properly': /^compliant$/,
  'links-home-only': /^link-to-original ×(\d+)$/,
  'no-copyright': /^copyright-notice ×(\d+)$/,
  'commercial-unlicensed': /^commercial-use ×(\d+)$/,
  'commercial-licensed': /^compliant$/,
  excerpts: /^compliant \((\d+) excerpts\)$/,
  'robots-rules': /^compliant$/,
  slow: /^compliant$/,
  down: /^nothing checked \(robots-unavailable\)$/,
};

/** What the `result` column must say: the scan's own word for the site. */
const results: Record<Behaviour, string> = {
  'credits-properly': 'compliant',
  'links-home-only': 'violations',
  'no-copyright': 'violations',
  'commercial-unlicensed': 'violations',
  'commercial-licensed': 'compliant',
  excerpts: 'compliant',
  'robots-rules': 'compliant',
  slow: 'compliant',
  down: 'unreachable',
};

interface Run {
  dir: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

let demo: Run;
const repoOutputs = () =>
  ['data/report.html', 'data/syndicate.sqlite', 'public/all.xml'].map((file) => {
    const path = join(REPO, file);
    return existsSync(path) ? statSync(path).mtimeMs : 'absent';
  });
let repoBefore: Array<number | string>;

beforeAll(async () => {
  repoBefore = repoOutputs();
  // Not tempDir(): that one is emptied after each test, and the three tests read one run.
  const dir = mkdtempSync(join(tmpdir(), 'syndicate-demo-'));
  for (const folder of ['examples', 'feeds', 'rules'])
    cpSync(join(REPO, folder), join(dir, folder), { recursive: true });
  // Through a link whose path has a space, as a checkout in "My Projects" would: main.ts must
  // still see that it is the script node runs.
  const link = join(dir, 'the repo');
  symlinkSync(REPO, link);
  const child = spawn(process.execPath, ['--import', TSX, join(link, 'src', 'demo', 'main.ts')], {
    cwd: dir,
    env: { ...process.env, SYNDICATE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  demo = { dir, code, stdout, stderr };
  // Each violation is photographed in Chromium too: more than a minute on a busy machine.
}, 180_000);
afterAll(() => rmSync(demo.dir, { recursive: true, force: true }));

/** The summary table the demo prints, as rows of cells keyed by header. */
function table(stdout: string): Map<string, Record<string, string>> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => /^site\s{2,}what it does/.test(line));
  expect(start, 'the summary table is printed').toBeGreaterThanOrEqual(0);
  const header = lines[start]!.trim().split(/\s{2,}/);
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines.slice(start + 2)) {
    const cells = line.trim().split(/\s{2,}/);
    if (cells.length !== header.length) break;
    rows.set(cells[0]!, Object.fromEntries(header.map((title, i) => [title, cells[i] ?? ''])));
  }
  return rows;
}

describe('npm start', () => {
  it('exits 0 and prints what each example site was found doing, as it was built to do', async () => {
    expect(demo.code, demo.stderr).toBe(0);
    const rows = table(demo.stdout);
    expect([...rows.keys()]).toEqual(demoSites.map((site) => site.id));
    for (const site of demoSites) {
      const row = rows.get(site.id)!;
      expect(row['what it does'], site.id).toBe(site.expect);
      expect(row.found, site.id).toMatch(expected[site.behaviour]);
      expect(row.result, site.id).toBe(results[site.behaviour]);
      if (site.behaviour === 'down') {
        // Nothing was fetched there, and the one failure (robots.txt) is counted, not hidden.
        expect([row.pages, row.failed, row.reprints], site.id).toEqual(['0', '1', '0']);
      } else {
        expect(Number(row.reprints), site.id).toBeGreaterThan(0);
        expect(Number(row.pages), site.id).toBeGreaterThan(0);
      }
    }
    // The forum's members area is disallowed by its robots.txt and was never asked for.
    expect(demo.stdout).toContain("the forum's members area was asked for 0 time(s)");
    expect(repoOutputs()).toEqual(repoBefore);
  });

  it('writes an HTML report listing the violating sites’ pages, and no compliant site', async () => {
    const $ = load(readFileSync(join(demo.dir, 'data', 'report.html'), 'utf8'));
    const rows = table(demo.stdout);
    const byHost = new Map<string, number>();
    $('article.finding').each((_, element) => {
      const reprint = $(element).find('a[href^="http://"]').first().attr('href');
      expect(reprint).toBeDefined();
      const host = new URL(reprint!).hostname;
      byHost.set(host, (byHost.get(host) ?? 0) + 1);
    });
    const violating = demoSites.filter((site) => results[site.behaviour] === 'violations');
    expect([...byHost.keys()].sort()).toEqual(violating.map((site) => site.host).sort());
    for (const site of violating) {
      const count = Number(expected[site.behaviour].exec(rows.get(site.id)?.found ?? '')![1]);
      expect(byHost.get(site.host), site.id).toBe(count);
    }
    // The site that was down is in the by-site table as unreachable, with its failure listed.
    expect($('table.by-site tr[data-site="lantern-post"] td.result').text()).toBe('unreachable');
    const failures = $('#failures .site-failures[data-site="lantern-post"]');
    // The site counts one failure, on its address: robots.txt could not be read, so nothing was asked.
    expect(failures.find('td.url').first().text()).toBe('http://lantern-post.example/');
    expect(failures.find('td code').first().text()).toBe('robots-unavailable');
    expect(failures.find('td').last().text()).toMatch(/503/);
    // Letters that fit: the French site gets a French letter, the unlicensed commercial site a
    // licence offer naming it by its display name and asking for no credit.
    const notice = (host: string) =>
      $('article.finding')
        .filter((_, element) =>
          ($(element).find('a[href^="http://"]').first().attr('href') ?? '').includes(host),
        )
        .first()
        .find('pre.notice')
        .text();
    expect(notice('gazette-du-port.example')).toMatch(/^Subject: Reprise de « .+ » sur La Gazette du Port/);
    expect(notice('gazette-du-port.example')).toContain("un lien vers l'article original");
    expect(notice('newsmill.example')).toContain('Dear editors of Newsmill,');
    expect(notice('newsmill.example')).toContain('offer you one');
    expect(notice('newsmill.example')).not.toMatch(/could not find|add these/);
    // The list at the top links to each finding below.
    const listed = $('ul.finding-list a')
      .map((_, link) => $(link).attr('href'))
      .get();
    for (const id of listed) expect($(id!).length, id).toBe(1);
  });

  it('builds the feeds, each of them well-formed XML (or JSON)', async () => {
    const files = readdirSync(join(demo.dir, 'public'));
    const xml = files.filter((file) => /\.(xml|atom|opml)$/.test(file));
    expect(xml).toEqual(expect.arrayContaining(['all.xml', 'all.atom', 'feeds.opml']));
    const entries: Record<string, number> = {};
    for (const file of xml) {
      const parser = new SaxesParser({ xmlns: true });
      let count = 0;
      parser.on('opentag', (tag) => {
        if (tag.local === 'item' || tag.local === 'entry' || tag.local === 'outline') count++;
      });
      parser.write(readFileSync(join(demo.dir, 'public', file), 'utf8')).close();
      entries[file] = count;
    }
    expect(entries['all.xml']).toBeGreaterThan(0);
    expect(entries['all.atom']).toBe(entries['all.xml']);
    expect(entries['feeds.opml']).toBeGreaterThan(0);
    const json = JSON.parse(readFileSync(join(demo.dir, 'public', 'all.json'), 'utf8')) as {
      items: unknown[];
    };
    expect(json.items).toHaveLength(entries['all.xml']!);
  });

  it('keeps a WARC, a screenshot and a manifest whose hashes verify for every violation', async () => {
    const file = join(demo.dir, 'data', 'syndicate.sqlite');
    const sql = await openSql(file, { readonly: true });
    try {
      const violations = await sql.all<{ id: number }>("SELECT id FROM findings WHERE verdict = 'violation'");
      expect(violations.length).toBeGreaterThan(0);
      for (const { id } of violations) {
        const captures = await listEvidence(sql, id);
        expect(captures, `finding ${id}`).toHaveLength(1);
        const [capture] = captures;
        expect(capture!.missing, `finding ${id}`).toEqual([]);
        expect(capture!.files.map((file) => file.role)).toEqual(['screenshot', 'warc', 'manifest']);
        const manifestFile = capture!.files.find((file) => file.role === 'manifest')!;
        const manifest = JSON.parse(
          (await readEvidenceFile(sql, id, manifestFile.sha256)).bytes.toString('utf8'),
        ) as Manifest;
        expect(manifest.finding.id).toBe(id);
        for (const file of manifest.files) {
          const { bytes } = await readEvidenceFile(sql, id, file.sha256);
          expect(createHash('sha256').update(bytes).digest('hex'), `${id} ${file.name}`).toBe(file.sha256);
        }
        const png = (await readEvidenceFile(sql, id, capture!.files[0]!.sha256)).bytes;
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
        const warc = capture!.files.find((file) => file.role === 'warc')!;
        const types: unknown[] = [];
        for await (const record of WARCParser.iterRecords([
          (await readEvidenceFile(sql, id, warc.sha256)).bytes,
        ])) {
          types.push(record.warcType);
          if (record.warcType === 'response') {
            const body = await record.readFully(true);
            expect(createHash('sha256').update(body).digest('hex')).toBe(manifest.finding.reprintHash);
          }
        }
        expect(types).toEqual(['warcinfo', 'request', 'response']);
      }
    } finally {
      await sql.close();
    }
  });
});
