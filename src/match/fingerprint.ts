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
  return shinglesOfWords(wordHigh, wordLow, n, options.k, false);
}

/** Shingle hashes lent to a caller that reads them before its next call (see `textShingles`). */
let lentHigh = new Int32Array(4096);
let lentLow = new Int32Array(4096);

/** The hashes of each run of `k` words, from the words' own (`n` of them). */
export function shinglesOfWords(
  wordHigh: Int32Array,
  wordLow: Int32Array,
  n: number,
  k: number,
  lend: boolean,
): Shingles {
  const count = Math.max(0, n - k + 1);
  if (lend && lentHigh.length < count) {
    lentHigh = new Int32Array(count + (count >>> 1));
    lentLow = new Int32Array(count + (count >>> 1));
  }
  const high = lend ? lentHigh.subarray(0, count) : new Int32Array(count);
  const low = lend ? lentLow.subarray(0, count) : new Int32Array(count);
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

/** Whether each code point past ASCII is a word character (`\p{L}`, `\p{M}`, `\p{N}`): 0 unknown, 1 yes, 2 no. */
const wordClass = new Uint8Array(0x110000);
const WORD_CHARACTER = /^[\p{L}\p{M}\p{N}]$/u;

/**
 * For each code below 0x100: its folded form (`normaliseWord`'s NFKC and lower case) when it is a
 * word character that folds to one character of this range, 0 when it is no word character, -1
 * for a word character that folds otherwise (ª, µ, ², ½: NFKC changes them) and so goes the slow
 * way. ASCII and the accented letters of Western European languages are hashed as they are read.
 * Derived from the same pattern and folding `tokenise` uses, so the two cannot disagree.
 */
export const LATIN_WORD = new Int16Array(0x100);
for (let c = 0; c < 0x100; c++) {
  const character = String.fromCharCode(c);
  if (!WORD_CHARACTER.test(character)) continue;
  const folded = normaliseWord(character);
  LATIN_WORD[c] =
    folded.length === 1 && folded.charCodeAt(0) < 0x100 && folded.normalize('NFKC') === folded
      ? folded.charCodeAt(0)
      : -1;
}

export function isWordCodePoint(code: number): boolean {
  if (code < 0x100) return LATIN_WORD[code] !== 0;
  let known = wordClass[code]!;
  if (known === 0) {
    known = WORD_CHARACTER.test(String.fromCodePoint(code)) ? 1 : 2;
    wordClass[code] = known;
  }
  return known === 1;
}

/** The code point at `i`, whose first code unit is `unit`. */
function codePointAt(text: string, i: number, unit: number): number {
  return unit >= 0xd800 && unit <= 0xdbff ? text.codePointAt(i)! : unit;
}

/**
 * With `lend`, the arrays returned are this module's own, reused by the next call that lends:
 * for a caller that reads them at once (a prefilter reading every page of an archive, an index
 * build), one allocation a page fewer and no garbage for the collector.
 */
export interface Lending {
  lend?: boolean;
}

export interface TextShingles extends Shingles {
  /** Words in the text, as `tokenise` counts them. */
  words: number;
}

/**
 * Hashes of words past ASCII by the way they are written, kept from one text to the next; emptied
 * when full, and only words of up to `FOLDED_CACHE_WORD` characters, so a hostile text of endless
 * distinct or endless words costs no more memory than 20,000 short words.
 */
const foldedHashes = new Map<string, [number, number]>();
const FOLDED_CACHE_SIZE = 20_000;
const FOLDED_CACHE_WORD = 64;

/**
 * The hashes of a word as written, folded first (NFKC, lower case). Looked up as written: folding
 * is the costly part, and a text, or the next one in its language, writes most of its words the
 * same way each time.
 */
export function foldedWordHashes(written: string): [number, number] {
  let pair = foldedHashes.get(written);
  if (!pair) {
    pair = wordHashes(normaliseWord(written));
    if (written.length <= FOLDED_CACHE_WORD) {
      if (foldedHashes.size >= FOLDED_CACHE_SIZE) foldedHashes.clear();
      foldedHashes.set(written, pair);
    }
  }
  return pair;
}

/** Word hashes of the text being read, reused from one text to the next (a text has fewer words than half its length). */
let scratchHigh = new Int32Array(4096);
let scratchLow = new Int32Array(4096);

/**
 * The shingle hashes of a text without building its tokens: the same words as `tokenise` finds
 * (the same pattern, scanned by hand) and the same hashes as `shingles(tokenise(text))`, several
 * times faster because ASCII words (nearly all of them in most languages' markup and prose) are
 * folded and hashed as they are read, each character looked up once in a table of Latin-1 word
 * characters and their folded forms. Index builds run through here, and it is the definition the
 * archive prefilter's WebAssembly (`utf8Shingles`, `markupShingles`) is held to.
 */
export function textShingles(
  text: string,
  options: ShingleOptions = DEFAULT_SHINGLES,
  { lend = false }: Lending = {},
): TextShingles {
  const length = text.length;
  if (scratchHigh.length < (length >>> 1) + 1) {
    scratchHigh = new Int32Array((length >>> 1) + 1);
    scratchLow = new Int32Array((length >>> 1) + 1);
  }
  const wordHigh = scratchHigh;
  const wordLow = scratchLow;
  let n = 0;
  let i = 0;
  while (i < length) {
    let code = text.charCodeAt(i);
    // The character's folded form when it has one below 0x100 (see LATIN_WORD), 0 for other
    // characters there, -1 for any other word character (and past 0x100, where it is looked up).
    let lower = code < 0x100 ? LATIN_WORD[code]! : -1;
    if (lower === 0) {
      i++;
      continue;
    }
    if (lower < 0) {
      code = codePointAt(text, i, code);
      if (!isWordCodePoint(code)) {
        i += code > 0xffff ? 2 : 1;
        continue;
      }
    }
    // A word starts here; hash it as it is read while every character folds below 0x100.
    const start = i;
    let ascii = true;
    let a = 0x811c9dc5 | 0;
    let b = 0x9747b28c | 0;
    let folded = 0;
    for (;;) {
      if (lower > 0) {
        a = Math.imul(a ^ lower, 0x01000193);
        b = Math.imul(b ^ lower, 0x5bd1e995);
        b ^= b >>> 15;
        folded++;
        i++;
      } else {
        ascii = false;
        i += code > 0xffff ? 2 : 1;
      }
      if (i >= length) break;
      const next = text.charCodeAt(i);
      if (next < 0x100) {
        lower = LATIN_WORD[next]!;
        code = next;
        if (lower !== 0) continue;
        if (next !== 0x27) break;
      } else {
        code = codePointAt(text, i, next);
        if (isWordCodePoint(code)) {
          lower = -1;
          continue;
        }
        if (next !== 0x2019) break;
      }
      // An apostrophe joins two runs of word characters ("don't"), and is dropped from the word.
      if (i + 1 >= length) break;
      const after = text.charCodeAt(i + 1);
      if (after < 0x100) {
        lower = LATIN_WORD[after]!;
        code = after;
        if (lower === 0) break;
      } else {
        code = codePointAt(text, i + 1, after);
        if (!isWordCodePoint(code)) break;
        lower = -1;
      }
      i++;
    }
    if (ascii) {
      wordHigh[n] = fmix(a);
      wordLow[n] = fmix(b ^ folded);
    } else {
      const pair = foldedWordHashes(text.slice(start, i));
      wordHigh[n] = pair[0];
      wordLow[n] = pair[1];
    }
    n++;
  }
  const { high, low } = shinglesOfWords(wordHigh, wordLow, n, options.k, lend);
  return { high, low, words: n };
}

/** Winnowed fingerprints lent to a caller (see `Lending`). */
let lentWinnowed = new Int32Array(3 * 4096);

function less(h1: number, l1: number, h2: number, l2: number): boolean {
  return h1 < h2 || (h1 === h2 && l1 < l2);
}

/**
 * Robust winnowing: the minimum of each window, recorded once per position. Written over typed
 * arrays with the comparison inline: the index build winnows every article, and this loop was
 * as costly as hashing the words.
 */
export function winnow(
  all: Shingles,
  options: ShingleOptions = DEFAULT_SHINGLES,
  { lend = false }: Lending = {},
): Fingerprints {
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
  // At most one fingerprint per window; the three columns share one buffer (no copies at the end).
  const windows = n - w + 1;
  if (lend && lentWinnowed.length < 3 * windows) lentWinnowed = new Int32Array(Math.ceil(4.5 * windows));
  const out = lend ? lentWinnowed : new Int32Array(3 * windows);
  let count = 0;
  let last = -1;
  let lastHigh = 0;
  let lastLow = 0;
  for (let start = 0; start < windows; start++) {
    let best = last;
    let bestHigh = lastHigh;
    let bestLow = lastLow;
    if (last >= start) {
      // Only the shingle entering the window can replace the current minimum (on a tie too: the
      // rightmost minimum is kept). Its low half is read only when the high halves tie.
      const entering = start + w - 1;
      const enteringHigh = allHigh[entering]!;
      if (enteringHigh < lastHigh || (enteringHigh === lastHigh && allLow[entering]! <= lastLow)) {
        best = entering;
        bestHigh = enteringHigh;
        bestLow = allLow[entering]!;
      }
    } else {
      best = start;
      bestHigh = allHigh[start]!;
      bestLow = allLow[start]!;
      for (let i = start + 1; i < start + w; i++) {
        const h = allHigh[i]!;
        if (h < bestHigh || (h === bestHigh && allLow[i]! <= bestLow)) {
          best = i;
          bestHigh = h;
          bestLow = allLow[i]!;
        }
      }
    }
    if (best !== last) {
      out[count] = bestHigh;
      out[windows + count] = bestLow;
      out[2 * windows + count] = best;
      count++;
      last = best;
      lastHigh = bestHigh;
      lastLow = bestLow;
    }
  }
  return {
    high: out.subarray(0, count),
    low: out.subarray(windows, windows + count),
    positions: out.subarray(2 * windows, 2 * windows + count),
  };
}

/** Fingerprints as two parallel arrays of halves, as the index looks them up. */
export interface FingerprintPairs {
  high: Int32Array;
  low: Int32Array;
}

/**
 * Each (high, low) pair once, in the order first seen (winnowing repeats a fingerprint wherever its
 * text repeats); with `keep`, only the pairs it keeps.
 */
export function distinctPairs(
  prints: FingerprintPairs,
  keep?: (high: number, low: number) => boolean,
): FingerprintPairs {
  // The lows seen with each high half: exact, where a 53-bit key could collide.
  const seen = new Map<number, number[]>();
  const high: number[] = [];
  const low: number[] = [];
  for (let i = 0; i < prints.high.length; i++) {
    const h = prints.high[i]!;
    const l = prints.low[i]!;
    if (keep && !keep(h, l)) continue;
    const lows = seen.get(h);
    if (lows?.includes(l)) continue;
    if (lows) lows.push(l);
    else seen.set(h, [l]);
    high.push(h);
    low.push(l);
  }
  return { high: Int32Array.from(high), low: Int32Array.from(low) };
}

/** The 64-bit fingerprint as SQLite stores it: one signed integer. */
export function toInt64(high: number, low: number): bigint {
  return (BigInt(high) << 32n) | BigInt(low >>> 0);
}

/** A JavaScript number key (53 bits of the 64) for in-memory sets; collisions are negligible. */
export function key(high: number, low: number): number {
  return (high >>> 0) * 2097152 + (low >>> 11);
}

// V8 gives a function type feedback only once it has run a few times on its own. A helper that
// only ever runs inlined, in the optimized loop of a long text (shinglesOfWords at the end of
// textShingles, the helpers for non-ASCII words), sent that code back to the interpreter every
// time it was reached: measured, once on every page of an archive. A few short texts at load give
// every helper its feedback first.
for (let i = 0; i < 16; i++) textShingles("Warm words: don't, l’été, 𝒳 ﬁne, and a few more words.");
