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
  /** Sentence number of each word (a sentence ends at `.`, `!`, `?`, `…` before a word not in lower case, or a block break). */
  sentences: number[];
}

const WORD = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
/** Ends a sentence whatever follows: a block break, or a full stop of a script without case. */
const SENTENCE_END = /[。！？]|\n/;
/** Words after which a full stop is not the end of a sentence ("Mr.", "U.S.", "No. 5", "e.g."). */
const ABBREVIATION =
  /^(?:\p{L}|mr|mrs|ms|dr|prof|st|jr|sr|vs|etc|inc|co|corp|ltd|no|nos|gen|gov|sen|rep|col|lt|sgt|capt|fig|al|approx|dept|est|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|mt|ft|op|ed|eds|vol|pp|cf|ca|st|mme|mlle|sr|sra|dra|bzw|usw|ca|nr|dott|sig|ecc)$/iu;
const ASCII = /^[\x00-\x7f]*$/;
/**
 * A gap between two words that may end a sentence: the word's own closing marks, then `.`, `!`, `?`
 * or `…`, closing quotes and brackets, and space before any opening quote. A comma or a colon after
 * the mark goes on with the sentence ("e.g., Zoom", "(and more!), we"), and so does a mark that
 * opens a quotation ("biadab: “…Dan").
 */
const SENTENCE_GAP = /^[\s"'”’»)\]]*[.!?…]+["'”’»)\]]*(?:\s+["'“‘«([¡¿—–-]*)?$/u;

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
    if (words.length > 0 && endsSentence(text.slice(previousEnd, start), text, previousEnd, match[0]))
      sentence++;
    words.push(normaliseWord(match[0]));
    starts.push(start);
    ends.push(start + match[0].length);
    sentences.push(sentence);
    previousEnd = start + match[0].length;
  }
  return { text, words, starts, ends, sentences };
}

/**
 * Whether the gap between two words ends a sentence. A full stop does only when the next word does
 * not start in lower case or with a digit and the word before is not an abbreviation or an initial:
 * counting "U.S." as two sentences would make a quotation of two sentences look like a reprint.
 */
function endsSentence(gap: string, text: string, previousEnd: number, next: string): boolean {
  if (SENTENCE_END.test(gap)) return true;
  // "!", "?" and an ellipsis end a sentence like a full stop: not when the text goes on in lower case
  // ("… and then", "“Why?” she asked"), which a quotation with an ellipsis in it often does.
  if (!SENTENCE_GAP.test(gap)) return false;
  if (/^[\p{Ll}\p{N}]/u.test(next)) return false;
  const before = /[\p{L}\p{M}\p{N}]+$/u.exec(text.slice(Math.max(0, previousEnd - 12), previousEnd));
  if (!before || !/^\.\s*$/.test(gap)) return true;
  // A one- or two-digit number with a full stop is an ordinal in German and the Nordic languages
  // ("am 31. Oktober", "der 2. Weltkrieg"), far more often than a sentence that ends in a small number.
  return !(ABBREVIATION.test(before[0]) || /^\d{1,2}$/.test(before[0]));
}

/** Collapse whitespace, for evidence and messages. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
