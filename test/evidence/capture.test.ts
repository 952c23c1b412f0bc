import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import { load } from 'cheerio';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WARCParser } from 'warcio';
import { stringify } from 'yaml';
import { captureEvidence, listEvidence, type Manifest, readEvidenceFile } from '../../src/evidence/index.ts';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { runCli } from '../helpers/cli.ts';
import { describeEngines } from '../helpers/engines.ts';
import { startServer } from '../helpers/http.ts';
import { freshSchema } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';
import { articles, importedStore, reprint } from '../scan/_republisher.ts';

/**
 * Evidence end to end, on a SQLite store and on a PostgreSQL one: a real republisher on 127.0.0.1
 * answering gzip-encoded pages, a real scan through the command line, Chromium's screenshot, the
 * WARC read back with warcio, the PNG's structure checked chunk by chunk, and every hash of the
 * manifest recomputed from the files, in the store and in an export.
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

/** Read a WARC with warcio: each record's type and target, and the response's digest, status, headers, body. */
async function readWarc(bytes: Uint8Array) {
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
  return { records, response, request };
}

beforeAll(() => setLogLevel('silent'));

describeEngines('evidence captured by a scan', (engine) => {
  let site: Site;
  let dir: string;
  let store: string;
  let dropStore = async () => {};
  let rules: string;
  let firstScan: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    site = await startSite();
    site.body = page();
    // Not tempDir() nor engine.target(): both are cleared after each test, and the cases below
    // read one scan's results.
    dir = mkdtempSync(join(tmpdir(), 'syndicate-evidence-'));
    if (engine.engine === 'postgres') {
      const schema = await freshSchema();
      store = schema.url;
      dropStore = schema.drop;
    } else store = join(dir, 'store.sqlite');
    await importedStore(dir, store);
    rules = writeRules(dir, site);
    firstScan = await runCli(['--store', store, '--rules', rules, 'scan']);
  }, 120_000);

  afterAll(async () => {
    await site?.close();
    await dropStore();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The store, and the id of its one violation, for one case; closed after it. */
  async function withFinding<T>(work: (sql: Sql, id: number) => Promise<T>): Promise<T> {
    const sql = await openSql(store);
    try {
      const row = await sql.get<{ id: number }>("SELECT id FROM findings WHERE verdict = 'violation'");
      return await work(sql, row!.id);
    } finally {
      await sql.close();
    }
  }

  it('keeps a WARC, a screenshot and a manifest for the violation, in the store itself', async () => {
    expect(firstScan.code, firstScan.stderr).toBe(1);
    await withFinding(async (sql, id) => {
      const captures = await listEvidence(sql, id);
      expect(captures).toHaveLength(1);
      expect(captures[0]!.missing).toEqual([]);
      expect(captures[0]!.files.map((file) => file.role)).toEqual(['screenshot', 'warc', 'manifest']);
      for (const file of captures[0]!.files) {
        const row = await sql.get<{ bytes: number; content: Buffer }>(
          'SELECT bytes, content FROM evidence_blobs WHERE sha256 = ?',
          [file.sha256],
        );
        expect(sha256(row!.content), file.name).toBe(file.sha256);
        expect(row!.bytes).toBe(file.bytes);
        expect(row!.content.length).toBe(file.bytes);
      }
      // Nothing on this machine's disk that a reviewer on another would need.
      expect(readdirSync(dir).sort()).toEqual(
        engine.engine === 'sqlite' ? expect.arrayContaining(['rules', 'store.sqlite']) : ['rules'],
      );
      expect(existsSync(join(dir, 'evidence'))).toBe(false);
    });
  });

  it('writes the exchange as fetched into a WARC that warcio reads back', async () => {
    await withFinding(async (sql, id) => {
      const [capture] = await listEvidence(sql, id);
      const warc = capture!.files.find((file) => file.role === 'warc')!;
      const { records, response, request } = await readWarc(
        (await readEvidenceFile(sql, id, warc.sha256)).bytes,
      );
      expect(records.map((record) => record.type)).toEqual(['warcinfo', 'request', 'response']);
      expect(records[2]!.target).toBe('http://evidence.example/post/');
      // The body as the server sent it, decoded from gzip, byte for byte; its digest is the body
      // hash the scan judged (the finding's reprint hash).
      expect(Buffer.from(response!.body).toString('utf8')).toBe(site.body);
      const finding = await sql.get<{ reprint_hash: string }>(
        'SELECT reprint_hash FROM findings WHERE id = ?',
        [id],
      );
      expect(response!.digest).toBe(`sha256:${sha256(Buffer.from(site.body))}`);
      expect(finding!.reprint_hash).toBe(sha256(Buffer.from(site.body)));
      expect(Number(response!.status)).toBe(200);
      expect(response!.headers.get('x-served-by')).toBe('test');
      expect(response!.headers.get('x-archive-orig-content-encoding')).toBe('gzip');
      expect(response!.headers.get('content-encoding')).toBeUndefined();
      expect(request!.statusline).toBe('GET /post/ HTTP/1.1');
      expect(request!.headers.get('host')).toBe('evidence.example');
      expect(request!.headers.get('user-agent')).toMatch(/syndicate/i);
    });
  });

  it('photographs the stored response: a well-formed PNG the width of the viewport, and nothing fetched', async () => {
    await withFinding(async (sql, id) => {
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
    });
  });

  it('lists every file in a manifest whose hashes verify', async () => {
    await withFinding(async (sql, id) => {
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
    });
  });

  it('captures again only when the reprint changes', async () => {
    const again = await runCli(['--store', store, '--rules', rules, 'scan']);
    expect(again.code, again.stderr).toBe(1);
    await withFinding(async (sql, id) => expect(await listEvidence(sql, id)).toHaveLength(1));

    site.body = page('<p>An editor’s note added later.</p>');
    const changed = await runCli(['--store', store, '--rules', rules, 'scan']);
    expect(changed.code, changed.stderr).toBe(1);
    await withFinding(async (sql, id) => {
      const captures = await listEvidence(sql, id);
      expect(captures).toHaveLength(2);
      expect(captures[0]!.reprintHash).toBe(sha256(Buffer.from(site.body)));
      expect(captures[1]!.reprintHash).not.toBe(captures[0]!.reprintHash);
      // Only the newest response of the page is kept for later captures.
      expect(await sql.get('SELECT COUNT(*) AS n FROM crawl_raw')).toEqual({ n: 1 });
    });
  }, 120_000);

  it('without Chromium, says so in the evidence and still keeps the WARC and manifest', async () => {
    await withFinding(async (sql, id) => {
      await sql.run('DELETE FROM evidence WHERE finding_id = ?', [id]);
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
    });
  });

  it('records nothing for a finding whose response was not kept, so that a later scan can', async () => {
    await withFinding(async (sql, id) => {
      const before = (await listEvidence(sql, id)).length;
      await sql.run('DELETE FROM evidence WHERE finding_id = ?', [id]);
      const kept = await sql.all<Record<string, string | number | Buffer>>('SELECT * FROM crawl_raw');
      await sql.run('DELETE FROM crawl_raw');
      const summary = await captureEvidence(sql, { findingIds: [id], screenshot: false });
      expect(summary).toEqual({ captured: 0, withoutScreenshot: 0, withoutResponse: 1, failed: 0 });
      expect(await listEvidence(sql, id)).toEqual([]);
      // Put back as it was for the cases that follow.
      for (const row of kept) {
        await sql.run(
          `INSERT INTO crawl_raw (url, body_hash, final_url, fetched_at, status, request_headers, response_headers, body)
           VALUES (@url, @body_hash, @final_url, @fetched_at, @status, @request_headers, @response_headers, @body)`,
          row,
        );
      }
      expect((await captureEvidence(sql, { findingIds: [id] })).captured).toBe(1);
      expect(await listEvidence(sql, id)).toHaveLength(1);
      expect(before).toBeGreaterThan(0);
    });
  });

  it('syndicate evidence exports every capture, the WARC readable and every hash of its manifest holding', async () => {
    const { id, captures } = await withFinding(async (sql, id) => ({
      id,
      captures: await listEvidence(sql, id),
    }));
    const out = join(tempDir(), 'export');
    const result = await runCli(['--store', store, 'evidence', String(id), '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`finding ${id}: ${captures.length} capture(s)`);
    for (const capture of captures) {
      const folder = join(out, `finding-${id}`, `capture-${capture.id}`);
      expect(readdirSync(folder).sort()).toEqual(capture.files.map((file) => file.name).sort());
      for (const file of capture.files) {
        expect(sha256(readFileSync(join(folder, file.name))), file.name).toBe(file.sha256);
      }
      // The exported manifest, read as a reviewer would: each file it lists is there with its hash.
      const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as Manifest;
      for (const file of manifest.files) {
        const bytes = readFileSync(join(folder, file.name));
        expect(sha256(bytes), file.name).toBe(file.sha256);
        expect(bytes.length).toBe(file.bytes);
      }
      const { records, response } = await readWarc(readFileSync(join(folder, 'page.warc.gz')));
      expect(records.map((record) => record.type)).toEqual(['warcinfo', 'request', 'response']);
      expect(response!.digest).toBe(`sha256:${manifest.response.bodySha256}`);
      expect(sha256(response!.body)).toBe(capture.reprintHash);
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

  it('syndicate evidence refuses a file changed after capture, a finding without evidence, or none at all, writing nothing', async () => {
    const { id, capture, other } = await withFinding(async (sql, id) => ({
      id,
      capture: (await listEvidence(sql, id))[0]!,
      other: await sql.get<{ id: number }>(
        "SELECT id FROM findings WHERE verdict <> 'violation' OR id <> ?",
        [id],
      ),
    }));
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
    const file = capture.files.find((candidate) => candidate.role === 'warc')!;
    const original = await withFinding(
      async (sql, id) => (await readEvidenceFile(sql, id, file.sha256)).bytes,
    );
    await withFinding((sql) =>
      sql.run('UPDATE evidence_blobs SET content = ? WHERE sha256 = ?', [
        Buffer.concat([original, Buffer.from('x')]),
        file.sha256,
      ]),
    );
    try {
      const out = join(dir, 'tampered');
      const result = await runCli(['--store', store, 'evidence', String(id), '--out', out]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`page.warc.gz (SHA-256 ${file.sha256}) does not match its SHA-256`);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(join(dir, 'none'))).toBe(false);
    } finally {
      await withFinding((sql) =>
        sql.run('UPDATE evidence_blobs SET content = ? WHERE sha256 = ?', [original, file.sha256]),
      );
    }
  });
});
