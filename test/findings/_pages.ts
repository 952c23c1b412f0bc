import type { PageResult, ReprintMatch, Violation } from '../../src/check/result.ts';
import type { Site } from '../../src/config/sites.ts';
import type { ScannedPage } from '../../src/findings/index.ts';

/** Sample check results for findings, report and server tests. */
export const sites: Site[] = [
  {
    id: 'peace-blog',
    name: 'Peace Blog',
    url: 'https://peaceblog.example/',
    kind: 'community',
    contact: 'editor@peaceblog.example',
    discover: { maxDepth: 2, maxPages: 500 },
  },
  {
    id: 'market-news',
    url: 'https://marketnews.example/',
    kind: 'commercial',
    discover: { maxDepth: 2, maxPages: 500 },
    licence: { granted: '2025-01-01', expires: '2025-12-31', reference: 'L-42' },
  },
];

export const article = {
  id: 'palmyra',
  url: 'https://northwind.example/palmyra-again/123',
  title: 'Palmyra, again',
};

export function linkViolation(overrides: Partial<Violation> = {}): Violation {
  return {
    rule: 'link-to-original',
    messageId: 'missing',
    message: 'no link to the original article',
    evidence: 'links found: https://northwind.example/ (home page only)',
    ...overrides,
  };
}

export function match(verdict: 'compliant' | 'violation', violations: Violation[] = []): ReprintMatch {
  return {
    article,
    coverage: 0.97,
    kind: 'full',
    verdict,
    violations: verdict === 'violation' ? violations : [],
    rules: [
      {
        rule: 'link-to-original',
        outcome: verdict === 'violation' ? 'fail' : 'pass',
        details: {
          links: [
            { href: 'https://northwind.example/', rel: 'nofollow', text: 'Northwind' },
            { href: 'javascript:alert(1)', text: 'click' },
          ],
        },
      },
    ],
    passages: [
      {
        page: 'The ancient city was taken again this week.',
        article: 'The ancient city was taken again this week.',
      },
    ],
  };
}

export function page(
  url: string,
  verdict: 'compliant' | 'violation',
  options: { title?: string; hash?: string; violations?: Violation[]; site?: string } = {},
): ScannedPage {
  const result: PageResult & { reprintHash?: string } = {
    url,
    status: 'reprint',
    title: options.title ?? 'Palmyra again | Peace Blog',
    fetchedAt: '2026-01-10T10:00:00.000Z',
    matches: [match(verdict, options.violations ?? [linkViolation()])],
  };
  if (options.site) result.site = options.site;
  if (options.hash) result.reprintHash = options.hash;
  return result;
}
