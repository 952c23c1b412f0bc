/**
 * `textShingles` of UTF-8 bytes, and of a page's markup, for the archive prefilter, which reads
 * every page of an archive. The work runs in WebAssembly (page-words.wat, committed assembled as
 * page-words.wasm): the markup scan of `scanUtf8MarkupBytes`, then the word pass, which folds and
 * hashes a word of ASCII and Latin-1 letters in a few cycles a byte where the JavaScript loop takes
 * about twenty, and the shingles; no text is decoded at all. What needs Unicode's tables stays
 * here, done by the same functions as before: a word with any other letter is folded and hashed by
 * `foldedWordHashes`, a piece of text holding an entity is decoded by `decodeEntityBytes`. So the
 * results are those of `textShingles` of the decoded text (tests hold the two alike on texts in
 * many scripts, on ill-formed UTF-8, and on markup of every kind the scan meets).
 */
import { readFileSync } from 'node:fs';
import { decodeEntityBytes, scanTags, scanUtf8MarkupBytes } from '../text/html-text.ts';
import {
  DEFAULT_SHINGLES,
  foldedWordHashes,
  isWordCodePoint,
  LATIN_WORD,
  type Lending,
  type ShingleOptions,
  type TextShingles,
} from './fingerprint.ts';

/** Where the module's fixed tables and the caller's data live in its memory (see page-words.wat). */
const TABLE = 0;
const BITMAP = 1024;
const TAGS = 9216;
const TAG_SLOTS = 256;
const TAG_NAMES = 13312;
const HEAP = 16384;
const PAGE_BYTES = 65536;
/** Pieces of text with an entity the scan lists at most; a page with more is scanned in JavaScript. */
const MAX_ENTITIES = 16384;

/** The little of the WebAssembly API used here (TypeScript declares it only in its DOM library). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface PageWords {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  slowCount: { value: number };
  entityCount: { value: number };
  words(ptr: number, length: number, high: number, low: number, slow: number): number;
  shingles(high: number, low: number, n: number, k: number): number;
  scan(
    ptr: number,
    length: number,
    out: number,
    maxChars: number,
    entities: number,
    maxEntities: number,
  ): number;
}

interface Loaded {
  exports: PageWords;
  /** Views of the module's memory, made again whenever it grows (growing detaches the old ones). */
  bytes: Buffer;
  ints: Int32Array;
}

let loaded: Loaded | undefined;

function views(exports: PageWords): Loaded {
  const buffer = exports.memory.buffer;
  return { exports, bytes: Buffer.from(buffer), ints: new Int32Array(buffer) };
}

/** Compile the module (a few kilobytes) and fill its tables, once a thread, at the first text. */
function load(): Loaded {
  const module = new Module(readFileSync(new URL('./page-words.wasm', import.meta.url)));
  const instance = new Instance(module, {
    env: { astralWord: (code: number) => (isWordCodePoint(code) ? 1 : 0) },
  });
  const done = views(instance.exports as unknown as PageWords);
  const { bytes, ints } = done;
  for (let c = 0; c < 0x100; c++) ints[TABLE / 4 + c] = LATIN_WORD[c]!;
  // The word characters of the Basic Multilingual Plane as a bitmap, by the same test as
  // `textShingles` (the part below U+100 is the table's; the surrogates are no characters).
  for (let code = 0x100; code < 0x10000; code++)
    if (isWordCodePoint(code)) bytes[BITMAP + (code >>> 3)]! |= 1 << (code & 7);
  // The tag names the scan knows, in an open-addressed table by their hash (as the scan's own).
  let names = TAG_NAMES;
  for (const { name, hash, kind } of scanTags()) {
    let slot = hash & (TAG_SLOTS - 1);
    while (ints[TAGS / 4 + 4 * slot + 2] !== 0) slot = (slot + 1) & (TAG_SLOTS - 1);
    ints.set([hash, names, name.length, kind], TAGS / 4 + 4 * slot);
    names += bytes.write(name, names, 'latin1');
  }
  if (names > HEAP) throw new Error('the scan’s tag names do not fit the module’s table');
  return done;
}

/** The module, its memory at least `bytes` long. */
function withMemory(bytes: number): Loaded {
  loaded ??= load();
  const memory = loaded.exports.memory;
  if (bytes > memory.buffer.byteLength) {
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
    loaded = views(loaded.exports);
  }
  return loaded;
}

const align = (at: number) => (at + 7) & ~7;

/** The words and shingles of the `length` bytes of text at `text` in the module's memory. */
function shinglesAt(text: number, length: number, options: ShingleOptions, lend: boolean): TextShingles {
  // Each word takes a byte and is followed by one.
  const most = (length >>> 1) + 1;
  const high = align(text + length);
  const low = high + 4 * most;
  const slow = low + 4 * most;
  const state = withMemory(slow + 12 * most);
  const n = state.exports.words(text, length, high, low, slow);
  const { bytes, ints } = state;
  const listed = state.exports.slowCount.value;
  for (let k = 0, at = slow / 4; k < listed; k++, at += 3) {
    const pair = foldedWordHashes(bytes.toString('utf8', text + ints[at + 1]!, text + ints[at + 2]!));
    ints[high / 4 + ints[at]!] = pair[0];
    ints[low / 4 + ints[at]!] = pair[1];
  }
  const count = state.exports.shingles(high, low, n, options.k);
  const shingleHigh = ints.subarray(high / 4, high / 4 + count);
  const shingleLow = ints.subarray(low / 4, low / 4 + count);
  return lend
    ? { high: shingleHigh, low: shingleLow, words: n }
    : { high: shingleHigh.slice(), low: shingleLow.slice(), words: n };
}

/**
 * The shingle hashes of the text in `bytes` (UTF-8; an ill-formed sequence reads as U+FFFD, as
 * `TextDecoder` reads it), equal to `textShingles(new TextDecoder().decode(bytes))`. The module
 * needs about eleven bytes of memory per byte of text, kept for the next text: callers bound the
 * bytes they pass (the prefilter reads at most 2 MB of a page's text).
 */
export function utf8Shingles(
  bytes: Uint8Array,
  options: ShingleOptions = DEFAULT_SHINGLES,
  { lend = false }: Lending = {},
): TextShingles {
  withMemory(HEAP + bytes.length + 8).bytes.set(bytes, HEAP);
  return shinglesAt(HEAP, bytes.length, options, lend);
}

/**
 * The text of a page held as valid UTF-8 bytes, taken out of its markup in the module's memory:
 * where it lies there, and how long it is. The same bytes as `scanUtf8MarkupBytes(html, { maxChars
 * })` but for one thing: a piece of text with an entity counts towards `maxChars` before it is
 * decoded, so a page cut at `maxChars` may be cut a few bytes sooner. Memory: twice the page's
 * bytes (and the text's again when it holds entities).
 */
function scanInModule(html: Uint8Array, maxChars: number): { at: number; length: number } {
  const length = html.length;
  const out = align(HEAP + length);
  const entities = align(out + length);
  const after = entities + 8 * MAX_ENTITIES;
  let state = withMemory(after);
  state.bytes.set(html, HEAP);
  const bound = Math.min(maxChars, 0x7fffffff);
  const textLength = state.exports.scan(HEAP, length, out, bound, entities, MAX_ENTITIES);
  const pieces = state.exports.entityCount.value;
  if (pieces === 0) return { at: out, length: textLength };
  const text =
    pieces > MAX_ENTITIES
      ? // More pieces than the list holds: the page is scanned again in JavaScript.
        scanUtf8MarkupBytes(Buffer.from(html.buffer, html.byteOffset, html.byteLength), { maxChars })
      : decodePieces(state, out, textLength, entities, pieces);
  state = withMemory(after + text.length);
  state.bytes.set(text, after);
  return { at: after, length: text.length };
}

/** The scan's text with its pieces that hold an entity decoded, as the scan in JavaScript decodes them. */
function decodePieces(state: Loaded, out: number, length: number, entities: number, pieces: number): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let k = 0, at = entities / 4; k < pieces; k++, at += 2) {
    const start = state.ints[at]!;
    const end = state.ints[at + 1]!;
    parts.push(state.bytes.subarray(out + from, out + start));
    parts.push(decodeEntityBytes(state.bytes.subarray(out + start, out + end)));
    from = end;
  }
  parts.push(state.bytes.subarray(out + from, out + length));
  return Buffer.concat(parts);
}

/** The text `markupShingles` reads in a page (a copy, for tests: they hold it to the scan in JavaScript). */
export function markupBytes(html: Uint8Array, maxChars = Number.POSITIVE_INFINITY): Buffer {
  const { at, length } = scanInModule(html, maxChars);
  return Buffer.from(loaded!.bytes.subarray(at, at + length));
}

/**
 * The shingle hashes of the text of a page held as valid UTF-8 bytes: `utf8Shingles` of
 * `scanUtf8MarkupBytes(html, { maxChars })` (see `scanInModule`), the text never a JavaScript string.
 */
export function markupShingles(
  html: Uint8Array,
  maxChars: number,
  options: ShingleOptions = DEFAULT_SHINGLES,
  { lend = false }: Lending = {},
): TextShingles {
  const { at, length } = scanInModule(html, maxChars);
  return shinglesAt(at, length, options, lend);
}
