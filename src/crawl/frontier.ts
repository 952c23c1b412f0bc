import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { gzipSync } from 'node:zlib';
import type { Statement } from 'better-sqlite3';
import { SyndicateError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { sha256 } from './page.ts';
import type { PageSnapshot } from './snapshot.ts';

/**
 * Frontier and snapshot persistence. Every outcome is written in one transaction together with
 * the URLs it discovered, so a crawl killed at any moment (SIGKILL included) resumes with no
 * finished page fetched again, none lost and none twice.
 */

const statements = new WeakMap<Db, Map<string, Statement>>();

/** A prepared statement, prepared once per database: preparing costs more than running. */
function statement(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let prepared = cache.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    cache.set(sql, prepared);
  }
  return prepared;
}

export type ItemKind = 'seed' | 'sitemap' | 'feed' | 'page';
export type ItemSource = 'config' | 'robots' | 'default' | 'sitemap' | 'feed' | 'start' | 'link';

export interface NewItem {
  siteId: string;
  url: string;
  kind: ItemKind;
  source: ItemSource;
  depth?: number;
  follow?: boolean;
  optional?: boolean;
}

export interface FrontierItem extends Required<NewItem> {
  id: number;
  passId: number;
}

export interface Pass {
  id: number;
  siteIds: string[];
  startedAt: string;
  finishedAt: string | null;
}

/** A stored snapshot with where it belongs. */
export interface StoredSnapshot extends Omit<PageSnapshot, 'siteId' | 'changed' | 'notModified'> {
  passId: number;
  siteId: string;
  /** Whether the page differs from the previous pass (false for a 304 or the same body). */
  changed: boolean;
  /** Answered 304 Not Modified to a conditional request; the body is the previous one. */
  notModified: boolean;
}

export type Outcome =
  | { state: 'done'; snapshot?: StoredSnapshotInput }
  | { state: 'skipped' | 'failed'; reason: string; message?: string; status?: number };

export interface StoredSnapshotInput {
  snapshot: PageSnapshot;
  /** The HTTP status of this fetch (304 when the previous body was confirmed). */
  httpStatus: number;
  changed: boolean;
}

interface PassRow {
  id: number;
  sites: string;
  started_at: string;
  finished_at: string | null;
}

function toPass(row: PassRow): Pass {
  return {
    id: row.id,
    siteIds: JSON.parse(row.sites) as string[],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/**
 * The pass to work on: the newest unfinished pass of exactly these sites, or a new one.
 * `create` is called inside the same transaction to seed a new pass.
 */
export function openPass(
  db: Db,
  siteIds: string[],
  now: Date,
  seed: (passId: number) => NewItem[],
): { pass: Pass; resumed: boolean } {
  const key = JSON.stringify([...siteIds].sort());
  return db.transaction(() => {
    const open = statement(
      db,
      'SELECT * FROM crawl_passes WHERE sites = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1',
    ).get(key) as PassRow | undefined;
    if (open) return { pass: toPass(open), resumed: true };
    const id = Number(
      statement(db, 'INSERT INTO crawl_passes (sites, started_at) VALUES (?, ?)').run(key, now.toISOString())
        .lastInsertRowid,
    );
    enqueue(db, id, seed(id));
    const row = statement(db, 'SELECT * FROM crawl_passes WHERE id = ?').get(id) as PassRow;
    return { pass: toPass(row), resumed: false };
  })();
}

/** Who is working on a pass: this host, this process, this call. */
export function lockHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

/** Whether the process named in `holder` may still be running (unknowable on another host). */
function holderAlive(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname()) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the pass for `holder`, or throw a 'locked' error naming the live process that has it. A
 * lock left by a process that died (SIGKILL, power cut) is taken over.
 */
export function lockPass(db: Db, passId: number, holder: string, now: Date): void {
  db.transaction(() => {
    const current = statement(db, 'SELECT holder FROM crawl_locks WHERE pass_id = ?').get(passId) as
      | { holder: string }
      | undefined;
    if (current && current.holder !== holder && holderAlive(current.holder)) {
      throw new SyndicateError(
        'locked',
        `crawl pass ${passId} is being worked on by another process (${current.holder.split(':').slice(0, 2).join(':')})`,
      );
    }
    statement(
      db,
      `INSERT INTO crawl_locks (pass_id, holder, acquired_at) VALUES (?, ?, ?)
       ON CONFLICT (pass_id) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at`,
    ).run(passId, holder, now.toISOString());
  })();
}

export function unlockPass(db: Db, passId: number, holder: string): void {
  statement(db, 'DELETE FROM crawl_locks WHERE pass_id = ? AND holder = ?').run(passId, holder);
}

export function finishPass(db: Db, passId: number, now: Date): void {
  statement(db, 'UPDATE crawl_passes SET finished_at = ? WHERE id = ?').run(now.toISOString(), passId);
}

export function latestPass(db: Db): Pass | undefined {
  const row = statement(db, 'SELECT * FROM crawl_passes ORDER BY id DESC LIMIT 1').get() as
    | PassRow
    | undefined;
  return row ? toPass(row) : undefined;
}

/** Add items not yet in the pass; returns those that were new. */
export function enqueue(db: Db, passId: number, items: NewItem[]): NewItem[] {
  const insert = statement(
    db,
    `INSERT OR IGNORE INTO crawl_frontier (pass_id, site_id, url, kind, source, depth, follow, optional)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const added: NewItem[] = [];
  for (const item of items) {
    const result = insert.run(
      passId,
      item.siteId,
      item.url,
      item.kind,
      item.source,
      item.depth ?? 0,
      item.follow ? 1 : 0,
      item.optional ? 1 : 0,
    );
    if (result.changes > 0) added.push(item);
  }
  return added;
}

interface FrontierRow {
  id: number;
  pass_id: number;
  site_id: string;
  url: string;
  kind: ItemKind;
  source: ItemSource;
  depth: number;
  follow: number;
  optional: number;
}

function toItem(row: FrontierRow): FrontierItem {
  return {
    id: row.id,
    passId: row.pass_id,
    siteId: row.site_id,
    url: row.url,
    kind: row.kind,
    source: row.source,
    depth: row.depth,
    follow: row.follow === 1,
    optional: row.optional === 1,
  };
}

export function queuedItems(db: Db, passId: number, afterId = 0): FrontierItem[] {
  return (
    statement(
      db,
      "SELECT * FROM crawl_frontier WHERE pass_id = ? AND state = 'queued' AND id > ? ORDER BY id",
    ).all(passId, afterId) as FrontierRow[]
  ).map(toItem);
}

/**
 * Record what became of an item, and the items it discovered, in one transaction. Returns the
 * discovered items that were new to the pass (with their ids).
 */
export function complete(
  db: Db,
  item: FrontierItem,
  outcome: Outcome,
  discovered: NewItem[],
): FrontierItem[] {
  return db.transaction(() => {
    if (outcome.state === 'done' && outcome.snapshot) saveSnapshot(db, item, outcome.snapshot);
    statement(
      db,
      `UPDATE crawl_frontier SET state = ?, reason = ?, message = ?, status = ?, attempts = attempts + 1
       WHERE id = ?`,
    ).run(
      outcome.state,
      outcome.state === 'done' ? null : outcome.reason,
      outcome.state === 'done' ? null : (outcome.message ?? null),
      outcome.state === 'done' ? (outcome.snapshot?.httpStatus ?? null) : (outcome.status ?? null),
      item.id,
    );
    const fresh = enqueue(db, item.passId, discovered);
    if (fresh.length === 0) return [];
    const find = statement(db, 'SELECT * FROM crawl_frontier WHERE pass_id = ? AND kind = ? AND url = ?');
    return fresh.map((added) => toItem(find.get(item.passId, added.kind, added.url) as FrontierRow));
  })();
}

function saveSnapshot(db: Db, item: FrontierItem, input: StoredSnapshotInput): void {
  const { snapshot } = input;
  const key = sha256(snapshot.body);
  statement(db, 'INSERT OR IGNORE INTO crawl_bodies (key, body) VALUES (?, ?)').run(key, snapshot.body);
  statement(
    db,
    `INSERT INTO crawl_snapshots (pass_id, site_id, url, final_url, http_status, status, headers, fetched_at,
       content_type, body_hash, body_key, changed)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
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
  );
  if (snapshot.exchange) saveExchange(db, snapshot, snapshot.exchange);
}

/** The exchange as fetched, compressed: the evidence of a violation is written from it (a WARC). */
function saveExchange(db: Db, snapshot: PageSnapshot, exchange: NonNullable<PageSnapshot['exchange']>): void {
  statement(
    db,
    `INSERT OR REPLACE INTO crawl_raw (url, body_hash, final_url, fetched_at, status, request_headers,
       response_headers, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    snapshot.url,
    snapshot.bodyHash,
    snapshot.finalUrl,
    snapshot.fetchedAt,
    snapshot.status,
    JSON.stringify(exchange.requestHeaders),
    JSON.stringify(snapshot.headers),
    gzipSync(exchange.bytes),
  );
}

interface SnapshotRow {
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

function toSnapshot(row: SnapshotRow): StoredSnapshot {
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

const SNAPSHOT_SELECT = `SELECT s.*, b.body FROM crawl_snapshots s JOIN crawl_bodies b ON b.key = s.body_key`;

/**
 * Every snapshot of a pass, in the order they were taken, one body in memory at a time: the ids
 * are read first and each snapshot when it is asked for, so no statement stays open between two
 * (the caller may write to the store) and 500 pages of 10 MB are never held at once.
 */
export function* snapshotsOf(
  db: Db,
  passId: number,
  options: { siteId?: string } = {},
): Generator<StoredSnapshot> {
  const ids = (
    options.siteId
      ? statement(db, 'SELECT id FROM crawl_snapshots WHERE pass_id = ? AND site_id = ? ORDER BY id')
          .pluck()
          .all(passId, options.siteId)
      : statement(db, 'SELECT id FROM crawl_snapshots WHERE pass_id = ? ORDER BY id').pluck().all(passId)
  ) as number[];
  const one = statement(db, `${SNAPSHOT_SELECT} WHERE s.id = ?`);
  for (const id of ids) {
    const row = one.get(id) as SnapshotRow | undefined;
    if (row) yield toSnapshot(row);
  }
}

/** The newest snapshot of `url` from a pass before `passId`: for conditional requests. */
export function previousSnapshot(db: Db, url: string, passId: number): StoredSnapshot | undefined {
  const row = db
    .prepare(`${SNAPSHOT_SELECT} WHERE s.url = ? AND s.pass_id < ? ORDER BY s.pass_id DESC LIMIT 1`)
    .get(url, passId) as SnapshotRow | undefined;
  return row ? toSnapshot(row) : undefined;
}

export interface PassCounts {
  pagesFetched: number;
  notModified: number;
  skipped: Record<string, number>;
  failed: Record<string, number>;
  queued: number;
}

export function passCounts(db: Db, passId: number): PassCounts {
  const snapshots = db
    .prepare(
      'SELECT SUM(http_status != 304) AS fetched, SUM(http_status = 304) AS unchanged FROM crawl_snapshots WHERE pass_id = ?',
    )
    .get(passId) as { fetched: number | null; unchanged: number | null };
  const counts: PassCounts = {
    pagesFetched: snapshots.fetched ?? 0,
    notModified: snapshots.unchanged ?? 0,
    skipped: {},
    failed: {},
    queued: 0,
  };
  const rows = db
    .prepare(
      'SELECT state, reason, COUNT(*) AS n FROM crawl_frontier WHERE pass_id = ? GROUP BY state, reason',
    )
    .all(passId) as Array<{ state: string; reason: string | null; n: number }>;
  for (const row of rows) {
    if (row.state === 'queued') counts.queued += row.n;
    if (row.state === 'skipped') counts.skipped[row.reason ?? 'unknown'] = row.n;
    if (row.state === 'failed') counts.failed[row.reason ?? 'unknown'] = row.n;
  }
  return counts;
}

/** Each failed item of a pass with its kind: for the log and for reports. */
export function failuresOf(
  db: Db,
  passId: number,
): Array<{ siteId: string; url: string; kind: string; message: string | null; status: number | null }> {
  return db
    .prepare(
      `SELECT site_id AS siteId, url, reason AS kind, message, status FROM crawl_frontier
       WHERE pass_id = ? AND state = 'failed' ORDER BY id`,
    )
    .all(passId) as Array<{
    siteId: string;
    url: string;
    kind: string;
    message: string | null;
    status: number | null;
  }>;
}

export interface CachedRobots {
  fetchedAt: string;
  status: number;
  body: string;
}

export function cachedRobots(db: Db, origin: string): CachedRobots | undefined {
  return db
    .prepare('SELECT fetched_at AS fetchedAt, status, body FROM crawl_robots WHERE origin = ?')
    .get(origin) as CachedRobots | undefined;
}

export function saveRobots(db: Db, origin: string, robots: CachedRobots): void {
  statement(
    db,
    `INSERT INTO crawl_robots (origin, fetched_at, status, body) VALUES (?, ?, ?, ?)
     ON CONFLICT (origin) DO UPDATE SET fetched_at = excluded.fetched_at, status = excluded.status, body = excluded.body`,
  ).run(origin, robots.fetchedAt, robots.status, robots.body);
}

/** Pages of a pass that answered 404 or 410: gone from their site. */
export function goneOf(db: Db, passId: number): Array<{ siteId: string; url: string }> {
  return db
    .prepare(
      `SELECT site_id AS siteId, url FROM crawl_frontier
       WHERE pass_id = ? AND kind = 'page' AND status IN (404, 410) ORDER BY id`,
    )
    .all(passId) as Array<{ siteId: string; url: string }>;
}

/** Whether a page URL was dealt with in a pass (fetched, skipped or failed). */
export function reachedIn(db: Db, passId: number, url: string): boolean {
  return (
    statement(db, "SELECT 1 FROM crawl_frontier WHERE pass_id = ? AND url = ? AND state != 'queued'").get(
      passId,
      url,
    ) !== undefined
  );
}
