/**
 * `textShingles` of UTF-8 bytes, for the archive prefilter, which reads every page of an archive:
 * the word pass runs in WebAssembly (utf8-words.wat, committed assembled as utf8-words.wasm), which
 * folds and hashes a word of ASCII and Latin-1 letters in a few cycles a byte where the JavaScript
 * loop takes about twenty, and needs no decoded text at all. A word with any other letter is
 * folded and hashed here, by the same function `textShingles` uses, and the shingles are made by
 * the same code: the result is `textShingles` of the text `TextDecoder` makes of the bytes (a test
 * holds the two alike on texts in many scripts and on ill-formed UTF-8).
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_SHINGLES,
  foldedWordHashes,
  isWordCodePoint,
  LATIN_WORD,
  type Lending,
  type ShingleOptions,
  type TextShingles,
} from './fingerprint.ts';

/** Where the module's fixed tables and the caller's data live in its memory (see utf8-words.wat). */
const TABLE = 0;
const BITMAP = 1024;
const HEAP = 16384;
const PAGE_BYTES = 65536;

/** The little of the WebAssembly API used here (TypeScript declares it only in its DOM library). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface WordsExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  slowCount: { value: number };
  words(ptr: number, length: number, high: number, low: number, slow: number): number;
  shingles(high: number, low: number, n: number, k: number): number;
}

interface Loaded {
  exports: WordsExports;
  /** Views of the module's memory, made again whenever it grows (growing detaches the old ones). */
  bytes: Buffer;
  ints: Int32Array;
}

let loaded: Loaded | undefined;

function views(exports: WordsExports): Loaded {
  const buffer = exports.memory.buffer;
  return { exports, bytes: Buffer.from(buffer), ints: new Int32Array(buffer) };
}

/** Compile the module (about a kilobyte) and fill its tables, once a thread, at the first text. */
function load(): Loaded {
  const module = new Module(readFileSync(new URL('./utf8-words.wasm', import.meta.url)));
  const instance = new Instance(module, {
    env: { astralWord: (code: number) => (isWordCodePoint(code) ? 1 : 0) },
  });
  const done = views(instance.exports as unknown as WordsExports);
  for (let c = 0; c < 0x100; c++) done.ints[TABLE / 4 + c] = LATIN_WORD[c]!;
  // The word characters of the Basic Multilingual Plane as a bitmap, by the same test as
  // `textShingles` (the part below U+100 is the table's; the surrogates are no characters).
  for (let code = 0x100; code < 0x10000; code++)
    if (isWordCodePoint(code)) done.bytes[BITMAP + (code >>> 3)]! |= 1 << (code & 7);
  return done;
}

/**
 * The shingle hashes of the text in `bytes` (UTF-8; an ill-formed sequence reads as U+FFFD, as
 * `TextDecoder` reads it), equal to `textShingles(new TextDecoder().decode(bytes))`. The module
 * needs about eleven bytes of memory per byte of text, kept for the next text: callers bound the
 * bytes they pass (the prefilter reads at most 2 MB of a page).
 */
export function utf8Shingles(
  bytes: Uint8Array,
  options: ShingleOptions = DEFAULT_SHINGLES,
  lending: Lending = {},
): TextShingles {
  loaded ??= load();
  let state = loaded;
  const length = bytes.length;
  // Each word takes a byte and is followed by one, so a text of n bytes has at most n / 2 + 1 words.
  const most = (length >>> 1) + 1;
  const high = HEAP + ((length + 3) & ~3);
  const low = high + 4 * most;
  const slow = low + 4 * most;
  const end = slow + 12 * most;
  const memory = state.exports.memory;
  if (end > memory.buffer.byteLength) {
    memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE_BYTES));
    state = views(state.exports);
    loaded = state;
  }
  state.bytes.set(bytes, HEAP);
  const n = state.exports.words(HEAP, length, high, low, slow);
  const ints = state.ints;
  const listed = state.exports.slowCount.value;
  for (let k = 0, at = slow / 4; k < listed; k++, at += 3) {
    const word = ints[at]!;
    const pair = foldedWordHashes(state.bytes.toString('utf8', HEAP + ints[at + 1]!, HEAP + ints[at + 2]!));
    ints[high / 4 + word] = pair[0];
    ints[low / 4 + word] = pair[1];
  }
  const count = state.exports.shingles(high, low, n, options.k);
  const shingleHigh = ints.subarray(high / 4, high / 4 + count);
  const shingleLow = ints.subarray(low / 4, low / 4 + count);
  return lending.lend
    ? { high: shingleHigh, low: shingleLow, words: n }
    : { high: shingleHigh.slice(), low: shingleLow.slice(), words: n };
}
