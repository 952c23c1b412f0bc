/**
 * What `check` finds, in the shape of the brief's `check --format json` contract. Fields may be
 * added; the ones named in the brief stay.
 */
export interface Violation {
  rule: string;
  /** A stable message id from the rule's templates (ESLint style) and the data that filled it. */
  messageId: string;
  message: string;
  evidence: string;
  data?: Record<string, unknown>;
}

/** The outcome of one rule on one reprint. `unknown`: the rule cannot tell (an unregistered site). */
export interface RuleOutcome {
  rule: string;
  outcome: 'pass' | 'fail' | 'unknown' | 'error';
  messageId?: string;
  message?: string;
  evidence?: string;
  details?: Record<string, unknown>;
}

export interface MatchedPassage {
  /** The passage as it reads on the page. */
  page: string;
  /** The same passage as it reads in the article. */
  article: string;
}

/**
 * `compliant`: every rule passes. `violation`: a rule fails. `uncertain`: no rule fails for sure,
 * but one may, on a reading the checker cannot trust (the post's bounds are unclear, the credit may
 * be in a region a stylesheet hides, a rule could not read the markup): shown for review, never
 * counted as a violation, an alert or a notice.
 */
export type Verdict = 'compliant' | 'violation' | 'uncertain';

/** A rule that may fail, and why the checker cannot tell. */
export interface Suspected extends Violation {
  reason: string;
}

/** Shared text that is a quotation of one or two sentences, not a reprint. */
export interface QuotationNote {
  article: { id: string; url: string; title: string };
  sentences: number;
  words: number;
  passages: MatchedPassage[];
}

export interface ReprintMatch {
  article: { id: string; url: string; title: string };
  /** Share of the article's fingerprints found on the page, 0..1. */
  coverage: number;
  kind: 'full' | 'excerpt';
  verdict: Verdict;
  violations: Violation[];
  /** Only with `uncertain`: the rules that may fail, each with the reason. Never in `violations`. */
  suspected?: Suspected[];
  /** Only with `uncertain`: why the verdict cannot be trusted, in one sentence. */
  reason?: string;
  rules: RuleOutcome[];
  passages: MatchedPassage[];
}

export interface PageResult {
  url: string;
  status: 'reprint' | 'no-match' | 'error';
  error?: string;
  title?: string;
  fetchedAt?: string;
  /** The site of the registry the page belongs to, when it is registered. */
  site?: string;
  matches: ReprintMatch[];
  /** Articles the page only quotes (one or two sentences); they are not judged. */
  quotations?: QuotationNote[];
}

export interface CheckReport {
  pages: PageResult[];
}
