/**
 * What `check` finds, in the shape of the brief's `check --format json` contract. Fields may be
 * added; the ones named in the brief stay.
 */
export type RuleId = 'source-attribution' | 'copyright-notice' | 'link-to-original' | 'commercial-use';

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

export interface ReprintMatch {
  article: { id: string; url: string; title: string };
  /** Share of the article's fingerprints found on the page, 0..1. */
  coverage: number;
  kind: 'full' | 'excerpt';
  verdict: 'compliant' | 'violation';
  violations: Violation[];
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
}

export interface CheckReport {
  pages: PageResult[];
}
