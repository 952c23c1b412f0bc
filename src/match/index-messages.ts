/**
 * The messages between an index build and its worker threads (`index-worker.ts`). They live apart
 * from both ends, so that the builder and the worker it starts do not import each other.
 */

export interface IndexWorkerRequest {
  batch: number;
  records: string[];
}

export interface IndexWorkerReply {
  batch: number;
  words: number[];
  blobs: Uint8Array[];
}
