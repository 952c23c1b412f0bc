/**
 * Word shingles and winnowing (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for
 * document fingerprinting", the MOSS algorithm). Every run of `k` words (a shingle) gets a 64-bit
 * hash made of two independent 32-bit halves computed with Math.imul (fast, no BigInt on the hot
 * path). In every window of `w = t - k + 1` consecutive shingles the smallest hash is kept (the
 * rightmost on ties), so any run of at least `t` shared words yields at least one shared
 * fingerprint, and no run shorter than `k` words can.
 */
import type { Tokens } from './tokens.ts';

export interface ShingleOptions {
  /** Noise threshold: the shortest shared run of words that can match. */
  k: number;
  /** Guarantee threshold: every shared run of this many words is caught. */
  t: number;
}

export const DEFAULT_SHINGLES: ShingleOptions = { k: 5, t: 12 };

/** Hashes of every shingle: `high[i]`, `low[i]` for the shingle starting at word `i`. */
export interface Shingles {
  high: Int32Array;
  low: Int32Array;
}

export interface Fingerprints {
  high: Int32Array;
  low: Int32Array;
  /** Word index where the fingerprint's shingle starts. */
  positions: Int32Array;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Two independent 32-bit hashes of one word (FNV-1a and a murmur-style multiply-rotate). */
function wordHashes(word: string): [number, number] {
  let a = 0x811c9dc5 | 0;
  let b = 0x9747b28c | 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [fmix(a), fmix(b ^ word.length)];
}

export function shingles(
  tokens: Pick<Tokens, 'words'>,
  options: ShingleOptions = DEFAULT_SHINGLES,
): Shingles {
  const { k } = options;
  const n = tokens.words.length;
  const count = Math.max(0, n - k + 1);
  const wordHigh = new Int32Array(n);
  const wordLow = new Int32Array(n);
  const cache = new Map<string, [number, number]>();
  for (let i = 0; i < n; i++) {
    const word = tokens.words[i]!;
    let pair = cache.get(word);
    if (!pair) {
      pair = wordHashes(word);
      cache.set(word, pair);
    }
    wordHigh[i] = pair[0];
    wordLow[i] = pair[1];
  }
  const high = new Int32Array(count);
  const low = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let h = 0x3c6ef372 | 0;
    let l = 0x1b873593 | 0;
    for (let j = 0; j < k; j++) {
      h = Math.imul(h ^ wordHigh[i + j]!, 0x01000193) + j;
      h = (h << 13) | (h >>> 19);
      l = Math.imul(l ^ wordLow[i + j]!, 0xcc9e2d51);
      l = (l << 15) | (l >>> 17);
    }
    high[i] = fmix(h);
    low[i] = fmix(l ^ h);
  }
  return { high, low };
}

function less(h1: number, l1: number, h2: number, l2: number): boolean {
  return h1 < h2 || (h1 === h2 && l1 < l2);
}

/** Robust winnowing: the minimum of each window, recorded once per position. */
export function winnow(all: Shingles, options: ShingleOptions = DEFAULT_SHINGLES): Fingerprints {
  const w = Math.max(1, options.t - options.k + 1);
  const n = all.high.length;
  const high: number[] = [];
  const low: number[] = [];
  const positions: number[] = [];
  if (n === 0) return { high: new Int32Array(0), low: new Int32Array(0), positions: new Int32Array(0) };
  if (n <= w) {
    // A text shorter than one window still gets its minimum, so short articles are findable.
    let best = 0;
    for (let i = 1; i < n; i++)
      if (!less(all.high[best]!, all.low[best]!, all.high[i]!, all.low[i]!)) best = i;
    return {
      high: Int32Array.of(all.high[best]!),
      low: Int32Array.of(all.low[best]!),
      positions: Int32Array.of(best),
    };
  }
  let last = -1;
  for (let start = 0; start + w <= n; start++) {
    let best: number;
    if (last >= start) {
      // Only the shingle entering the window can replace the current minimum.
      const entering = start + w - 1;
      best =
        less(all.high[entering]!, all.low[entering]!, all.high[last]!, all.low[last]!) ||
        (all.high[entering] === all.high[last] && all.low[entering] === all.low[last])
          ? entering
          : last;
    } else {
      best = start;
      for (let i = start + 1; i < start + w; i++) {
        if (!less(all.high[best]!, all.low[best]!, all.high[i]!, all.low[i]!)) best = i;
      }
    }
    if (best !== last) {
      high.push(all.high[best]!);
      low.push(all.low[best]!);
      positions.push(best);
      last = best;
    }
  }
  return { high: Int32Array.from(high), low: Int32Array.from(low), positions: Int32Array.from(positions) };
}

/** The 64-bit fingerprint as SQLite stores it: one signed integer. */
export function toInt64(high: number, low: number): bigint {
  return (BigInt(high) << 32n) | BigInt(low >>> 0);
}

/** A JavaScript number key (53 bits of the 64) for in-memory sets; collisions are negligible. */
export function key(high: number, low: number): number {
  return (high >>> 0) * 2097152 + (low >>> 11);
}
