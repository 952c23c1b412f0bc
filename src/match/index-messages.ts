/**
 * The messages between an index build and its worker threads (`index-worker.ts`). They live apart
 * from both ends, so that the builder and the worker it starts do not import each other.
 */

/** Inverted-index rows of a batch of articles, in fingerprint order; `item` is the article's place. */
export interface SortedRows {
  high: Int32Array;
  low: Int32Array;
  item: Int32Array;
}

export interface IndexWorkerRequest {
  batch: number;
  records: string[];
}

export interface IndexWorkerReply {
  batch: number;
  words: number[];
  blobs: Uint8Array[];
  /** The batch's index rows in the order they are written. */
  rows: SortedRows;
}
