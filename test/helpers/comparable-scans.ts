import type { PageResult } from '../../src/check/result.ts';
import { openSql } from '../../src/store/db.ts';

/**
 * What a store's scans found, in a form two stores can be compared in: one line each, sorted, with
 * no ids, row order or dates (those differ between two scans of the same network). No test runner
 * here: the benchmarks use it too.
 */

/** The findings: site, page, article, verdict, status and the rules broken. */
export async function comparableFindings(store: string): Promise<string[]> {
  const sql = await openSql(store);
  try {
    const rows = await sql.all<{
      site: string | null;
      page_url: string;
      article_id: string;
      verdict: string;
      status: string;
      violations: string;
    }>('SELECT site, page_url, article_id, verdict, status, violations FROM findings');
    return rows
      .map((row) => {
        const rules = [
          ...new Set((JSON.parse(row.violations) as Array<{ rule: string }>).map((v) => v.rule)),
        ];
        return `${row.site ?? '-'} ${row.page_url} ${row.article_id} ${row.verdict} ${row.status} [${rules.sort().join(',')}]`;
      })
      .sort();
  } finally {
    await sql.close();
  }
}

/**
 * Every page a store's scans judged, as two stores can compare them, sorted: site, page, status,
 * and per article it reprints the verdict, kind and the rules broken (compliant reprints too,
 * which leave no finding).
 */
export async function comparableVerdicts(store: string): Promise<string[]> {
  const sql = await openSql(store);
  try {
    const rows = await sql.all<{ result: string }>('SELECT result FROM scan_judgements');
    return rows
      .map((row) => {
        const page = JSON.parse(row.result) as PageResult;
        const matches = page.matches.map((match) => {
          const rules = [...new Set(match.violations.map((violation) => violation.rule))].sort();
          return `${match.article.id} ${match.verdict} ${match.kind} [${rules.join(',')}]`;
        });
        return `${page.site ?? '-'} ${page.url} ${page.status} ${matches.sort().join('; ')}`.trimEnd();
      })
      .sort();
  } finally {
    await sql.close();
  }
}
