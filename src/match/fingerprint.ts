/**
 * Word shingles and winnowing (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for
 * document fingerprinting", the MOSS algorithm). Every run of `k` words (a shingle) gets a 64-bit
 * hash made of two independent 32-bit halves computed with Math.imul (fast, no BigInt on the hot
 * path). In every window of `w = t - k + 1` consecutive shingles the smallest hash is kept (the
 * rightmost on ties), so any run of at least `t` shared words yields at least one shared
 * fingerprint, and no run shorter than `k` words can.
 */
import { normaliseWord, type Tokens } from './tokens.ts';

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
  const n = tokens.words.length;
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
  return shinglesOfWords(wordHigh, wordLow, n, options.k);
}

function shinglesOfWords(wordHigh: Int32Array, wordLow: Int32Array, n: number, k: number): Shingles {
  const count = Math.max(0, n - k + 1);
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

/** Whether each code point is a word character (`\p{L}`, `\p{M}`, `\p{N}`): 0 unknown, 1 yes, 2 no. */
const wordClass = new Uint8Array(0x110000);
const WORD_CHARACTER = /^[\p{L}\p{M}\p{N}]$/u;
function isWordCodePoint(code: number): boolean {
  if (code < 0x80) {
    return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39);
  }
  let known = wordClass[code]!;
  if (known === 0) {
    known = WORD_CHARACTER.test(String.fromCodePoint(code)) ? 1 : 2;
    wordClass[code] = known;
  }
  return known === 1;
}

export interface TextShingles extends Shingles {
  /** Words in the text, as `tokenise` counts them. */
  words: number;
}

/**
 * The shingle hashes of a text without building its tokens: the same words as `tokenise` finds
 * (the same pattern, scanned by hand) and the same hashes as `shingles(tokenise(text))`, several
 * times faster because ASCII words (nearly all of them in most languages' markup and prose) are
 * folded and hashed as they are read. Index builds and archive scans run through here.
 */
export function textShingles(text: string, options: ShingleOptions = DEFAULT_SHINGLES): TextShingles {
  let capacity = Math.max(16, text.length >>> 3);
  let wordHigh = new Int32Array(capacity);
  let wordLow = new Int32Array(capacity);
  let n = 0;
  const cache = new Map<string, [number, number]>();
  const length = text.length;
  let i = 0;
  while (i < length) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) code = text.codePointAt(i)!;
    if (!isWordCodePoint(code)) {
      i += code > 0xffff ? 2 : 1;
      continue;
    }
    // A word starts here; hash it as ASCII while it stays ASCII.
    const start = i;
    let ascii = true;
    let a = 0x811c9dc5 | 0;
    let b = 0x9747b28c | 0;
    let folded = 0;
    for (;;) {
      if (code < 0x80) {
        const lower = code >= 0x41 && code <= 0x5a ? code + 32 : code;
        a = Math.imul(a ^ lower, 0x01000193);
        b = Math.imul(b ^ lower, 0x5bd1e995);
        b ^= b >>> 15;
        folded++;
      } else ascii = false;
      i += code > 0xffff ? 2 : 1;
      if (i >= length) break;
      let next = text.charCodeAt(i);
      if (next >= 0xd800 && next <= 0xdbff) next = text.codePointAt(i)!;
      if (isWordCodePoint(next)) {
        code = next;
        continue;
      }
      // An apostrophe joins two runs of word characters ("don't"), and is dropped from the word.
      if ((next === 0x27 || next === 0x2019) && i + 1 < length) {
        let after = text.charCodeAt(i + 1);
        if (after >= 0xd800 && after <= 0xdbff) after = text.codePointAt(i + 1)!;
        if (isWordCodePoint(after)) {
          i++;
          code = after;
          continue;
        }
      }
      break;
    }
    let high: number;
    let low: number;
    if (ascii) {
      high = fmix(a);
      low = fmix(b ^ folded);
    } else {
      const word = normaliseWord(text.slice(start, i));
      let pair = cache.get(word);
      if (!pair) {
        pair = wordHashes(word);
        cache.set(word, pair);
      }
      high = pair[0];
      low = pair[1];
    }
    if (n === capacity) {
      capacity *= 2;
      const grownHigh = new Int32Array(capacity);
      grownHigh.set(wordHigh);
      wordHigh = grownHigh;
      const grownLow = new Int32Array(capacity);
      grownLow.set(wordLow);
      wordLow = grownLow;
    }
    wordHigh[n] = high;
    wordLow[n] = low;
    n++;
  }
  return { ...shinglesOfWords(wordHigh, wordLow, n, options.k), words: n };
}

function less(h1: number, l1: number, h2: number, l2: number): boolean {
  return h1 < h2 || (h1 === h2 && l1 < l2);
}

/**
 * Robust winnowing: the minimum of each window, recorded once per position. Written over typed
 * arrays with the comparison inline: the index build winnows every article, and this loop was
 * as costly as hashing the words.
 */
export function winnow(all: Shingles, options: ShingleOptions = DEFAULT_SHINGLES): Fingerprints {
  const w = Math.max(1, options.t - options.k + 1);
  const allHigh = all.high;
  const allLow = all.low;
  const n = allHigh.length;
  if (n === 0) return { high: new Int32Array(0), low: new Int32Array(0), positions: new Int32Array(0) };
  if (n <= w) {
    // A text shorter than one window still gets its minimum, so short articles are findable.
    let best = 0;
    for (let i = 1; i < n; i++) if (!less(allHigh[best]!, allLow[best]!, allHigh[i]!, allLow[i]!)) best = i;
    return {
      high: Int32Array.of(allHigh[best]!),
      low: Int32Array.of(allLow[best]!),
      positions: Int32Array.of(best),
    };
  }
  // At most one fingerprint per window.
  const windows = n - w + 1;
  const high = new Int32Array(windows);
  const low = new Int32Array(windows);
  const positions = new Int32Array(windows);
  let count = 0;
  let last = -1;
  let lastHigh = 0;
  let lastLow = 0;
  for (let start = 0; start < windows; start++) {
    let best: number;
    let bestHigh: number;
    let bestLow: number;
    if (last >= start) {
      // Only the shingle entering the window can replace the current minimum (on a tie too: the
      // rightmost minimum is kept).
      const entering = start + w - 1;
      const enteringHigh = allHigh[entering]!;
      const enteringLow = allLow[entering]!;
      if (enteringHigh < lastHigh || (enteringHigh === lastHigh && enteringLow <= lastLow)) {
        best = entering;
        bestHigh = enteringHigh;
        bestLow = enteringLow;
      } else {
        best = last;
        bestHigh = lastHigh;
        bestLow = lastLow;
      }
    } else {
      best = start;
      bestHigh = allHigh[start]!;
      bestLow = allLow[start]!;
      for (let i = start + 1; i < start + w; i++) {
        const h = allHigh[i]!;
        const l = allLow[i]!;
        if (h < bestHigh || (h === bestHigh && l <= bestLow)) {
          best = i;
          bestHigh = h;
          bestLow = l;
        }
      }
    }
    if (best !== last) {
      high[count] = bestHigh;
      low[count] = bestLow;
      positions[count] = best;
      count++;
      last = best;
      lastHigh = bestHigh;
      lastLow = bestLow;
    }
  }
  return { high: high.slice(0, count), low: low.slice(0, count), positions: positions.slice(0, count) };
}

/** The 64-bit fingerprint as SQLite stores it: one signed integer. */
export function toInt64(high: number, low: number): bigint {
  return (BigInt(high) << 32n) | BigInt(low >>> 0);
}

/** A JavaScript number key (53 bits of the 64) for in-memory sets; collisions are negligible. */
export function key(high: number, low: number): number {
  return (high >>> 0) * 2097152 + (low >>> 11);
}
