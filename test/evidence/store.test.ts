import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { WARCParser } from 'warcio';
import { crawlerSchema } from '../../src/config/sites.ts';
import { SyndicateError } from '../../src/errors.ts';
import {
  captureEvidence,
  exportEvidence,
  listEvidence,
  MAX_EVIDENCE_BYTES,
  type Manifest,
  pruneExchanges,
  readEvidenceFile,
  verifyCapture,
} from '../../src/evidence/index.ts';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { describeEngines } from '../helpers/engines.ts';
import { tempDir } from '../helpers/tmp.ts';
import { crawled, URL_, violation } from './_store.ts';

/**
 * Evidence on both engines: the crawl keeps a page's exchange as fetched, a capture for a violating
 * finding is written from it and listed with its files, and only each URL's newest exchange is
 * kept. The files are kept in the store itself, so every machine that shares it can read them.
 */

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

beforeAll(() => setLogLevel('silent'));

describeEngines('evidence in the store', (engine) => {
  it('captures a violation from the kept exchange, lists it, and keeps only the newest exchange', async () => {
    const sql = await engine.open();
    const first = '<html><body><p>The copied story.</p></body></html>';
    await crawled(sql, first, '2026-12-01T00:00:00Z');
    const id = await violation(sql, first);

    const summary = await captureEvidence(sql, { findingIds: [id], screenshot: false });
    expect(summary).toEqual({ captured: 1, withoutScreenshot: 1, withoutResponse: 0, failed: 0 });
    // Once per version of the reprint: nothing new to capture.
    expect((await captureEvidence(sql, { findingIds: [id], screenshot: false })).captured).toBe(0);
    const [capture, ...others] = await listEvidence(sql, id);
    expect(others).toEqual([]);
    expect(capture).toMatchObject({ findingId: id, pageUrl: URL_, reprintHash: sha256(first) });
    expect(capture!.missing).toEqual(['screenshot: not asked for']);
    expect(capture!.files.map((file) => file.role)).toEqual(['warc', 'manifest']);
    const warcFile = capture!.files[0]!;
    const { bytes: warc } = await readEvidenceFile(sql, id, warcFile.sha256);
    expect(sha256(warc)).toBe(warcFile.sha256);
    // In the store, once, under its hash: no file beside it.
    expect(await sql.all('SELECT sha256, bytes FROM evidence_blobs ORDER BY sha256')).toEqual(
      capture!.files
        .map((file) => ({ sha256: file.sha256, bytes: file.bytes }))
        .sort((a, b) => a.sha256.localeCompare(b.sha256)),
    );
    const bodies: string[] = [];
    for await (const record of WARCParser.iterRecords([warc])) {
      if (record.warcType === 'response') bodies.push(Buffer.from(await record.readFully(true)).toString());
    }
    expect(bodies).toEqual([first]);

    // A later pass fetched another body: the older exchange can no longer become evidence.
    const second = '<html><body><p>The copied story, edited.</p></body></html>';
    await crawled(sql, second, '2026-12-02T00:00:00Z');
    expect(await sql.get('SELECT COUNT(*) AS n FROM crawl_raw')).toEqual({ n: 2 });
    expect(await pruneExchanges(sql)).toBe(1);
    expect(await sql.all('SELECT body_hash FROM crawl_raw')).toEqual([{ body_hash: sha256(second) }]);
  });
});

describeEngines('evidence kept in the store', (engine) => {
  const body = '<html><body><p>The copied story, once more.</p></body></html>';

  it('is recorded once when two processes capture the same finding at once', async () => {
    const target = await engine.target();
    const first = await openSql(target);
    const second = await openSql(target);
    try {
      await crawled(first, body, '2026-12-01T00:00:00Z');
      const id = await violation(first, body);
      const summaries = await Promise.all(
        [first, second].map((sql) => captureEvidence(sql, { findingIds: [id], screenshot: false })),
      );
      // Whichever lost the race stood back: no error, no second capture, no file without its row.
      expect(summaries.map((summary) => summary.failed)).toEqual([0, 0]);
      expect(summaries.reduce((sum, summary) => sum + summary.captured, 0)).toBeGreaterThanOrEqual(1);
      const captures = await listEvidence(second, id);
      expect(captures).toHaveLength(1);
      expect(await verifyCapture(second, captures[0]!)).toEqual([]);
      const kept = await first.all<{ sha256: string }>('SELECT sha256 FROM evidence_blobs ORDER BY sha256');
      expect(kept.map((row) => row.sha256)).toEqual(captures[0]!.files.map((file) => file.sha256).sort());
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('keeps no file over its bound, and the capture and its manifest say so', async () => {
    const sql = await engine.open();
    await crawled(sql, body, '2026-12-01T00:00:00Z');
    const id = await violation(sql, body);
    const summary = await captureEvidence(sql, {
      findingIds: [id],
      screenshot: false,
      maxBytes: { warc: 100 },
    });
    expect(summary).toMatchObject({ captured: 1, failed: 0 });
    const [capture] = await listEvidence(sql, id);
    expect(capture!.files.map((file) => file.role)).toEqual(['manifest']);
    expect(capture!.missing).toEqual([
      expect.stringMatching(/^warc: \d+ bytes, over the bound of 100 for evidence files$/),
      'screenshot: not asked for',
    ]);
    const manifest = JSON.parse(
      (await readEvidenceFile(sql, id, capture!.files[0]!.sha256)).bytes.toString('utf8'),
    ) as Manifest;
    expect(manifest.files).toEqual([]);
    expect(manifest.missing).toEqual(capture!.missing);
    expect(await sql.get('SELECT COUNT(*) AS n FROM evidence_blobs')).toEqual({ n: 1 });
  });

  it('bounds each file above what the crawler keeps of a page, and the manifest tightly', () => {
    const crawlerBodyBytes = crawlerSchema.parse({}).maxBodyBytes;
    expect(MAX_EVIDENCE_BYTES.warc).toBeGreaterThanOrEqual(3 * crawlerBodyBytes);
    expect(MAX_EVIDENCE_BYTES.screenshot).toBeGreaterThan(0);
    expect(MAX_EVIDENCE_BYTES.manifest).toBeLessThanOrEqual(1024 * 1024);
  });

  it('refuses a file changed or lost in the store: read, verified and exported, nothing written', async () => {
    const sql = await engine.open();
    await crawled(sql, body, '2026-12-01T00:00:00Z');
    const id = await violation(sql, body);
    await captureEvidence(sql, { findingIds: [id], screenshot: false });
    const [capture] = await listEvidence(sql, id);
    const warc = capture!.files.find((file) => file.role === 'warc')!;
    const original = (await readEvidenceFile(sql, id, warc.sha256)).bytes;

    const good = join(tempDir(), 'good');
    await exportEvidence(sql, [id], good);
    expect(sha256(readFileSync(join(good, `finding-${id}`, `capture-${capture!.id}`, 'page.warc.gz')))).toBe(
      warc.sha256,
    );

    await sql.run('UPDATE evidence_blobs SET content = ? WHERE sha256 = ?', [
      Buffer.concat([original, Buffer.from('x')]),
      warc.sha256,
    ]);
    await expect(readEvidenceFile(sql, id, warc.sha256)).rejects.toThrow(
      /page\.warc\.gz .* does not match its SHA-256: it changed after capture/,
    );
    expect(await verifyCapture(sql, capture!)).toEqual([
      expect.stringContaining('page.warc.gz: evidence file page.warc.gz'),
    ]);
    const changed = join(tempDir(), 'changed');
    const refusal = await exportEvidence(sql, [id], changed).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(SyndicateError);
    expect((refusal as SyndicateError).code).toBe('store');
    expect(existsSync(changed)).toBe(false);

    await sql.run('DELETE FROM evidence_blobs WHERE sha256 = ?', [warc.sha256]);
    await expect(readEvidenceFile(sql, id, warc.sha256)).rejects.toThrow(/is missing from the store/);
    await expect(exportEvidence(sql, [id], changed)).rejects.toThrow(/is missing from the store/);
    expect(existsSync(changed)).toBe(false);
  });

  it('refuses to export a manifest whose hashes disagree with the files it lists', async () => {
    const sql = await engine.open();
    await crawled(sql, body, '2026-12-01T00:00:00Z');
    const id = await violation(sql, body);
    await captureEvidence(sql, { findingIds: [id], screenshot: false });
    const [capture] = await listEvidence(sql, id);
    const manifestFile = capture!.files.find((file) => file.role === 'manifest')!;
    const manifest = JSON.parse(
      (await readEvidenceFile(sql, id, manifestFile.sha256)).bytes.toString('utf8'),
    ) as Manifest;
    // A manifest that is itself intact (its own hash holds) but names another WARC.
    manifest.files[0]!.sha256 = sha256('another page');
    const forged = Buffer.from(JSON.stringify(manifest));
    await sql.run('INSERT INTO evidence_blobs (sha256, bytes, content) VALUES (?, ?, ?)', [
      sha256(forged),
      forged.length,
      forged,
    ]);
    await sql.run(
      "UPDATE evidence_files SET sha256 = ?, bytes = ? WHERE evidence_id = ? AND role = 'manifest'",
      [sha256(forged), forged.length, capture!.id],
    );
    const out = join(tempDir(), 'out');
    await expect(exportEvidence(sql, [id], out)).rejects.toThrow(
      `manifest.json of capture ${capture!.id} (finding ${id}) does not give page.warc.gz the SHA-256 and size the store recorded`,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describeEngines('syndicate doctor and the evidence in the store', (engine) => {
  it('verifies every file of every capture, and names one changed after capture', async () => {
    const target = await engine.target();
    const body = '<html><body><p>A story the doctor looks at.</p></body></html>';
    const sql = await openSql(target);
    let warc: string;
    try {
      await crawled(sql, body, '2026-12-01T00:00:00Z');
      const id = await violation(sql, body);
      await captureEvidence(sql, { findingIds: [id], screenshot: false });
      warc = (await listEvidence(sql, id))[0]!.files.find((file) => file.role === 'warc')!.sha256;
    } finally {
      await sql.close();
    }
    const repo = join(import.meta.dirname, '..', '..');
    const argv = ['--store', target, '--feeds', join(repo, 'feeds'), '--rules', join(repo, 'rules')];
    const healthy = await runCli([...argv, 'doctor', '--no-browser', '--no-dns']);
    expect(healthy.stdout).toMatch(/^OK {4}\S+ evidence: 2 file\(s\) match their SHA-256$/m);

    const changed = await openSql(target);
    try {
      await changed.run('UPDATE evidence_blobs SET content = ? WHERE sha256 = ?', [
        Buffer.from('forged'),
        warc,
      ]);
    } finally {
      await changed.close();
    }
    const sick = await runCli([...argv, 'doctor', '--no-browser', '--no-dns']);
    expect(sick.code).toBe(2);
    expect(sick.stdout).toMatch(
      new RegExp(
        `^FAIL {2}\\S+ evidence: finding 1: page\\.warc\\.gz: evidence file page\\.warc\\.gz \\(SHA-256 ${warc}\\) does not match its SHA-256`,
        'm',
      ),
    );
  });
});
