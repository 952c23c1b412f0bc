import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHINGLES, key, shingles, winnow } from '../../src/match/fingerprint.ts';
import { tokenise } from '../../src/match/tokens.ts';

const vocabulary = 'river city siege aid road bread water night harbour bees orchard port strike talks'.split(
  ' ',
);
const words = (length: number) =>
  fc.array(fc.constantFrom(...vocabulary), { minLength: length, maxLength: length });

function printKeys(text: string): Set<number> {
  const prints = winnow(shingles(tokenise(text)));
  const keys = new Set<number>();
  for (let i = 0; i < prints.high.length; i++) keys.add(key(prints.high[i]!, prints.low[i]!));
  return keys;
}

describe('normalisation', () => {
  it('folds case, NFKC, apostrophes and punctuation', () => {
    expect(tokenise('Don’t  PANIC—the ﬁrst “Ｆｕｌｌ-width” café!').words).toEqual([
      'dont',
      'panic',
      'the',
      'first',
      'full',
      'width',
      'café',
    ]);
  });

  it('numbers sentences at full stops and line breaks', () => {
    expect(tokenise('One two. Three four!\nFive six').sentences).toEqual([0, 0, 1, 1, 2, 2]);
  });
});

describe('winnowing', () => {
  it('catches every shared run of t words, whatever surrounds it', () => {
    fc.assert(
      fc.property(
        words(DEFAULT_SHINGLES.t),
        words(30),
        words(30),
        words(30),
        words(30),
        (run, a, b, c, d) => {
          const left = printKeys([...a, ...run, ...b].join(' '));
          const right = printKeys([...c, ...run, ...d].join(' '));
          expect([...left].some((k) => right.has(k))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never matches on a run shorter than k words', () => {
    const left = printKeys('alpha beta gamma delta one two three four five six seven eight nine');
    const right = printKeys('zulu yankee xray whiskey one two three four victor uniform tango sierra romeo');
    expect([...left].some((k) => right.has(k))).toBe(false);
  });

  it('is the same text whatever the markup and case', () => {
    expect(printKeys('The Siege of LOWER Vessa, entered its third week on Saturday.')).toEqual(
      printKeys('the siege of lower vessa entered its third   week on saturday'),
    );
  });
});
