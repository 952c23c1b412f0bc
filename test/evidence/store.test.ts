import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { WARCParser } from 'warcio';
import { openPass } from '../../src/crawl/passes.ts';
import { claimItems, complete } from '../../src/crawl/queue.ts';
import { blobPath } from '../../src/evidence/files.ts';
import { captureEvidence, listEvidence, pruneExchanges } from '../../src/evidence/index.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines } from '../helpers/engines.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * Evidence on both engines: the crawl keeps a page's exchange as fetched, a capture for a violating
 * finding is written from it and listed with its files, and only each URL's newest exchange is
 * kept. The files go to a folder given here (a PostgreSQL store has none beside it).
 */

const URL_ = 'http://copy.example/post';
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** A pass that fetched the page with `body`, its exchange kept as the crawler keeps it. */
async function crawled(sql: Sql, body: string, at: string): Promise<void> {
  const { pass } = await openPass(sql, ['copy'], new Date(at), () => [
    { siteId: 'copy', url: URL_, kind: 'page', source: 'start' },
  ]);
  const [item] = await claimItems(sql, pass.id, { holder: 'me', untilMs: 10 }, { nowMs: 0 });
  const bytes = Buffer.from(body);
  await complete(
    sql,
    item!,
    {
      state: 'done',
      snapshot: {
        snapshot: {
          url: URL_,
          finalUrl: URL_,
          status: 200,
          headers: { 'content-type': 'text/html' },
          fetchedAt: at,
          contentType: 'text/html',
          body,
          bodyHash: sha256(bytes),
          siteId: 'copy',
          exchange: { bytes, requestHeaders: { 'user-agent': 'syndicate-test' } },
        },
        httpStatus: 200,
        changed: true,
      },
    },
    [],
  );
  await sql.run('UPDATE crawl_passes SET finished_at = ? WHERE id = ?', [at, pass.id]);
}

async function violation(sql: Sql, body: string): Promise<number> {
  const scan = await sql.get<{ id: number }>(
    "INSERT INTO scans (started) VALUES ('2026-12-01') RETURNING id",
  );
  const row = await sql.get<{ id: number }>(
    `INSERT INTO findings (page_url, article_id, article_url, article_title, site, first_seen, last_seen,
       verdict, violations, reprint_hash, first_scan, last_scan)
     VALUES (?, 'a1', 'http://news.example/a1', 'A story', 'copy', 'then', 'now', 'violation', ?, ?, ?, ?)
     RETURNING id`,
    [URL_, JSON.stringify([{ rule: 'link-to-original' }]), sha256(body), scan!.id, scan!.id],
  );
  return row!.id;
}

describeEngines('evidence in the store', (engine) => {
  it('captures a violation from the kept exchange, lists it, and keeps only the newest exchange', async () => {
    const sql = await engine.open();
    const dir = join(tempDir(), 'evidence');
    const first = '<html><body><p>The copied story.</p></body></html>';
    await crawled(sql, first, '2026-12-01T00:00:00Z');
    const id = await violation(sql, first);

    const summary = await captureEvidence(sql, { findingIds: [id], screenshot: false, dir });
    expect(summary).toEqual({ captured: 1, withoutScreenshot: 1, withoutResponse: 0, failed: 0 });
    // Once per version of the reprint: nothing new to capture.
    expect((await captureEvidence(sql, { findingIds: [id], screenshot: false, dir })).captured).toBe(0);
    const [capture, ...others] = await listEvidence(sql, id);
    expect(others).toEqual([]);
    expect(capture).toMatchObject({ findingId: id, pageUrl: URL_, reprintHash: sha256(first) });
    expect(capture!.missing).toEqual(['screenshot: not asked for']);
    expect(capture!.files.map((file) => file.role)).toEqual(['warc', 'manifest']);
    const warcFile = capture!.files[0]!;
    const warc = readFileSync(blobPath(dir, warcFile.sha256, 'warc'));
    expect(sha256(warc)).toBe(warcFile.sha256);
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
