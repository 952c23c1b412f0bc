/**
 * A thread of an index build: it turns article records (stored JSON) into fingerprints and sends
 * them back; the parent thread alone sorts and writes them to the store (in chunks far larger than
 * a batch). Messages: `{ batch, records }` in, `{ batch, words, blobs }` out, with the fingerprint
 * buffers transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Article } from '../store/article.ts';
import type { ShingleOptions } from './fingerprint.ts';
import { articlePrints } from './fingerprint-index.ts';
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
  const reply: IndexWorkerReply = { batch: request.batch, words, blobs };
  parentPort?.postMessage(
    reply,
    blobs.map((blob) => blob.buffer as ArrayBuffer),
  );
});
