import { createHash } from 'node:crypto';
import { openPass } from '../../src/crawl/passes.ts';
import { claimItems, complete } from '../../src/crawl/queue.ts';
import type { Sql } from '../../src/store/sql.ts';

/** A store with a crawled page and a violating finding on it, made through the repositories. */

export const URL_ = 'http://copy.example/post';
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** A pass that fetched the page with `body`, its exchange kept as the crawler keeps it. */
export async function crawled(sql: Sql, body: string, at: string): Promise<void> {
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

export async function violation(sql: Sql, body: string): Promise<number> {
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
