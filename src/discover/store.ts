/**
 * Discoveries and per-file progress in the store. A file's discoveries and its resume offset are
 * written in one transaction, so a run stopped at any moment resumes at a record boundary with
 * nothing lost and nothing twice.
 */
import type { Sql } from '../store/sql.ts';
import type { Discovery } from './judge.ts';
import type { ArchiveDamage } from './records.ts';
import type { HostCounts } from './summary.ts';

export interface FileState {
  source: string;
  status: 'running' | 'done';
  resumeOffset: number;
  records: number;
  pages: number;
  bytes: number;
  damaged: ArchiveDamage[];
  startedAt: string;
  finishedAt?: string;
}

interface FileRow {
  source: string;
  status: 'running' | 'done';
  resume_offset: number;
  records: number;
  pages: number;
  bytes: number;
  damaged: string;
  started_at: string;
  finished_at: string | null;
}

function toState(row: FileRow): FileState {
  const state: FileState = {
    source: row.source,
    status: row.status,
    resumeOffset: row.resume_offset,
    records: row.records,
    pages: row.pages,
    bytes: row.bytes,
    damaged: JSON.parse(row.damaged) as ArchiveDamage[],
    startedAt: row.started_at,
  };
  if (row.finished_at) state.finishedAt = row.finished_at;
  return state;
}

export async function fileState(sql: Sql, source: string): Promise<FileState | undefined> {
  const row = await sql.get<FileRow>(
    `SELECT source, status, resume_offset, records, pages, bytes, damaged, started_at, finished_at
     FROM discover_files WHERE source = ?`,
    [source],
  );
  return row ? toState(row) : undefined;
}

/** Start (or restart from scratch, when `again`) a file; returns where reading begins. */
export async function beginFile(sql: Sql, source: string, now: Date, again = false): Promise<FileState> {
  const existing = await fileState(sql, source);
  if (existing && !again) return existing;
  await sql.tx(async () => {
    await sql.run('DELETE FROM discoveries WHERE source = ?', [source]);
    await sql.run(
      `INSERT INTO discover_files (source, status, resume_offset, started_at) VALUES (?, 'running', 0, ?)
       ON CONFLICT (source) DO UPDATE SET status = 'running', resume_offset = 0, records = 0, pages = 0,
         bytes = 0, damaged = '[]', started_at = excluded.started_at, finished_at = NULL`,
      [source, now.toISOString()],
    );
  });
  return (await fileState(sql, source))!;
}

export interface Progress {
  source: string;
  /** The record boundary after the last record handled. */
  resumeOffset: number;
  records: number;
  pages: number;
  discoveries: Discovery[];
  damaged: ArchiveDamage[];
  done: boolean;
}

/** Record a step of a file: its discoveries and how far it got, in one transaction. */
export async function saveProgress(sql: Sql, progress: Progress, now: Date): Promise<void> {
  const insert = `INSERT INTO discoveries (source, record_offset, record_length, record_type, page_url, host, captured_at,
       page_title, article_id, coverage, kind, verdict, violations, found_at)
     VALUES (@source, @recordOffset, @recordLength, @recordType, @pageUrl, @host, @capturedAt, @pageTitle,
       @articleId, @coverage, @kind, @verdict, @violations, @foundAt)
     ON CONFLICT (source, record_offset, article_id) DO UPDATE SET coverage = excluded.coverage,
       kind = excluded.kind, verdict = excluded.verdict, violations = excluded.violations`;
  await sql.tx(async () => {
    for (const discovery of progress.discoveries) {
      await sql.run(insert, {
        source: discovery.source,
        recordOffset: discovery.recordOffset,
        recordLength: discovery.recordLength,
        recordType: discovery.recordType,
        pageUrl: discovery.pageUrl,
        host: discovery.host,
        capturedAt: discovery.capturedAt ?? null,
        pageTitle: discovery.pageTitle ?? null,
        articleId: discovery.article.id,
        coverage: discovery.coverage,
        kind: discovery.kind,
        verdict: discovery.verdict,
        violations: JSON.stringify(discovery.violations),
        foundAt: now.toISOString(),
      });
    }
    const current = await fileState(sql, progress.source);
    const damaged = [...(current?.damaged ?? []), ...progress.damaged];
    await sql.run(
      `UPDATE discover_files SET resume_offset = ?, records = records + ?, pages = pages + ?,
         bytes = ?, damaged = ?, status = ?, finished_at = ? WHERE source = ?`,
      [
        progress.resumeOffset,
        progress.records,
        progress.pages,
        progress.resumeOffset,
        JSON.stringify(damaged),
        progress.done ? 'done' : 'running',
        progress.done ? now.toISOString() : null,
        progress.source,
      ],
    );
  });
}

export interface StoredDiscovery extends Discovery {
  id: number;
  foundAt: string;
  checkedAt?: string;
}

interface DiscoveryRow {
  id: number;
  source: string;
  record_offset: number;
  record_length: number;
  record_type: 'response' | 'conversion';
  page_url: string;
  host: string;
  captured_at: string | null;
  page_title: string | null;
  article_id: string;
  article_url: string;
  article_title: string;
  coverage: number;
  kind: 'full' | 'excerpt';
  verdict: string;
  violations: string;
  checked_at: string | null;
  found_at: string;
}

function toDiscovery(row: DiscoveryRow): StoredDiscovery {
  const discovery: StoredDiscovery = {
    id: row.id,
    source: row.source,
    recordOffset: row.record_offset,
    recordLength: row.record_length,
    recordType: row.record_type,
    pageUrl: row.page_url,
    host: row.host,
    article: { id: row.article_id, url: row.article_url, title: row.article_title },
    coverage: row.coverage,
    kind: row.kind,
    verdict: row.verdict,
    violations: JSON.parse(row.violations) as Discovery['violations'],
    foundAt: row.found_at,
  };
  if (row.captured_at) discovery.capturedAt = row.captured_at;
  if (row.page_title) discovery.pageTitle = row.page_title;
  if (row.checked_at) discovery.checkedAt = row.checked_at;
  return discovery;
}

/** A discovery's columns, with its article's URL and title (`a`). */
const DISCOVERY_COLUMNS = `d.id, d.source, d.record_offset, d.record_length, d.record_type, d.page_url, d.host,
  d.captured_at, d.page_title, d.article_id, d.coverage, d.kind, d.verdict, d.violations,
  d.checked_at, d.found_at, a.url AS article_url, a.title AS article_title`;

/** The order discoveries are listed in: file and record order. */
const DISCOVERY_ORDER = 'd.source, d.record_offset, d.coverage DESC, d.id';

/** Discoveries, all or those of the given files, in file and record order. */
export async function listDiscoveries(sql: Sql, sources?: readonly string[]): Promise<StoredDiscovery[]> {
  const rows = await sql.all<DiscoveryRow>(
    `SELECT ${DISCOVERY_COLUMNS} FROM discoveries d JOIN articles a ON a.id = d.article_id
     ORDER BY ${DISCOVERY_ORDER}`,
  );
  const wanted = sources ? new Set(sources) : undefined;
  return rows.filter((row) => !wanted || wanted.has(row.source)).map(toDiscovery);
}

/**
 * Every host's discoveries counted, as `summariseBySite` counts them, without reading the
 * discoveries themselves: the review pages page over the sites.
 */
export async function discoveryCountsByHost(sql: Sql): Promise<HostCounts[]> {
  const rows = await sql.all<Record<keyof HostCounts, string | number>>(
    `SELECT host, min(page_url) AS "pageUrl", count(DISTINCT page_url) AS pages,
       count(DISTINCT article_id) AS articles,
       sum(CASE WHEN kind = 'full' THEN 1 ELSE 0 END) AS "full",
       sum(CASE WHEN kind = 'excerpt' THEN 1 ELSE 0 END) AS excerpts,
       sum(CASE WHEN verdict = 'violation' THEN 1 ELSE 0 END) AS violations,
       sum(CASE WHEN verdict = 'unchecked' THEN 1 ELSE 0 END) AS unchecked
     FROM discoveries GROUP BY host`,
  );
  // PostgreSQL's counts and sums are BIGINT and NUMERIC, read as text.
  return rows.map((row) => ({
    host: String(row.host),
    pageUrl: String(row.pageUrl),
    pages: Number(row.pages),
    articles: Number(row.articles),
    full: Number(row.full),
    excerpts: Number(row.excerpts),
    violations: Number(row.violations),
    unchecked: Number(row.unchecked),
  }));
}

/**
 * The discoveries of the given hosts, each host's from its `from`th (0 first) and at most `count`,
 * in file and record order, host by host.
 */
export async function discoveriesOfHosts(
  sql: Sql,
  hosts: readonly string[],
  from: number,
  count: number,
): Promise<StoredDiscovery[]> {
  if (hosts.length === 0) return [];
  const rows = await sql.all<DiscoveryRow>(
    `SELECT * FROM (
       SELECT ${DISCOVERY_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY d.host ORDER BY ${DISCOVERY_ORDER}) AS place
       FROM discoveries d JOIN articles a ON a.id = d.article_id
       WHERE d.host IN ${sql.dialect.jsonValues('?')}
     ) AS ranked WHERE place > ? AND place <= ? ORDER BY host, place`,
    [JSON.stringify(hosts), from, from + count],
  );
  return rows.map(toDiscovery);
}

/** The first pages (in file and record order) of each of the given hosts, at most `count` each. */
export async function examplePages(
  sql: Sql,
  hosts: readonly string[],
  count: number,
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(hosts.map((host) => [host, []]));
  if (hosts.length === 0) return found;
  const rows = await sql.all<{ host: string; page_url: string }>(
    `SELECT host, page_url FROM (
       SELECT host, page_url,
         ROW_NUMBER() OVER (PARTITION BY host ORDER BY min(source), min(record_offset), page_url) AS place
       FROM discoveries WHERE host IN ${sql.dialect.jsonValues('?')} GROUP BY host, page_url
     ) AS firsts WHERE place <= ? ORDER BY host, place`,
    [JSON.stringify(hosts), count],
  );
  for (const row of rows) found.get(row.host)?.push(row.page_url);
  return found;
}

/** Store the live check of a discovery (`discover --check`). */
export async function saveCheck(
  sql: Sql,
  id: number,
  verdict: string,
  violations: Discovery['violations'],
  now: Date,
): Promise<void> {
  await sql.run('UPDATE discoveries SET verdict = ?, violations = ?, checked_at = ? WHERE id = ?', [
    verdict,
    JSON.stringify(violations),
    now.toISOString(),
    id,
  ]);
}
