/**
 * Text normalisation for matching. A word is a run of letters, marks and digits (apostrophes inside
 * a word are dropped, so "don't" and "dont" agree); every word is folded with Unicode NFKC and lower
 * case. Punctuation and whitespace only separate words. Each word keeps its place in the source
 * text so that matched passages can be quoted as they read.
 */
export interface Tokens {
  /** The source text the offsets point into. */
  text: string;
  words: string[];
  starts: number[];
  ends: number[];
  /** Sentence number of each word (a sentence ends at `.`, `!`, `?` or a block break). */
  sentences: number[];
}

const WORD = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
const SENTENCE_END = /[.!?。！？…]|\n/;
const ASCII = /^[\x00-\x7f]*$/;

export function normaliseWord(word: string): string {
  const folded = ASCII.test(word) ? word.toLowerCase() : word.normalize('NFKC').toLowerCase();
  return folded.includes("'") || folded.includes('’') ? folded.replace(/['’]/g, '') : folded;
}

export function tokenise(text: string): Tokens {
  const words: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const sentences: number[] = [];
  let sentence = 0;
  let previousEnd = 0;
  for (const match of text.matchAll(WORD)) {
    const start = match.index;
    if (words.length > 0 && SENTENCE_END.test(text.slice(previousEnd, start))) sentence++;
    words.push(normaliseWord(match[0]));
    starts.push(start);
    ends.push(start + match[0].length);
    sentences.push(sentence);
    previousEnd = start + match[0].length;
  }
  return { text, words, starts, ends, sentences };
}

/** Collapse whitespace, for evidence and messages. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
