import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleWords, WASM_FILE } from '../../src/match/build-wasm.ts';
import { textShingles } from '../../src/match/fingerprint.ts';
import { utf8Shingles } from '../../src/match/utf8-shingles.ts';
import { WORD_PIECES } from './_words.ts';

/** What `utf8Shingles` must equal: `textShingles` of the text a WHATWG decoder makes of the bytes. */
function expectSameAsDecoded(bytes: Uint8Array): void {
  const reference = textShingles(new TextDecoder().decode(bytes));
  const fast = utf8Shingles(bytes);
  expect(fast.words).toBe(reference.words);
  expect([...fast.high]).toEqual([...reference.high]);
  expect([...fast.low]).toEqual([...reference.low]);
}

describe('utf8Shingles (the word pass in WebAssembly)', () => {
  it('loads the module assembled from the committed source', async () => {
    // `npm run wasm` after every change of utf8-words.wat; this fails when it was forgotten.
    expect(Buffer.from(await assembleWords()).equals(readFileSync(WASM_FILE))).toBe(true);
  });

  it('finds the words and hashes textShingles finds in the same text', () => {
    const texts = fc.array(fc.constantFrom(...WORD_PIECES), { maxLength: 80 });
    fc.assert(
      fc.property(texts, fc.constantFrom(' ', '', '-', "'", '’', '\u00a0', '—'), (parts, glue) =>
        expectSameAsDecoded(Buffer.from(parts.join(glue))),
      ),
      { numRuns: 400 },
    );
  });

  it('reads ill-formed UTF-8 as the decoder does, one replacement character at a time', () => {
    // Truncated, overlong (of a letter, which must not read as one), surrogate, past U+10FFFF and
    // stray continuation bytes, among words.
    const broken = [
      [0xe2, 0x80],
      [0xc3],
      [0xc0, 0xaf],
      [0xc1, 0xa1],
      [0xe0, 0x81, 0xa1],
      [0xf0, 0x80, 0x81, 0xa1],
      [0xe0, 0x83, 0xa9],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xf7, 0xbf, 0xbf, 0xbf],
      [0x80],
      [0xbf, 0xbf],
      [0xff],
      [0xf0, 0x9f, 0x98],
    ].map((bytes) => Buffer.from(bytes));
    const piece = fc.oneof(
      fc.constantFrom(...WORD_PIECES).map((text) => Buffer.from(text)),
      fc.constantFrom(...broken),
      fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => expectSameAsDecoded(Buffer.concat(parts))),
      { numRuns: 400 },
    );
    // A text that ends inside a character, and one of nothing but broken bytes.
    expectSameAsDecoded(Buffer.from('deux mots é', 'utf8').subarray(0, -1));
    expectSameAsDecoded(Buffer.concat(broken));
  });

  it('gives the same lent or fresh, for texts longer and shorter than the last (its memory grows)', () => {
    const long = Buffer.from(Array.from({ length: 120_000 }, (_, i) => `wörd${(i * 7919) % 5003}`).join(' '));
    for (const bytes of [
      Buffer.from('a b c d e f g'),
      long,
      Buffer.from('one two three four five six'),
      long,
    ]) {
      const fresh = utf8Shingles(bytes);
      const lent = utf8Shingles(bytes, undefined, { lend: true });
      expect([...lent.high]).toEqual([...fresh.high]);
      expect([...lent.low]).toEqual([...fresh.low]);
      expectSameAsDecoded(bytes);
    }
    // Fewer words than a shingle: none.
    expect(utf8Shingles(Buffer.from('only four words here')).high.length).toBe(0);
    expect(utf8Shingles(Buffer.alloc(0)).words).toBe(0);
  });

  it('folds words past Latin-1 by the cache textShingles keeps, and stays right when it fills', () => {
    const many = Buffer.from(Array.from({ length: 25_000 }, (_, i) => `é${i.toString(36)}ŒUVRE`).join(' '));
    const again = Buffer.from(`éa ÉA éa\u0301 ﬁé é0ŒUVRE Éb ${'Éé'.repeat(100)} ${'Œœ'.repeat(100)}`);
    for (const bytes of [many, again, many.subarray(0, 5_000), again]) expectSameAsDecoded(bytes);
  });
});
