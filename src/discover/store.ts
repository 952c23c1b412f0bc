/**
 * Discoveries and per-file progress in the store. A file's discoveries and its resume offset are
 * written in one transaction, so a run stopped at any moment resumes at a record boundary with
 * nothing lost and nothing twice.
 */
import type { Sql } from '../store/sql.ts';
import type { Discovery } from './judge.ts';
import type { ArchiveDamage } from './records.ts';

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

/** Discoveries, all or those of the given files, in file and record order. */
export async function listDiscoveries(sql: Sql, sources?: readonly string[]): Promise<StoredDiscovery[]> {
  const rows = await sql.all<DiscoveryRow>(
    `SELECT d.id, d.source, d.record_offset, d.record_length, d.record_type, d.page_url, d.host,
       d.captured_at, d.page_title, d.article_id, d.coverage, d.kind, d.verdict, d.violations,
       d.checked_at, d.found_at, a.url AS article_url, a.title AS article_title
     FROM discoveries d JOIN articles a ON a.id = d.article_id
     ORDER BY d.source, d.record_offset, d.coverage DESC, d.id`,
  );
  const wanted = sources ? new Set(sources) : undefined;
  return rows.filter((row) => !wanted || wanted.has(row.source)).map(toDiscovery);
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
