/**
 * A discover run over many files. Each file is one job; they spread over worker threads in this
 * process (one file a thread, every core busy), each thread reading the store (SQLite or
 * PostgreSQL) through its own connection, and this thread alone writes what they send back. The
 * prefilter is built once and shared with every thread (no copy). Files a previous run finished
 * are skipped; an unfinished one resumes at its last record boundary.
 */

import { matchOptions } from '../check/check-snapshot.ts';
import type { Site } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import { defaultThreads, startWorker } from '../match/_worker.ts';
import { crawlerFetcher, type Fetcher, type FetchSettings } from '../net/http.ts';
import { openSql } from '../store/db.ts';
import type { Sql } from '../store/sql.ts';
import { type ArchiveInput, isUrl, localArchive, remoteArchive } from './archive.ts';
import { loadPrefilter, Prefilter, type PrefilterData } from './prefilter.ts';
import { type FileCounts, runFile } from './run-file.ts';
import { beginFile, type Progress, saveProgress } from './store.ts';

/** One job: a whole file, or one byte range of it (a CDX hit). */
export interface FileJob {
  /** Path or URL. */
  location: string;
  start?: number;
  end?: number;
}

export interface DiscoverSettings {
  /** The store as `--store` names it (a file, or a PostgreSQL URL with its password): threads open it. */
  store: string;
  terms: Terms;
  sites: readonly Site[];
  minCoverage: number;
  threads?: number;
  /**
   * Read even a single file on a worker thread, not this one: a `syndicate worker` process works
   * several jobs at once, and on its one main thread they would share one core.
   */
  offMainThread?: boolean;
  again?: boolean;
  maxPayloadBytes?: number;
  fetch?: FetchSettings;
  signal?: AbortSignal;
  /** Told of every step once it is saved (records read and reprints found since the last step). */
  onProgress?: (step: Progress) => void;
}

export interface FileOutcome {
  key: string;
  source: string;
  skipped: boolean;
  counts?: FileCounts;
  error?: string;
  /** On the queue still, being read or waiting for a worker, when the run stopped waiting. */
  queued?: boolean;
}

export function jobKey(job: FileJob): string {
  const name = isUrl(job.location) ? job.location : localArchive(job.location).name;
  return job.start !== undefined ? `${name}#${job.start}-${job.end ?? ''}` : name;
}

export function openInput(job: FileJob, fetcher: () => Fetcher, signal?: AbortSignal): ArchiveInput {
  return isUrl(job.location)
    ? remoteArchive(job.location, fetcher(), { signal })
    : localArchive(job.location);
}

/** The work of one job on whatever thread runs it. */
export async function runJob(
  job: FileJob,
  start: number,
  context: { sql: Sql; terms: Terms; sites: readonly Site[]; prefilter: PrefilterData; minCoverage: number },
  settings: { maxPayloadBytes?: number; fetch?: FetchSettings; signal?: AbortSignal },
  onProgress: (progress: Progress) => void | Promise<void>,
): Promise<FileCounts> {
  let fetcher: Fetcher | undefined;
  const input = openInput(job, () => (fetcher ??= crawlerFetcher(settings.fetch)), settings.signal);
  try {
    return await runFile(
      input,
      {
        sql: context.sql,
        terms: context.terms,
        sites: context.sites,
        prefilter: new Prefilter(context.prefilter, matchOptions(context.terms)),
        minCoverage: context.minCoverage,
      },
      {
        key: jobKey(job),
        start,
        ...(job.end !== undefined ? { end: job.end } : {}),
        ...(settings.maxPayloadBytes !== undefined ? { maxPayloadBytes: settings.maxPayloadBytes } : {}),
        signal: settings.signal,
        onProgress,
      },
    );
  } finally {
    await fetcher?.close();
  }
}

export interface WorkerJobMessage {
  job: FileJob;
  start: number;
}

export type WorkerReply =
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; counts: FileCounts }
  | { type: 'error'; message: string };

export async function discoverFiles(
  sql: Sql,
  jobs: readonly FileJob[],
  settings: DiscoverSettings,
): Promise<FileOutcome[]> {
  const now = () => new Date();
  const outcomes: FileOutcome[] = [];
  const queue: Array<{ job: FileJob; key: string; start: number; outcome: FileOutcome }> = [];
  for (const job of jobs) {
    const key = jobKey(job);
    const state = await beginFile(sql, key, now(), settings.again);
    const outcome: FileOutcome = {
      key,
      source: isUrl(job.location) ? job.location : localArchive(job.location).name,
      skipped: state.status === 'done',
    };
    outcomes.push(outcome);
    if (state.status === 'done') continue;
    const start = state.resumeOffset > 0 ? state.resumeOffset : (job.start ?? 0);
    queue.push({ job, key, start, outcome });
  }
  if (queue.length === 0) return outcomes;
  const threads = Math.max(1, Math.min(settings.threads ?? defaultThreads(), queue.length));
  const onThreads = threads > 1 || settings.offMainThread === true;
  const prefilter = (await loadPrefilter(sql, { shared: onThreads })).data;
  // Steps are saved one at a time, in the order the threads send them.
  let saving = Promise.resolve();
  const save = (progress: Progress) => {
    saving = saving.then(async () => {
      await saveProgress(sql, progress, now());
      settings.onProgress?.(progress);
    });
    return saving;
  };

  if (!onThreads) {
    for (const item of queue) {
      if (settings.signal?.aborted) break;
      try {
        item.outcome.counts = await runJob(
          item.job,
          item.start,
          { sql, terms: settings.terms, sites: settings.sites, prefilter, minCoverage: settings.minCoverage },
          settings,
          save,
        );
      } catch (error) {
        item.outcome.error = (error as Error).message;
      }
    }
    return outcomes;
  }

  const next = () => queue.shift();
  const lanes = Array.from({ length: threads }, async () => {
    const worker = startWorker(new URL('./worker.ts', import.meta.url), {
      store: settings.store,
      terms: settings.terms,
      sites: settings.sites,
      prefilter,
      minCoverage: settings.minCoverage,
      maxPayloadBytes: settings.maxPayloadBytes,
      fetch: settings.fetch,
    });
    const stop = () => worker.postMessage({ stop: true });
    settings.signal?.addEventListener('abort', stop, { once: true });
    try {
      for (let item = next(); item && !settings.signal?.aborted; item = next()) {
        const current = item;
        await new Promise<void>((resolve) => {
          const onMessage = (reply: WorkerReply) => {
            if (reply.type === 'progress') save(reply.progress);
            else {
              if (reply.type === 'done') current.outcome.counts = reply.counts;
              else current.outcome.error = reply.message;
              worker.off('message', onMessage);
              worker.off('error', onError);
              // The file's last step is stored before the next file starts.
              saving.then(resolve, resolve);
            }
          };
          const onError = (error: Error) => {
            current.outcome.error = error.message;
            worker.off('message', onMessage);
            resolve();
          };
          worker.on('message', onMessage);
          worker.once('error', onError);
          worker.postMessage({ job: current.job, start: current.start } satisfies WorkerJobMessage);
        });
      }
    } finally {
      settings.signal?.removeEventListener('abort', stop);
      await worker.terminate();
    }
  });
  await Promise.all(lanes);
  await saving;
  return outcomes;
}

/**
 * For workers: the store opened for reading (a SQLite file read-only; a PostgreSQL database
 * with a small pool, its schema left to the parent).
 */
export function openReader(store: string): Promise<Sql> {
  return openSql(store, { readonly: true });
}
