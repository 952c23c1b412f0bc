import { Option } from 'commander';
import { usageError } from '../errors.ts';
import {
  type Finding,
  getFinding,
  listFindings,
  REVIEW_STATUSES,
  type ReviewStatus,
  setDeadline,
  setStatus,
} from '../findings/index.ts';
import { openSql } from '../store/db.ts';
import type { Sql } from '../store/sql.ts';
import { csvRow } from '../text/csv.ts';
import { safeForTerminal } from '../text/safe.ts';
import { defineCommand, EXIT } from './context.ts';

const VERDICTS = ['violation', 'compliant', 'uncertain'] as const;
const FORMATS = ['text', 'json', 'csv'] as const;

/**
 * `findings [--status S] [--site ID] [--verdict V] [--format text|json|csv]` lists findings;
 * `findings set ID… --status S [--note T] [--deadline DAY] --who NAME` changes them with the same
 * audit log as the review pages (one transaction for all, through the findings module).
 */
export const findingsCommand = defineCommand({
  name: 'findings',
  declare(program) {
    // One command, not a `set` subcommand: `--status` is a filter when listing and the new status
    // when setting, and commander would give a subcommand's `--status` to the parent.
    return program
      .command('findings')
      .usage(
        '[--status S…] [--site ID] [--verdict V] [--format F]  |  set ID… --status S [--note TEXT] [--deadline DAY] --who NAME',
      )
      .description('list findings, or change their status from a script (`findings set`)')
      .argument('[set]', '`set` to change the status of the findings named next')
      .argument('[ids...]', 'with `set`: finding ids')
      .addOption(
        new Option(
          '--status <status...>',
          'only findings with this status; with `set`, the new status',
        ).choices(REVIEW_STATUSES),
      )
      .option('--site <id>', 'only findings on this site')
      .addOption(
        new Option(
          '--verdict <verdict>',
          'only findings whose last check says this (uncertain: needs review)',
        ).choices(VERDICTS),
      )
      .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
      .option('--note <text>', 'with `set`: a note for the audit log')
      .option(
        '--deadline <day>',
        'with `set`: the day (YYYY-MM-DD) by which the site should fix the reprint; a scan after it marks the finding resolved or overdue ("none" clears it)',
      )
      .option('--who <name>', 'with `set`: who makes the change, as the audit log names them');
  },
  action(context) {
    return async (verb: string | undefined, ids: string[], options: FindingsOptions) => {
      if (verb !== undefined && verb !== 'set')
        throw usageError(`findings: unknown action ${verb}; did you mean \`findings set\`?`);
      const sql = await openSql(context.globals().store, { mustExist: true });
      try {
        if (verb === 'set') await setFindings(sql, ids, options, context.io.stdout);
        else await listFindingsTo(sql, options, context.io.stdout);
        return EXIT.ok;
      } finally {
        await sql.close();
      }
    };
  },
});

interface FindingsOptions {
  status?: ReviewStatus[];
  site?: string;
  verdict?: (typeof VERDICTS)[number];
  format: (typeof FORMATS)[number];
  note?: string;
  deadline?: string;
  who?: string;
}

async function listFindingsTo(
  sql: Sql,
  options: FindingsOptions,
  write: (text: string) => void,
): Promise<void> {
  if (options.note !== undefined || options.who !== undefined || options.deadline !== undefined) {
    throw usageError('--note, --deadline and --who go with `findings set`');
  }
  const rows = await listFindings(sql, {
    ...(options.status ? { status: options.status } : {}),
    ...(options.site ? { site: options.site } : {}),
    ...(options.verdict ? { verdict: options.verdict } : {}),
  });
  write(formatters[options.format](rows));
}

async function setFindings(
  sql: Sql,
  idTexts: string[],
  options: FindingsOptions,
  write: (text: string) => void,
): Promise<void> {
  if (idTexts.length === 0) throw usageError('findings set: name the findings to change (their ids)');
  const ids = idTexts.map((text) => {
    if (!/^\d+$/.test(text) || Number(text) < 1)
      throw usageError(`findings set: ${text} is not a finding id`);
    return Number(text);
  });
  const status = options.status?.[0];
  if (!status || options.status?.length !== 1) {
    throw usageError('findings set: give one new status with --status');
  }
  if (!options.who?.trim()) throw usageError('findings set: say who makes the change with --who');
  if (options.site !== undefined || options.verdict !== undefined) {
    throw usageError('findings set: --site and --verdict are filters for listing');
  }
  // Every id is checked before anything changes: a typo in the fifth id changes none.
  const missing: number[] = [];
  for (const id of ids) if (!(await getFinding(sql, id))) missing.push(id);
  if (missing.length) throw usageError(`no finding ${missing.join(', ')}`);
  const deadline =
    options.deadline === undefined ? undefined : options.deadline === 'none' ? null : options.deadline;
  const changed = await sql.tx(async () => {
    const findings: Finding[] = [];
    for (const id of ids) {
      const finding = await setStatus(sql, id, status, {
        who: options.who!,
        ...(options.note !== undefined ? { note: options.note } : {}),
      });
      findings.push(
        deadline === undefined ? finding : await setDeadline(sql, id, deadline, { who: options.who! }),
      );
    }
    return findings;
  });
  for (const finding of changed)
    write(
      `finding ${finding.id}: ${finding.status}${finding.deadline ? `, deadline ${finding.deadline}` : ''}\n`,
    );
}

const COLUMNS = [
  'id',
  'status',
  'verdict',
  'site',
  'rules',
  'page_url',
  'article_id',
  'article_url',
  'first_seen',
  'last_seen',
] as const;

function cells(finding: Finding): Record<(typeof COLUMNS)[number], string | number> {
  return {
    id: finding.id,
    status: finding.status,
    verdict: finding.verdict,
    site: finding.site ?? '',
    rules: finding.violations.map((violation) => violation.rule).join(' '),
    page_url: finding.pageUrl,
    article_id: finding.articleId,
    article_url: finding.articleUrl,
    first_seen: finding.firstSeen,
    last_seen: finding.lastSeen,
  };
}

const formatters: Record<(typeof FORMATS)[number], (rows: Finding[]) => string> = {
  json: (rows) =>
    `${JSON.stringify(
      rows.map((finding) => ({
        id: finding.id,
        status: finding.status,
        verdict: finding.verdict,
        site: finding.site,
        pageUrl: finding.pageUrl,
        pageTitle: finding.pageTitle,
        articleId: finding.articleId,
        articleUrl: finding.articleUrl,
        articleTitle: finding.articleTitle,
        violations: finding.violations,
        firstSeen: finding.firstSeen,
        lastSeen: finding.lastSeen,
        resolvedAt: finding.resolvedAt,
        deadline: finding.deadline ?? null,
        overdueSince: finding.overdueSince ?? null,
      })),
      null,
      2,
    )}\n`,
  csv: (rows) =>
    csvRow(COLUMNS) + rows.map((finding) => csvRow(COLUMNS.map((column) => cells(finding)[column]))).join(''),
  text: (rows) => {
    if (rows.length === 0) return 'no findings\n';
    // Text from crawled pages reaches a terminal here: escaped so that no page can drive it.
    const lines = rows.map((finding) => {
      const row = cells(finding);
      const head = `${String(row.id).padStart(5)}  ${String(row.status).padEnd(9)}  ${String(row.verdict).padEnd(9)}  ${String(row.site || '-').padEnd(16)}  ${row.rules || '-'}`;
      return `${safeForTerminal(head)}\n       ${safeForTerminal(String(row.page_url))}`;
    });
    return `${lines.join('\n')}\n${rows.length} finding(s)\n`;
  },
};
