import { gzipSync } from 'node:zlib';
import type { Sql } from '../store/sql.ts';
import { sha256 } from './page.ts';
import type { PageSnapshot } from './snapshot.ts';

/**
 * Page snapshots as the crawl stores them (`crawl_snapshots`, bodies in `crawl_bodies` once per
 * content, the exchange as fetched in `crawl_raw`). They are written here, inside the frontier's
 * transaction (`queue.ts`), so a snapshot and its item's outcome are never apart; the stages after
 * the crawl read them through `src/snapshot/`.
 */

/** A stored snapshot with where it belongs. */
export interface StoredSnapshot extends Omit<PageSnapshot, 'siteId' | 'changed' | 'notModified'> {
  passId: number;
  siteId: string;
  /** Whether the page differs from the previous pass (false for a 304 or the same body). */
  changed: boolean;
  /** Answered 304 Not Modified to a conditional request; the body is the previous one. */
  notModified: boolean;
}

export interface StoredSnapshotInput {
  snapshot: PageSnapshot;
  /** The HTTP status of this fetch (304 when the previous body was confirmed). */
  httpStatus: number;
  changed: boolean;
}

/** Store a snapshot of `item`'s page; call inside the transaction that completes the item. */
export async function saveSnapshot(
  sql: Sql,
  item: { passId: number; siteId: string; url: string },
  input: StoredSnapshotInput,
): Promise<void> {
  const { snapshot } = input;
  const key = sha256(snapshot.body);
  await sql.run('INSERT INTO crawl_bodies (key, body) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [
    key,
    snapshot.body,
  ]);
  await sql.run(
    `INSERT INTO crawl_snapshots (pass_id, site_id, url, final_url, http_status, status, headers, fetched_at,
       content_type, body_hash, body_key, changed)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      item.passId,
      item.siteId,
      item.url,
      snapshot.finalUrl,
      input.httpStatus,
      snapshot.status,
      JSON.stringify(snapshot.headers),
      snapshot.fetchedAt,
      snapshot.contentType,
      snapshot.bodyHash,
      key,
      input.changed ? 1 : 0,
    ],
  );
  if (snapshot.exchange) await saveExchange(sql, snapshot, snapshot.exchange);
}

/** The exchange as fetched, compressed: the evidence of a violation is written from it (a WARC). */
async function saveExchange(
  sql: Sql,
  snapshot: PageSnapshot,
  exchange: NonNullable<PageSnapshot['exchange']>,
): Promise<void> {
  await sql.run(
    `INSERT INTO crawl_raw (url, body_hash, final_url, fetched_at, status, request_headers,
       response_headers, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (url, body_hash) DO UPDATE SET final_url = excluded.final_url,
       fetched_at = excluded.fetched_at, status = excluded.status,
       request_headers = excluded.request_headers, response_headers = excluded.response_headers,
       body = excluded.body`,
    [
      snapshot.url,
      snapshot.bodyHash,
      snapshot.finalUrl,
      snapshot.fetchedAt,
      snapshot.status,
      JSON.stringify(exchange.requestHeaders),
      JSON.stringify(snapshot.headers),
      gzipSync(exchange.bytes),
    ],
  );
}

export interface SnapshotRow {
  pass_id: number;
  site_id: string;
  url: string;
  final_url: string;
  http_status: number;
  status: number;
  headers: string;
  fetched_at: string;
  content_type: string;
  body_hash: string;
  body: string;
  changed: number;
}

export function toSnapshot(row: SnapshotRow): StoredSnapshot {
  return {
    passId: row.pass_id,
    siteId: row.site_id,
    url: row.url,
    finalUrl: row.final_url,
    status: row.status,
    headers: JSON.parse(row.headers) as Record<string, string>,
    fetchedAt: row.fetched_at,
    contentType: row.content_type,
    body: row.body,
    bodyHash: row.body_hash,
    changed: row.changed === 1,
    notModified: row.http_status === 304,
  };
}

export const SNAPSHOT_SELECT = `SELECT s.*, b.body FROM crawl_snapshots s JOIN crawl_bodies b ON b.key = s.body_key`;

/** The newest snapshot of `url` from a pass before `passId`: for conditional requests. */
export async function previousSnapshot(
  sql: Sql,
  url: string,
  passId: number,
): Promise<StoredSnapshot | undefined> {
  const row = await sql.get<SnapshotRow>(
    `${SNAPSHOT_SELECT} WHERE s.url = ? AND s.pass_id < ? ORDER BY s.pass_id DESC LIMIT 1`,
    [url, passId],
  );
  return row ? toSnapshot(row) : undefined;
}

/** Where the pass's redirected pages landed (final URLs that differ from the URL asked for). */
export async function landedUrls(sql: Sql, passId: number): Promise<string[]> {
  const rows = await sql.all<{ final_url: string }>(
    'SELECT final_url FROM crawl_snapshots WHERE pass_id = ? AND final_url != url ORDER BY id',
    [passId],
  );
  return rows.map((row) => row.final_url);
}
