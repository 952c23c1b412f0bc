import { randomUUID } from 'node:crypto';
import type { SitesFile } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import { userAgentOf } from '../crawl/settings.ts';
import { isUrl, localArchive } from '../discover/archive.ts';
import { discoverFiles, type FileJob, type FileOutcome, jobKey } from '../discover/pool.ts';
import { loadPrefilter } from '../discover/prefilter.ts';
import { beginFile } from '../discover/store.ts';
import { SyndicateError } from '../errors.ts';
import type { FetchSettings } from '../net/http.ts';
import type { Sql } from '../store/sql.ts';
import { type JobQueue, QUEUES, type QueueProgress, RENEWED_JOB_SECONDS } from './queue.ts';

/**
 * Both ends of a discover job on a PostgreSQL store: a `discover` run puts one job per archive
 * file on the queue and waits (`discoverOnQueue`); a worker reads the file (`discoverFileJob`).
 * A file, not a record, is the unit: its progress is one row in the store (`discover_files`), so
 * a job that stops (a worker killed, its lease run out) is taken up by the next try at the file's
 * last record boundary, and the files of a crawl (tens of thousands) keep any number of workers
 * busy.
 */
export interface DiscoverJob {
  /** Which `discover` run put the job there. */
  batch: string;
  /** A URL, or a path every worker can read (made absolute by the sender). */
  file: FileJob;
  minCoverage: number;
  /** The sender's `--allow-private-networks`; the rest of the fetching rules are each worker's `rules/`. */
  allowPrivateNetworks?: boolean;
}

/** The fetching rules of `sites.yaml` (user agent, time limits, `resolve`), and the network policy. */
export function discoverFetchSettings(
  registry: SitesFile | undefined,
  allowPrivateNetworks: boolean | undefined,
): FetchSettings {
  const settings: FetchSettings = {
    allowPrivateNetworks: allowPrivateNetworks ?? registry?.crawler.allowPrivateNetworks ?? false,
  };
  if (registry) {
    settings.userAgent = userAgentOf(registry.crawler);
    if (registry.crawler.resolve) settings.resolve = registry.crawler.resolve;
    settings.headersTimeoutMs = registry.crawler.headersTimeoutMs;
    settings.bodyTimeoutMs = registry.crawler.bodyTimeoutMs;
  }
  return settings;
}

/** What a worker needs for discover jobs besides the job: its store and its `rules/`. */
export interface DiscoverWorkerContext {
  sql: Sql;
  /** The store URL, as `--store` gave it. */
  store: string;
  terms: Terms;
  registry: SitesFile | undefined;
}

/**
 * One discover job: the file read from where the store says it stopped, its discoveries and
 * progress written as it goes (the same code as a run in one process), on a worker thread of its
 * own: a worker process's job lanes share its main thread, so each file's reading goes to a thread
 * and the lanes use as many cores. A file that cannot be read fails the job with the reason; the worker
 * stopping leaves it resumable.
 */
export async function discoverFileJob(
  context: DiscoverWorkerContext,
  job: DiscoverJob,
  signal: AbortSignal,
): Promise<FileOutcome> {
  const [outcome] = await discoverFiles(context.sql, [job.file], {
    store: context.store,
    terms: context.terms,
    sites: context.registry?.sites ?? [],
    minCoverage: job.minCoverage,
    threads: 1,
    offMainThread: true,
    fetch: discoverFetchSettings(context.registry, job.allowPrivateNetworks),
    signal,
  });
  if (!outcome) throw new SyndicateError('input', 'the discover job named no file');
  if (outcome.error !== undefined) throw new SyndicateError('input', outcome.error, { file: outcome.source });
  return outcome;
}

export interface QueuedDiscover {
  /** Per file, in the order given: what its job returned, or the error it failed with for good. */
  outcomes: FileOutcome[];
  /** Files whose job was neither done nor failed when the waiting stopped (a signal). */
  unfinished: number;
}

/**
 * The files of a `discover` run put on the queue, one job each, and waited for. Files an earlier
 * run finished get no job (unless `again`: then their progress and discoveries are cleared here,
 * once, so that a job that is retried resumes rather than starts over), and a file whose job an
 * earlier run left on the queue is waited for, not queued twice. The index's prefilter is brought
 * up to date here, so that every worker reads the stored one instead of each building it.
 * Stopping the waiting (the signal) leaves the jobs queued: the workers go on, and running the
 * same command again waits for the files still unfinished. The queue is opened only when a file
 * needs a worker.
 */
export async function discoverOnQueue(
  sql: Sql,
  openQueue: () => Promise<JobQueue>,
  files: readonly FileJob[],
  options: {
    minCoverage: number;
    again: boolean;
    allowPrivateNetworks?: boolean;
    signal?: AbortSignal;
    onProgress?: (progress: QueueProgress) => void;
    now?: () => Date;
  },
): Promise<QueuedDiscover> {
  const now = options.now ?? (() => new Date());
  const outcomes: FileOutcome[] = [];
  const unfinished: Array<{ index: number; key: string; file: FileJob }> = [];
  for (const file of files) {
    const key = jobKey(file);
    const source = isUrl(file.location) ? file.location : localArchive(file.location).name;
    const state = await beginFile(sql, key, now(), options.again);
    outcomes.push({ key, source, skipped: state.status === 'done' });
    if (state.status !== 'done') unfinished.push({ index: outcomes.length - 1, key, file });
  }
  if (unfinished.length === 0) return { outcomes, unfinished: 0 };
  await loadPrefilter(sql);
  const queue = await openQueue();
  try {
    const batch = randomUUID();
    const ids: string[] = [];
    for (const item of unfinished) {
      const waiting = await queue.unfinishedJob(QUEUES.discover, item.key);
      if (waiting) {
        ids.push(waiting);
        continue;
      }
      const data: DiscoverJob = {
        batch,
        file: item.file,
        minCoverage: options.minCoverage,
        ...(options.allowPrivateNetworks !== undefined
          ? { allowPrivateNetworks: options.allowPrivateNetworks }
          : {}),
      };
      // Keyed by the file: one worker at a time reads it, whoever queued it.
      // Queued with the longest lease, whatever the queue was made with: the worker renews a shorter one.
      const id = await queue.boss.send(QUEUES.discover, data, {
        singletonKey: item.key,
        expireInSeconds: RENEWED_JOB_SECONDS,
      });
      if (!id) throw new SyndicateError('store', `the job queue refused the job of ${item.key}`);
      ids.push(id);
    }
    const statuses = await queue.waitFor(QUEUES.discover, ids, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    let left = 0;
    statuses.forEach((status, at) => {
      const outcome = outcomes[unfinished[at]!.index]!;
      if (status.state === 'completed') Object.assign(outcome, status.output as FileOutcome);
      else if (status.state === 'failed' || status.state === 'cancelled')
        outcome.error = (status.output as { message?: string } | null)?.message ?? `the job ${status.state}`;
      else {
        outcome.queued = true;
        left++;
      }
    });
    return { outcomes, unfinished: left };
  } finally {
    await queue.stop();
  }
}
