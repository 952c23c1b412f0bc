/**
 * Which stored articles a page reprints. Candidates come from fingerprints the page shares with the
 * index; each is scored by coverage (the share of the article's fingerprints present on the page)
 * and aligned word by word to find the matched passages. One page may reprint several articles (a
 * digest), so candidates claim page words greedily, best first: an article only counts for words
 * no better match has explained. That is what picks the right one of near-duplicates (an article
 * and its updated version, two reports of one event) and what keeps a shared author bio or a common
 * quotation from making a second, false match.
 */
import { matchDefaults } from '../config/terms.ts';
import type { Article } from '../store/article.ts';
import type { Sql } from '../store/sql.ts';
import {
  DEFAULT_SHINGLES,
  distinctPairs,
  type FingerprintPairs,
  key,
  type ShingleOptions,
  type Shingles,
  shingles,
  winnow,
} from './fingerprint.ts';
import { articleTokens, unpackFingerprints } from './fingerprint-index.ts';
import { sharedCounts } from './postings.ts';
import type { Tokens } from './tokens.ts';

export interface MatchOptions {
  /** Fewer shared words than this is never a reprint. */
  minWords: number;
  /** Shared text touching fewer article sentences than this is a quotation, not a reprint. */
  minSentences: number;
  /** Shared runs shorter than this many words are ignored as coincidence. */
  passageMinWords: number;
  /** Candidates aligned in full, best first by shared fingerprints. */
  maxCandidates: number;
  /** A fingerprint found in more articles than this is boilerplate and finds no candidates. */
  maxDocumentFrequency: number;
  shingles: ShingleOptions;
}

/** The options `rules/terms.yaml` can set take their defaults from its schema, written there once. */
export const DEFAULT_MATCH: MatchOptions = {
  minWords: matchDefaults.minWords,
  minSentences: matchDefaults.minSentences,
  passageMinWords: matchDefaults.passageMinWords,
  maxCandidates: 24,
  maxDocumentFrequency: matchDefaults.maxDocumentFrequency,
  shingles: DEFAULT_SHINGLES,
};

export interface Passage {
  /** Word ranges, inclusive, in the page's and the article's tokens. */
  pageFrom: number;
  pageTo: number;
  articleFrom: number;
  articleTo: number;
  page: string;
  article: string;
}

export interface Identified {
  article: Article;
  coverage: number;
  /** Article words found on the page in passages of at least `passageMinWords`. */
  matchedWords: number;
  /** Article sentences the passages touch. */
  sentences: number;
  passages: Passage[];
}

/** Shared text too small to be a reprint: one or two sentences of the article, quoted. */
export interface Quotation {
  article: Article;
  /** Article sentences the shared text touches. */
  sentences: number;
  /** Shared words. */
  words: number;
  passages: Passage[];
}

interface Candidate {
  doc: number;
  shared: number;
  article: Article;
  coverage: number;
  tokens: Tokens;
  runs: Passage[];
  pageWords: number;
}

export class PageFingerprints {
  readonly all: Shingles;
  readonly keys: Set<number>;
  /** The page's winnowed fingerprints, each once. */
  readonly winnowed: FingerprintPairs;
  constructor(
    readonly tokens: Tokens,
    readonly options: ShingleOptions = DEFAULT_SHINGLES,
  ) {
    this.all = shingles(tokens, options);
    this.keys = new Set();
    for (let i = 0; i < this.all.high.length; i++) this.keys.add(key(this.all.high[i]!, this.all.low[i]!));
    this.winnowed = distinctPairs(winnow(this.all, options));
  }
}

const candidateText = new Map<number, string>();
function candidateStatement(count: number): string {
  let text = candidateText.get(count);
  if (!text) {
    text = `SELECT f.doc AS doc, f.fingerprints AS fingerprints, a.record AS record
      FROM fingerprinted_articles f JOIN articles a ON a.id = f.article_id
      WHERE f.doc IN (${Array(count).fill('?').join(', ')})`;
    candidateText.set(count, text);
  }
  return text;
}

/** The packed fingerprints and the record of each article, by doc, in one statement. */
async function candidateRows(
  sql: Sql,
  docs: readonly number[],
): Promise<Map<number, { fingerprints: Uint8Array; record: string }>> {
  const found = new Map<number, { fingerprints: Uint8Array; record: string }>();
  if (docs.length === 0) return found;
  const padded: number[] = [...docs];
  while (padded.length % 8 !== 0) padded.push(docs.at(-1)!);
  const rows = await sql.all<{ doc: number; fingerprints: Uint8Array; record: string }>(
    candidateStatement(padded.length),
    padded,
  );
  for (const row of rows) found.set(Number(row.doc), row);
  return found;
}

function align(page: PageFingerprints, articleTokensValue: Tokens, options: MatchOptions): Passage[] {
  const k = options.shingles.k;
  const article = shingles(articleTokensValue, options.shingles);
  const positions = new Map<number, number>();
  for (let i = 0; i < article.high.length; i++) {
    const k64 = key(article.high[i]!, article.low[i]!);
    if (!positions.has(k64)) positions.set(k64, i);
  }
  const runs: Passage[] = [];
  let open: { pageFrom: number; articleFrom: number; last: number; lastArticle: number } | undefined;
  const close = () => {
    if (!open) return;
    const pageTo = open.last + k - 1;
    const articleTo = open.lastArticle + k - 1;
    if (pageTo - open.pageFrom + 1 >= options.passageMinWords) {
      runs.push({
        pageFrom: open.pageFrom,
        pageTo,
        articleFrom: open.articleFrom,
        articleTo,
        page: '',
        article: '',
      });
    }
    open = undefined;
  };
  for (let i = 0; i < page.all.high.length; i++) {
    const at = positions.get(key(page.all.high[i]!, page.all.low[i]!));
    if (at === undefined) {
      close();
      continue;
    }
    if (open && open.last === i - 1 && open.lastArticle === at - 1) {
      open.last = i;
      open.lastArticle = at;
      continue;
    }
    // A repeated shingle may sit elsewhere in the article; keep the run going if it can.
    if (open && open.last === i - 1) {
      open.last = i;
      open.lastArticle = Math.max(open.lastArticle + 1, at);
      continue;
    }
    close();
    open = { pageFrom: i, articleFrom: at, last: i, lastArticle: at };
  }
  close();
  return runs;
}

function excerpt(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The fewest winnowed fingerprints a page shares with an article it reprints: a run of `minWords` words holds at least this many. */
export function sharedFloor(options: MatchOptions): number {
  const window = options.shingles.t - options.shingles.k + 1;
  return Math.max(1, Math.floor((options.minWords - options.shingles.k + 1) / window));
}

/**
 * Whether some article shares at least `sharedFloor` of these fingerprints, as the index counts
 * them (boilerplate past `maxDocumentFrequency` left out): the first step of `findReprints`, which
 * finds no candidate when this is false. One lookup in the index.
 */
export async function hasCandidate(
  sql: Sql,
  fingerprints: FingerprintPairs,
  options: MatchOptions = DEFAULT_MATCH,
): Promise<boolean> {
  const floor = sharedFloor(options);
  for (const count of (await sharedCounts(sql, fingerprints, options.maxDocumentFrequency)).values())
    if (count >= floor) return true;
  return false;
}

/** The stored articles this page reprints, best first. */
export async function identify(
  sql: Sql,
  page: PageFingerprints,
  options: MatchOptions = DEFAULT_MATCH,
): Promise<Identified[]> {
  return (await findReprints(sql, page, options)).reprints;
}

/**
 * Words of the page's own text between two shared passages that part them into separate stretches
 * (a reprint's paragraphs sit close together, with at most a caption or an ad between them).
 */
const STRETCH_GAP_WORDS = 40;

/**
 * The stored articles this page reprints, best first, and the ones it only quotes. Shared text
 * within fewer than `minSentences` sentences of an article is a quotation, whatever the sentences'
 * length, unless those sentences are most of a short article (a news brief copied whole).
 */
export async function findReprints(
  sql: Sql,
  page: PageFingerprints,
  options: MatchOptions = DEFAULT_MATCH,
): Promise<{ reprints: Identified[]; quotations: Quotation[] }> {
  const shared = await sharedCounts(sql, page.winnowed, options.maxDocumentFrequency);
  const floor = sharedFloor(options);
  const ranked = [...shared]
    .filter(([, count]) => count >= floor)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, options.maxCandidates);

  const stored = await candidateRows(
    sql,
    ranked.map(([doc]) => doc),
  );
  const candidates: Candidate[] = [];
  for (const [doc, count] of ranked) {
    const row = stored.get(doc);
    if (!row) continue;
    const prints = unpackFingerprints(row.fingerprints);
    let present = 0;
    for (let i = 0; i < prints.high.length; i++)
      if (page.keys.has(key(prints.high[i]!, prints.low[i]!))) present++;
    const coverage = prints.high.length === 0 ? 0 : present / prints.high.length;
    const article = JSON.parse(row.record) as Article;
    const tokens = articleTokens(article);
    const runs = align(page, tokens, options);
    let pageWords = 0;
    for (const run of runs) pageWords += run.pageTo - run.pageFrom + 1;
    if (pageWords < options.minWords) continue;
    candidates.push({ doc, shared: count, article, coverage, tokens, runs, pageWords });
  }

  candidates.sort(
    (a, b) =>
      b.pageWords - a.pageWords ||
      b.coverage - a.coverage ||
      (b.article.updated ?? b.article.published).localeCompare(a.article.updated ?? a.article.published) ||
      a.doc - b.doc,
  );

  const claimed = new Uint8Array(page.tokens.words.length);
  const found: Identified[] = [];
  const quotations: Quotation[] = [];
  for (const candidate of candidates) {
    let words = 0;
    // Sentences are counted per stretch of the page, and a reprint needs one stretch that is one on
    // its own (enough words and sentences): a quoted sentence in a blogger's text and the article's
    // headline and photo caption in the page's header are quotations, not sentences of a reprint.
    let sentences = 0;
    let reprintStretch = false;
    let perSentence = new Map<number, number>();
    let stretchWords = 0;
    // The sentences of the longest stretch: what a quotation, if it is one, quotes.
    let quotedWords = 0;
    let quotedSentences = 0;
    let stretchEnd = Number.NEGATIVE_INFINITY;
    // The same count on the page's side: an alignment that runs on across a headline the article
    // repeats must not make one quoted sentence look like two.
    let perPageSentence = new Map<number, number>();
    const headings = headingSentences(candidate.tokens);
    const closeStretch = () => {
      let inArticle = 0;
      for (const [sentence, count] of perSentence) if (count >= 3 && !headings.has(sentence)) inArticle++;
      let onPage = 0;
      for (const count of perPageSentence.values()) if (count >= 3) onPage++;
      const inStretch = Math.min(inArticle, onPage);
      sentences = Math.max(sentences, inStretch);
      if (stretchWords >= options.minWords && inStretch >= neededSentences) reprintStretch = true;
      if (stretchWords > quotedWords) {
        quotedWords = stretchWords;
        quotedSentences = inStretch;
      }
      perSentence = new Map();
      perPageSentence = new Map();
      stretchWords = 0;
    };
    const articleSentences = (candidate.tokens.sentences.at(-1) ?? 0) + 1;
    const neededSentences = Math.min(options.minSentences, articleSentences);
    // Where the stretch's last run began in the article: a run that lies wholly before it goes back
    // in the article, which a reprint's text does not (a caption that echoes a later sentence, then
    // a quotation of the opening): another stretch.
    let stretchArticleFrom = Number.POSITIVE_INFINITY;
    for (const run of [...candidate.runs].sort((a, b) => a.pageFrom - b.pageFrom)) {
      if (run.pageFrom - stretchEnd > STRETCH_GAP_WORDS || run.articleTo < stretchArticleFrom) closeStretch();
      stretchEnd = run.pageTo;
      stretchArticleFrom = run.articleFrom;
      for (let j = 0; run.pageFrom + j <= run.pageTo; j++) {
        if (claimed[run.pageFrom + j]) continue;
        words++;
        stretchWords++;
        const articleWord = Math.min(run.articleFrom + j, candidate.tokens.words.length - 1);
        const sentence = candidate.tokens.sentences[articleWord]!;
        perSentence.set(sentence, (perSentence.get(sentence) ?? 0) + 1);
        const pageSentence = page.tokens.sentences[run.pageFrom + j]!;
        perPageSentence.set(pageSentence, (perPageSentence.get(pageSentence) ?? 0) + 1);
      }
    }
    closeStretch();
    const mostOfArticle = words >= 0.6 * candidate.tokens.words.length;
    const reprint = words >= options.minWords && (reprintStretch || mostOfArticle);
    if (!reprint) {
      if (words >= options.passageMinWords) {
        quotations.push({
          article: candidate.article,
          sentences: quotedSentences,
          words,
          passages: passagesOf(page, candidate),
        });
      }
      continue;
    }
    for (const run of candidate.runs) claimed.fill(1, run.pageFrom, run.pageTo + 1);
    found.push({
      article: candidate.article,
      coverage: candidate.coverage,
      matchedWords: words,
      sentences,
      passages: passagesOf(page, candidate),
    });
  }
  return { reprints: found, quotations };
}

/** Words a line may have and still be a heading rather than a sentence. */
const HEADING_WORDS = 20;
/** What ends a written sentence; a line that ends in none of it is a heading, a kicker or a caption. */
const SENTENCE_CLOSE = /[.!?…:;。！？"”’»)\]]\s*$/u;

/**
 * The article's sentences that are headings: a short line ended by a block break with no closing
 * punctuation (a headline, a subhead, a kicker). A page that shows an article's headline beside a
 * quotation of two of its sentences quotes it; the headline is no third sentence of a reprint.
 */
function headingSentences(tokens: Tokens): Set<number> {
  const headings = new Set<number>();
  let first = 0;
  for (let word = 0; word < tokens.words.length; word++) {
    const sentence = tokens.sentences[word]!;
    if (tokens.sentences[word + 1] === sentence) continue;
    const after = tokens.text.slice(tokens.ends[word], tokens.starts[word + 1] ?? tokens.text.length);
    const line = tokens.text.slice(tokens.starts[first], tokens.ends[word]! + after.search(/\n|$/));
    if (word - first + 1 <= HEADING_WORDS && after.includes('\n') && !SENTENCE_CLOSE.test(line))
      headings.add(sentence);
    first = word + 1;
  }
  return headings;
}

function passagesOf(page: PageFingerprints, candidate: Candidate): Passage[] {
  return candidate.runs.map((run) => ({
    ...run,
    page: excerpt(page.tokens.text.slice(page.tokens.starts[run.pageFrom], page.tokens.ends[run.pageTo])),
    article: excerpt(
      candidate.tokens.text.slice(
        candidate.tokens.starts[run.articleFrom],
        candidate.tokens.ends[run.articleTo],
      ),
    ),
  }));
}

/** For benchmarks and tests: the same answer by comparing the page with every indexed article. */
export async function identifyBruteForce(
  sql: Sql,
  page: PageFingerprints,
  options: MatchOptions = DEFAULT_MATCH,
) {
  const rows = await sql.all<{ article_id: string; fingerprints: Uint8Array }>(
    'SELECT article_id, fingerprints FROM fingerprinted_articles ORDER BY doc',
  );
  let best: { id: string; coverage: number } | undefined;
  for (const row of rows) {
    const prints = unpackFingerprints(row.fingerprints);
    let present = 0;
    for (let i = 0; i < prints.high.length; i++)
      if (page.keys.has(key(prints.high[i]!, prints.low[i]!))) present++;
    const coverage = prints.high.length === 0 ? 0 : present / prints.high.length;
    if (!best || coverage > best.coverage) best = { id: row.article_id, coverage };
  }
  void options;
  return best;
}
