import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import { load } from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WARCParser } from 'warcio';
import { stringify } from 'yaml';
import {
  captureEvidence,
  evidenceDirOf,
  listEvidence,
  type Manifest,
  readEvidenceFile,
} from '../../src/evidence/index.ts';
import { setLogLevel } from '../../src/log.ts';
import { openStore } from '../../src/store/db.ts';
import { SqliteSql } from '../../src/store/sqlite.ts';
import { runCli } from '../helpers/cli.ts';
import { startServer } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';
import { articles, importedStore, reprint } from '../scan/_republisher.ts';

/**
 * Evidence end to end: a real republisher on 127.0.0.1 answering gzip-encoded pages, a real scan
 * through the command line, the WARC read back with warcio, the PNG's structure checked chunk by
 * chunk, and every hash of the manifest recomputed from the files.
 */

const HOSTILE_TITLE = '<script>alert(1)</script> Glacier "water" & rights';
const article = articles['nw-481']!;

interface Site {
  address: string;
  /** The page's HTML; the test changes it between scans. */
  body: string;
  /** Paths asked for, in order. */
  seen: string[];
  close(): Promise<void>;
}

async function startSite(): Promise<Site> {
  const site: Site = { address: '', body: '', seen: [], close: async () => {} };
  const server = await startServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    site.seen.push(path);
    if (path === '/robots.txt') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n');
    } else if (path === '/sitemap.xml') {
      response
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://evidence.example/post/</loc></url></urlset>',
        );
    } else if (path === '/post/') {
      // Compressed on the wire, as most sites send pages: the evidence keeps the decoded body.
      response
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-encoding': 'gzip',
          'x-served-by': 'test',
        })
        .end(gzipSync(site.body));
    } else {
      // The page's script, image and style sheet: a screenshot must never ask for them.
      response.writeHead(404).end();
    }
  });
  site.address = server.address;
  site.close = () => server.close();
  return site;
}

/** The reprint with what a hostile page carries: a script, remote resources, a title with markup. */
function page(extra = ''): string {
  return reprint(article, 'home-only', extra)
    .replace(
      /<title>[^<]*<\/title>/,
      `<title>${HOSTILE_TITLE.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</title>`,
    )
    .replace(
      '</head>',
      '<link rel="stylesheet" href="/style.css"><script>fetch("/beacon");document.title="script ran"</script></head>',
    )
    .replace('<main>', '<main><img src="/tracker.png" alt=""><iframe src="/frame"></iframe>');
}

function writeRules(dir: string, site: Site): string {
  const rules = join(dir, 'rules');
  const repo = join(import.meta.dirname, '..', '..');
  mkdirSync(rules, { recursive: true });
  copyFileSync(join(repo, 'rules', 'terms.yaml'), join(rules, 'terms.yaml'));
  writeFileSync(
    join(rules, 'sites.yaml'),
    stringify({
      crawler: {
        allowPrivateNetworks: true,
        delayMs: 0,
        retries: 1,
        resolve: { 'evidence.example': site.address },
      },
      sites: [{ id: 'evidence', url: 'http://evidence.example/', kind: 'community' }],
    }),
  );
  return rules;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Walk a PNG's chunks, checking each CRC; return the size from IHDR and the chunk types. */
function readPng(bytes: Buffer): { width: number; height: number; chunks: string[] } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks: string[] = [];
  let offset = 8;
  let width = 0;
  let height = 0;
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.subarray(offset + 4, offset + 8).toString('latin1');
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    const crc = bytes.readUInt32BE(offset + 8 + length);
    expect(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0, `CRC of ${type}`).toBe(crc);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    }
    chunks.push(type);
    offset += 12 + length;
  }
  expect(offset).toBe(bytes.length);
  return { width, height, chunks };
}

let site: Site;
let dir: string;
let store: string;
let rules: string;
let firstScan: Awaited<ReturnType<typeof runCli>>;

beforeAll(async () => {
  setLogLevel('silent');
  site = await startSite();
  site.body = page();
  // Not tempDir(): the cases below read one scan's results.
  dir = mkdtempSync(join(tmpdir(), 'syndicate-evidence-'));
  store = await importedStore(dir);
  rules = writeRules(dir, site);
  firstScan = await runCli(['--store', store, '--rules', rules, 'scan']);
}, 120_000);

afterAll(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The violation's id, and the store both as SQLite (for the test's own statements) and as `Sql`. */
function theFinding() {
  const db = openStore(store);
  const row = db.prepare("SELECT id FROM findings WHERE verdict = 'violation'").get() as { id: number };
  return { db, sql: new SqliteSql(db, store), id: row.id };
}

describe('evidence captured by a scan', () => {
  it('keeps a WARC, a screenshot and a manifest for the violation, in evidence/ next to the store', async () => {
    expect(firstScan.code, firstScan.stderr).toBe(1);
    const { db, sql, id } = theFinding();
    try {
      const captures = await listEvidence(sql, id);
      expect(captures).toHaveLength(1);
      expect(captures[0]!.missing).toEqual([]);
      expect(captures[0]!.files.map((file) => file.role)).toEqual(['screenshot', 'warc', 'manifest']);
      expect(evidenceDirOf(sql)).toBe(join(dir, 'evidence'));
      for (const file of captures[0]!.files) {
        const path = join(
          dir,
          'evidence',
          file.sha256.slice(0, 2),
          `${file.sha256}.${file.role === 'warc' ? 'warc.gz' : file.role === 'screenshot' ? 'png' : 'json'}`,
        );
        expect(existsSync(path), path).toBe(true);
        expect(sha256(readFileSync(path))).toBe(file.sha256);
      }
    } finally {
      db.close();
    }
  });

  it('writes the exchange as fetched into a WARC that warcio reads back', async () => {
    const { db, sql, id } = theFinding();
    try {
      const [capture] = await listEvidence(sql, id);
      const warc = capture!.files.find((file) => file.role === 'warc')!;
      const { bytes } = await readEvidenceFile(sql, id, warc.sha256);
      const records: Array<{ type: unknown; target: unknown }> = [];
      let response:
        | { digest: unknown; status: unknown; headers: Map<string, string>; body: Uint8Array }
        | undefined;
      let request: { statusline: unknown; headers: Map<string, string> } | undefined;
      for await (const record of WARCParser.iterRecords([bytes])) {
        records.push({ type: record.warcType, target: record.warcTargetURI });
        if (record.warcType === 'response') {
          response = {
            digest: record.warcHeaders.headers.get('WARC-Payload-Digest'),
            status: record.httpHeaders?.statusCode,
            headers: new Map([...(record.httpHeaders?.headers.entries() ?? [])]),
            body: await record.readFully(true),
          };
        }
        if (record.warcType === 'request') {
          request = {
            statusline: record.httpHeaders?.statusline,
            headers: new Map([...(record.httpHeaders?.headers.entries() ?? [])]),
          };
        }
      }
      expect(records.map((record) => record.type)).toEqual(['warcinfo', 'request', 'response']);
      expect(records[2]!.target).toBe('http://evidence.example/post/');
      // The body as the server sent it, decoded from gzip, byte for byte; its digest is the body
      // hash the scan judged (the finding's reprint hash).
      expect(Buffer.from(response!.body).toString('utf8')).toBe(site.body);
      const finding = db.prepare('SELECT reprint_hash FROM findings WHERE id = ?').get(id) as {
        reprint_hash: string;
      };
      expect(response!.digest).toBe(`sha256:${sha256(Buffer.from(site.body))}`);
      expect(finding.reprint_hash).toBe(sha256(Buffer.from(site.body)));
      expect(Number(response!.status)).toBe(200);
      expect(response!.headers.get('x-served-by')).toBe('test');
      expect(response!.headers.get('x-archive-orig-content-encoding')).toBe('gzip');
      expect(response!.headers.get('content-encoding')).toBeUndefined();
      expect(request!.statusline).toBe('GET /post/ HTTP/1.1');
      expect(request!.headers.get('host')).toBe('evidence.example');
      expect(request!.headers.get('user-agent')).toMatch(/syndicate/i);
    } finally {
      db.close();
    }
  });

  it('photographs the stored response: a well-formed PNG the width of the viewport, and nothing fetched', async () => {
    const { db, sql, id } = theFinding();
    try {
      const [capture] = await listEvidence(sql, id);
      const shot = capture!.files.find((file) => file.role === 'screenshot')!;
      const png = readPng((await readEvidenceFile(sql, id, shot.sha256)).bytes);
      expect(png.width).toBe(1280);
      expect(png.height).toBeGreaterThan(300);
      expect(png.chunks[0]).toBe('IHDR');
      expect(png.chunks.at(-1)).toBe('IEND');
      expect(png.chunks).toContain('IDAT');
      // Only the crawler came: robots.txt, the sitemap and the page; never the page's resources.
      expect(new Set(site.seen)).toEqual(new Set(['/robots.txt', '/sitemap.xml', '/post/']));
    } finally {
      db.close();
    }
  });

  it('lists every file in a manifest whose hashes verify', async () => {
    const { db, sql, id } = theFinding();
    try {
      const [capture] = await listEvidence(sql, id);
      const manifestFile = capture!.files.find((file) => file.role === 'manifest')!;
      const manifestBytes = (await readEvidenceFile(sql, id, manifestFile.sha256)).bytes;
      expect(sha256(manifestBytes)).toBe(manifestFile.sha256);
      const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
      expect(manifest.tool.name).toBe('syndicate');
      expect(manifest.tool.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
      expect(manifest.tool.chromium).toMatch(/^\d+\./);
      expect(Date.parse(manifest.capturedAt)).not.toBeNaN();
      expect(manifest.finding.id).toBe(id);
      expect(manifest.finding.rules).toEqual(['link-to-original']);
      expect(manifest.response?.bodySha256).toBe(manifest.finding.reprintHash);
      expect(manifest.files.map((file) => file.role).sort()).toEqual(['screenshot', 'warc']);
      for (const file of manifest.files) {
        const { bytes } = await readEvidenceFile(sql, id, file.sha256);
        expect(sha256(bytes), file.name).toBe(file.sha256);
        expect(bytes.length, file.name).toBe(file.bytes);
      }
    } finally {
      db.close();
    }
  });

  it('captures again only when the reprint changes', async () => {
    const again = await runCli(['--store', store, '--rules', rules, 'scan']);
    expect(again.code, again.stderr).toBe(1);
    let { db, sql, id } = theFinding();
    expect(await listEvidence(sql, id)).toHaveLength(1);
    db.close();

    site.body = page('<p>An editor’s note added later.</p>');
    const changed = await runCli(['--store', store, '--rules', rules, 'scan']);
    expect(changed.code, changed.stderr).toBe(1);
    ({ db, sql, id } = theFinding());
    try {
      const captures = await listEvidence(sql, id);
      expect(captures).toHaveLength(2);
      expect(captures[0]!.reprintHash).toBe(sha256(Buffer.from(site.body)));
      expect(captures[1]!.reprintHash).not.toBe(captures[0]!.reprintHash);
      // Only the newest response of the page is kept for later captures.
      expect((db.prepare('SELECT count(*) AS n FROM crawl_raw').get() as { n: number }).n).toBe(1);
    } finally {
      db.close();
    }
  }, 120_000);

  it('without Chromium, says so in the evidence and still keeps the WARC and manifest', async () => {
    const { db, sql, id } = theFinding();
    try {
      db.prepare('DELETE FROM evidence WHERE finding_id = ?').run(id);
      const summary = await captureEvidence(sql, {
        findingIds: [id],
        screenshot: { executablePath: join(dir, 'no-chromium-here') },
      });
      expect(summary).toEqual({ captured: 1, withoutScreenshot: 1, withoutResponse: 0, failed: 0 });
      const [capture] = await listEvidence(sql, id);
      expect(capture!.files.map((file) => file.role)).toEqual(['warc', 'manifest']);
      expect(capture!.missing).toEqual([
        expect.stringMatching(/^screenshot: Chromium is not available: no browser at /),
      ]);
      const manifestFile = capture!.files.find((file) => file.role === 'manifest')!;
      const manifest = JSON.parse(
        (await readEvidenceFile(sql, id, manifestFile.sha256)).bytes.toString('utf8'),
      ) as Manifest;
      expect(manifest.missing).toEqual(capture!.missing);
      expect(manifest.tool.chromium).toBeUndefined();
    } finally {
      db.close();
    }
  });
  it('records nothing for a finding whose response was not kept, so that a later scan can', async () => {
    const { db, sql, id } = theFinding();
    try {
      const before = (await listEvidence(sql, id)).length;
      db.prepare('DELETE FROM evidence WHERE finding_id = ?').run(id);
      const kept = db.prepare('SELECT * FROM crawl_raw').all();
      db.prepare('DELETE FROM crawl_raw').run();
      const summary = await captureEvidence(sql, { findingIds: [id], screenshot: false });
      expect(summary).toEqual({ captured: 0, withoutScreenshot: 0, withoutResponse: 1, failed: 0 });
      expect(await listEvidence(sql, id)).toEqual([]);
      // Put back as it was for the cases that follow.
      const insert = db.prepare(
        'INSERT INTO crawl_raw VALUES (@url, @body_hash, @final_url, @fetched_at, @status, @request_headers, @response_headers, @body)',
      );
      for (const row of kept) insert.run(row);
      expect((await captureEvidence(sql, { findingIds: [id] })).captured).toBe(1);
      expect(await listEvidence(sql, id)).toHaveLength(1);
      expect(before).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});

describe('syndicate evidence FINDING --out DIR', () => {
  it('exports every capture, each file checked, with a summary that escapes what the page said', async () => {
    const { db, sql, id } = theFinding();
    const captures = await listEvidence(sql, id);
    db.close();
    const out = join(tempDir(), 'export');
    const result = await runCli(['--store', store, 'evidence', String(id), '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    for (const capture of captures) {
      for (const file of capture.files) {
        const path = join(out, `finding-${id}`, `capture-${capture.id}`, file.name);
        expect(sha256(readFileSync(path)), path).toBe(file.sha256);
      }
    }
    const $ = load(readFileSync(join(out, 'index.html'), 'utf8'));
    expect($('script').length).toBe(0);
    expect($('h2').text()).toContain(HOSTILE_TITLE);
    expect($('img').length).toBe(
      captures.filter((capture) => capture.files.some((file) => file.role === 'screenshot')).length,
    );
    for (const image of $('img').toArray()) expect(existsSync(join(out, $(image).attr('src')!))).toBe(true);
    expect($('code').text()).toContain(captures[0]!.files[0]!.sha256);
  });

  it('refuses a file changed after capture, a finding without evidence, or none at all, writing nothing', async () => {
    const { db, sql, id } = theFinding();
    const [capture] = await listEvidence(sql, id);
    const other = db.prepare("SELECT id FROM findings WHERE verdict != 'violation' OR id != ?").get(id) as
      | { id: number }
      | undefined;
    db.close();
    const missing = await runCli(['--store', store, 'evidence', '999', '--out', join(dir, 'none')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('syndicate: no finding 999\n');
    if (other) {
      const without = await runCli([
        '--store',
        store,
        'evidence',
        String(other.id),
        '--out',
        join(dir, 'none'),
      ]);
      expect(without.code).toBe(2);
    }
    const file = capture!.files.find((candidate) => candidate.role === 'warc')!;
    const path = join(dir, 'evidence', file.sha256.slice(0, 2), `${file.sha256}.warc.gz`);
    const original = readFileSync(path);
    writeFileSync(path, Buffer.concat([original, Buffer.from('x')]));
    try {
      const out = join(dir, 'tampered');
      const result = await runCli(['--store', store, 'evidence', String(id), '--out', out]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('does not match its SHA-256');
      expect(result.stderr).toContain(path);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(join(dir, 'none'))).toBe(false);
    } finally {
      writeFileSync(path, original);
    }
  });
});
