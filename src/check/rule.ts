import type { AnyNode } from 'domhandler';
import type { z } from 'zod';
import type { Site } from '../config/sites.ts';
import type { Terms } from '../config/terms.ts';
import type { PageDocument } from '../match/page.ts';
import type { PageSnapshot } from '../snapshot/index.ts';
import type { Article } from '../store/article.ts';

/** What a rule sees: saved page data and the matched article. A rule never fetches anything. */
export interface RuleContext<Options = unknown> {
  snapshot: PageSnapshot;
  page: PageDocument;
  /** The elements that belong to the post reprinting this article (never sidebars or site footers). */
  scope: AnyNode[];
  article: Article;
  match: { coverage: number; kind: 'full' | 'excerpt' };
  /** The registered site the page belongs to, if any. */
  site: Site | undefined;
  terms: Terms;
  options: Options;
}

/** A rule's answer: a message id from its templates and the data that fills it (ESLint style). */
export interface RuleReport {
  outcome: 'pass' | 'fail' | 'unknown';
  messageId?: string;
  data?: Record<string, string | number>;
  evidence?: string;
  details?: Record<string, unknown>;
}

export interface RuleMeta<Options> {
  id: string;
  title: string;
  failureTitle: string;
  /** What the rule checks and why; the documentation of the rule. */
  description: string;
  optionsSchema: z.ZodType<Options>;
  /** Message templates by id; `{{name}}` is replaced from the report's data. */
  messages: Record<string, string>;
}

export interface Rule<Options = unknown> {
  meta: RuleMeta<Options>;
  check(context: RuleContext<Options>): RuleReport;
}

/** Identity helper: gives a rule its types. */
export function defineRule<Options>(rule: Rule<Options>): Rule<Options> {
  return rule;
}

export function fillMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) =>
    name in data ? String(data[name]) : whole,
  );
}
