/**
 * A discover thread: it streams the files it is given and sends back each step (discoveries and
 * the offset to resume at); the parent thread writes them. It reads the store (the index, the
 * articles) through its own connection (read-only for SQLite) and the shared prefilter.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Site } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import type { FetchSettings } from '../net/http.ts';
import { openReader, runJob, type WorkerJobMessage, type WorkerReply } from './pool.ts';
import type { PrefilterData } from './prefilter.ts';

const data = workerData as {
  store: string;
  terms: Terms;
  sites: Site[];
  prefilter: PrefilterData;
  minCoverage: number;
  maxPayloadBytes?: number;
  fetch?: FetchSettings;
};
const opened = openReader(data.store);
// A store that cannot be opened fails each job with its message, not the thread.
opened.catch(() => {});
const controller = new AbortController();
const reply = (message: WorkerReply) => parentPort?.postMessage(message);

parentPort?.on('message', (message: WorkerJobMessage | { stop: true }) => {
  if ('stop' in message) {
    controller.abort();
    return;
  }
  opened
    .then((sql) =>
      runJob(
        message.job,
        message.start,
        {
          sql,
          terms: data.terms,
          sites: data.sites,
          prefilter: data.prefilter,
          minCoverage: data.minCoverage,
        },
        {
          ...(data.maxPayloadBytes !== undefined ? { maxPayloadBytes: data.maxPayloadBytes } : {}),
          ...(data.fetch ? { fetch: data.fetch } : {}),
          signal: controller.signal,
        },
        (progress) => reply({ type: 'progress', progress }),
      ),
    )
    .then(
      (counts) => reply({ type: 'done', counts }),
      (error: unknown) => reply({ type: 'error', message: (error as Error).message }),
    );
});
