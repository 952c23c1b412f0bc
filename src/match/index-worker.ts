/**
 * A thread of an index build: it turns article records (stored JSON) into fingerprints and sends
 * them back; the parent thread alone writes to the store. Messages: `{ batch, rows }` in,
 * `{ batch, words, blobs, rows }` out (rows sorted here, off the writing thread), with the fingerprint buffers transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Article } from '../store/article.ts';
import type { ShingleOptions } from './fingerprint.ts';
import { articlePrints, sortRows } from './fingerprint-index.ts';
import type { IndexWorkerReply, IndexWorkerRequest } from './index-messages.ts';

const options = (workerData as { shingles: ShingleOptions }).shingles;
parentPort?.on('message', (request: IndexWorkerRequest) => {
  const words: number[] = [];
  const blobs: Uint8Array[] = [];
  for (const record of request.records) {
    const prints = articlePrints(JSON.parse(record) as Article, options);
    words.push(prints.words);
    // A copy of exactly the fingerprint bytes: it is transferred, and Buffers may share a pool.
    blobs.push(new Uint8Array(prints.blob));
  }
  const rows = sortRows(blobs);
  const reply: IndexWorkerReply = { batch: request.batch, words, blobs, rows };
  parentPort?.postMessage(reply, [
    ...blobs.map((blob) => blob.buffer as ArrayBuffer),
    rows.high.buffer as ArrayBuffer,
    rows.low.buffer as ArrayBuffer,
    rows.item.buffer as ArrayBuffer,
  ]);
});
