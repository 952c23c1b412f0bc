/**
 * The first look at every page of an archive: a Bloom filter over every fingerprint in the index,
 * held in memory (16 bits a fingerprint, about 2 MiB per 10,000 articles) and shareable with
 * worker threads. A page whose winnowed fingerprints hit it fewer times than the fewest a reprint
 * can have is passed over without a query or a parse; the rare page that hits goes to the full
 * identification, which decides with the index itself. A false hit costs one full check, never a
 * false discovery; a miss is impossible (a Bloom filter has no false negatives).
 */

import { textShingles, winnow } from '../match/fingerprint.ts';
import { DEFAULT_MATCH, type MatchOptions } from '../match/identify.ts';
import type { Db } from '../store/db.ts';

const BITS_PER_ENTRY = 16;
const PROBES = 11;

export interface PrefilterData {
  /** The filter's bits (a SharedArrayBuffer when built for threads). */
  bits: Uint32Array;
  entries: number;
}

function probeSlots(high: number, low: number, mask: number, visit: (slot: number) => boolean): boolean {
  // Double hashing over the fingerprint's two independent halves.
  const step = low | 1;
  for (let i = 0; i < PROBES; i++) {
    const slot = (high + Math.imul(i, step)) & mask;
    if (!visit(slot >>> 0)) return false;
  }
  return true;
}

/**
 * Build the filter from the store's fingerprint index. It reads each article's packed
 * fingerprints (one row an article) rather than the inverted index (one row a fingerprint):
 * a hundred times fewer rows out of SQLite.
 */
export function buildPrefilter(db: Db, options: { shared?: boolean } = {}): PrefilterData {
  const rows =
    (db.prepare('SELECT sum(length(fingerprints)) / 12 FROM fingerprinted_articles').pluck().get() as
      | number
      | null) ?? 0;
  let bitCount = 1024;
  while (bitCount < rows * BITS_PER_ENTRY) bitCount *= 2;
  const words = bitCount / 32;
  const buffer = options.shared ? new SharedArrayBuffer(words * 4) : new ArrayBuffer(words * 4);
  const bits = new Uint32Array(buffer);
  const mask = bitCount - 1;
  const set = (slot: number) => {
    bits[slot >>> 5]! |= 1 << (slot & 31);
    return true;
  };
  let entries = 0;
  const blobs = db
    .prepare('SELECT fingerprints FROM fingerprinted_articles')
    .pluck()
    .iterate() as Iterable<Buffer>;
  for (const blob of blobs) {
    // Copied to an aligned buffer: a blob may start at any byte.
    const packed = new Int32Array(new Uint8Array(blob).buffer);
    for (let i = 0; i < packed.length; i += 3) {
      probeSlots(packed[i]!, packed[i + 1]!, mask, set);
      entries++;
    }
  }
  return { bits, entries };
}

export class Prefilter {
  private readonly mask: number;
  /** The fewest shared winnowed fingerprints a reprint can have (as `identify` counts them). */
  readonly floor: number;

  constructor(
    private readonly data: PrefilterData,
    readonly options: MatchOptions = DEFAULT_MATCH,
  ) {
    this.mask = data.bits.length * 32 - 1;
    const window = options.shingles.t - options.shingles.k + 1;
    this.floor = Math.max(1, Math.floor((options.minWords - options.shingles.k + 1) / window));
  }

  has(high: number, low: number): boolean {
    const bits = this.data.bits;
    return probeSlots(high, low, this.mask, (slot) => (bits[slot >>> 5]! & (1 << (slot & 31))) !== 0);
  }

  /** Whether a text may reprint a stored article: enough of its fingerprints are in the index. */
  mayReprint(text: string): boolean {
    const all = textShingles(text, this.options.shingles);
    if (all.words < this.options.minWords) return false;
    const prints = winnow(all, this.options.shingles);
    let hits = 0;
    let lastHigh = 0;
    let lastLow = 0;
    for (let i = 0; i < prints.high.length; i++) {
      const high = prints.high[i]!;
      const low = prints.low[i]!;
      // An immediate repeat counts once; a repeat further on counts again, which can only let
      // more pages through to the full check, never fewer.
      if (i > 0 && high === lastHigh && low === lastLow) continue;
      lastHigh = high;
      lastLow = low;
      if (this.has(high, low) && ++hits >= this.floor) return true;
    }
    return false;
  }
}
