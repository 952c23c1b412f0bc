import { describe, expect, it } from 'vitest';
import type { SiteFailure } from '../../src/findings/index.ts';
import { isOutage, siteOutcomes } from '../../src/scan/site-results.ts';

const failure = (url: string, kind = 'timeout'): SiteFailure => ({
  url,
  kind,
  message: `${kind} after 3 tries`,
});

/** Each row: what the crawl and the checks saw of one site, and what the scan must call it. */
const cases: Array<{
  name: string;
  checked?: number;
  failures?: SiteFailure[];
  queued?: number;
  budget?: string;
  violations?: number;
  result: string;
  complete: boolean;
}> = [
  { name: 'every page checked, none violating', checked: 4, result: 'compliant', complete: true },
  { name: 'a site that lists no pages and fails nothing', checked: 0, result: 'compliant', complete: true },
  { name: 'a violation found', checked: 4, violations: 2, result: 'violations', complete: true },
  {
    name: 'robots.txt unreadable',
    failures: [failure('http://a.example/', 'robots-unavailable')],
    result: 'unreachable',
    complete: false,
  },
  {
    name: 'some pages failed',
    checked: 3,
    failures: [failure('http://a.example/x')],
    result: 'partly scanned',
    complete: false,
  },
  { name: 'over its time budget', checked: 3, budget: 'time', result: 'partly scanned', complete: false },
  {
    name: 'stopped by a signal with pages queued',
    checked: 1,
    queued: 5,
    result: 'partly scanned',
    complete: false,
  },
  {
    name: 'violations while some pages failed',
    checked: 3,
    violations: 1,
    failures: [failure('http://a.example/x')],
    result: 'violations',
    complete: false,
  },
  {
    name: 'over budget before any page was fetched',
    checked: 0,
    budget: 'time',
    result: 'partly scanned',
    complete: false,
  },
];

describe('a site’s result in a scan', () => {
  it.each(cases)('$name → $result', (row) => {
    const outcomes = siteOutcomes(['a'], {
      checked: new Map([['a', row.checked ?? 0]]),
      failures: new Map([['a', row.failures ?? []]]),
      queued: new Map([['a', row.queued ?? 0]]),
      overBudget: new Map(row.budget ? [['a', row.budget]] : []),
      violations: new Map([['a', row.violations ?? 0]]),
    });
    expect(outcomes.a).toMatchObject({ result: row.result, complete: row.complete });
    expect(outcomes.a!.failed).toBe(row.failures?.length ?? 0);
    if (row.budget) expect(outcomes.a!.incomplete.join()).toContain(`over its ${row.budget} budget`);
  });

  it('keeps the first 200 failures of a site and counts them all', async () => {
    const many = Array.from({ length: 450 }, (_, i) => failure(`http://a.example/${i}`));
    const outcome = siteOutcomes(['a'], {
      checked: new Map([['a', 10]]),
      failures: new Map([['a', many]]),
      queued: new Map(),
      overBudget: new Map(),
      violations: new Map(),
    }).a!;
    expect(outcome.failed).toBe(450);
    expect(outcome.failures).toHaveLength(200);
    expect(outcome.failures[0]!.url).toBe('http://a.example/0');
  });

  it('is an outage only when no page of any site was fetched and something failed', async () => {
    const facts = (checked: number[], failed: number[]) =>
      siteOutcomes(['a', 'b'], {
        checked: new Map([
          ['a', checked[0]!],
          ['b', checked[1]!],
        ]),
        failures: new Map([
          ['a', Array.from({ length: failed[0]! }, () => failure('http://a.example/'))],
          ['b', Array.from({ length: failed[1]! }, () => failure('http://b.example/'))],
        ]),
        queued: new Map(),
        overBudget: new Map(),
        violations: new Map(),
      });
    expect(isOutage(facts([0, 0], [1, 1]))).toBe(true);
    expect(isOutage(facts([0, 0], [1, 0]))).toBe(true);
    expect(isOutage(facts([0, 3], [1, 0]))).toBe(false);
    expect(isOutage(facts([0, 0], [0, 0]))).toBe(false);
    expect(isOutage({})).toBe(false);
  });
});
