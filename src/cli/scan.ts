import { Option } from 'commander';
import { Cron } from 'croner';
import { loadTerms } from '../check/terms.ts';
import { loadAlerts } from '../config/alerts.ts';
import { loadSites } from '../config/sites.ts';
import { isSyndicateError, usageError } from '../errors.ts';
import { describeResult } from '../findings/types.ts';
import { logger } from '../log.ts';
import { runScan, type ScanConfig, type ScanSummary } from '../scan/scan.ts';
import { openSql } from '../store/db.ts';
import { safeLine } from '../text/safe.ts';
import { defineCommand, EXIT, type ExitCode, type GlobalOptions, type Io, type Progress } from './context.ts';
import {
  addCrawlOptions,
  type CrawlFlags,
  crawlOverrides,
  formatSummary,
  logProgress,
  progressBar,
} from './crawl-options.ts';

interface ScanFlags extends CrawlFlags {
  schedule?: string;
}

/** `syndicate scan [--site ID…] [--schedule CRON]`: crawl, check, record the scan. */
export const scanCommand = defineCommand({
  name: 'scan',
  declare(program) {
    return addCrawlOptions(
      program
        .command('scan')
        .description('crawl registered sites, check what they reprint, and record the findings of the scan'),
    ).addOption(
      new Option(
        '--schedule <cron>',
        'stay in the foreground and scan on this cron schedule, e.g. "0 3 * * *"',
      ),
    );
  },
  action(context) {
    return async (flags: ScanFlags) => {
      const globals = context.globals();
      // Configuration is read (and validated) once up front: a broken file fails at once, not at 3 a.m.
      const config = loadConfig(globals);
      if (flags.schedule) {
        return await scheduled(
          flags.schedule,
          () => scanOnce(globals, flags, context.io, loadConfig(globals), context.progress('')),
          context.io,
        );
      } else {
        return await scanOnce(globals, flags, context.io, config, context.progress(''));
      }
    };
  },
});

function loadConfig(globals: GlobalOptions): ScanConfig {
  return {
    sites: loadSites(globals.rules),
    terms: loadTerms(globals.rules),
    alerts: loadAlerts(globals.rules),
  };
}

async function scanOnce(
  globals: GlobalOptions,
  flags: ScanFlags,
  io: Io,
  config: ScanConfig,
  status: Progress,
): Promise<ExitCode> {
  const sql = await openSql(globals.store, { mustExist: true });
  const bar = io.interactive && !flags.schedule ? progressBar(status) : undefined;
  try {
    const summary = await runScan(sql, config, {
      ...crawlOverrides(flags),
      signal: io.stopSignal,
      onProgress: bar ?? logProgress,
    });
    bar?.end();
    io.stdout(formatScan(summary));
    if (summary.outage) {
      // A cron job must not go green during an outage: nothing was checked.
      io.stderr(
        `syndicate: no page of any site could be fetched (${Object.keys(summary.sites).length} unreachable): nothing was checked\n`,
      );
      return EXIT.error;
    }
    // Stopped by a signal: an error. Unfinished only because a site ran out of its time budget: the
    // scan is complete for the other sites, and that one is partly scanned and continues next time.
    if (!summary.crawl.finished && io.stopSignal.aborted) return EXIT.error;
    return summary.openViolations > 0 ? EXIT.findings : EXIT.ok;
  } finally {
    await sql.close();
  }
}

/**
 * Scan on a cron schedule until stopped. A scan that fails is logged and the schedule goes on; a
 * tick that comes while a scan still runs is skipped (croner's protect), never run alongside.
 * Stopping waits for the scan under way, which the same signal winds down.
 */
async function scheduled(pattern: string, run: () => Promise<ExitCode>, io: Io): Promise<ExitCode> {
  let job: Cron;
  try {
    job = new Cron(pattern, { protect: true, paused: true });
  } catch (error) {
    throw usageError(`--schedule ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
  const log = logger();
  let running: Promise<void> | undefined;
  const tick = async () => {
    try {
      const code = await run();
      log.info({ exitCode: code, next: job.nextRun()?.toISOString() }, 'scheduled scan done');
    } catch (error) {
      log.error({ err: isSyndicateError(error) ? error.toString() : error }, 'scheduled scan failed');
    }
  };
  job.schedule(() => {
    running = tick();
    return running;
  });
  job.resume();
  log.info({ schedule: pattern, next: job.nextRun()?.toISOString() }, 'waiting for the next scheduled scan');
  await new Promise<void>((resolve) => {
    if (io.stopSignal.aborted) resolve();
    io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
  });
  job.stop();
  // A scan under way sees the same signal and stops soon; wait for it to record what it did and
  // release the store, so that nothing writes to it after the command has returned.
  await running;
  return EXIT.ok;
}

function formatScan(summary: ScanSummary): string {
  const { scan } = summary;
  const open = summary.openFindings;
  const lines = [
    formatSummary(summary.crawl).trimEnd(),
    `scan ${scan.id} (${scan.sites.join(', ')}): ${scan.counts.pages} pages checked (${summary.judged} judged, ${summary.reused} unchanged)`,
    `  reprints:           ${scan.counts.reprints} (${scan.counts.compliant} compliant, ${scan.counts.violations} violating${
      scan.counts.uncertain ? `, ${scan.counts.uncertain} need review` : ''
    })`,
    `  new violations:     ${summary.newViolations.length}`,
    `  resolved:           ${summary.resolved.length}`,
    `  open violations:    ${open.open + open.contacted} (${open.open} open, ${open.contacted} contacted; ${summary.openViolations} seen in this scan)`,
  ];
  if (summary.deadlines.overdue.length)
    lines.push(`  overdue:            ${summary.deadlines.overdue.length} contacted past their deadline`);
  if (summary.deadlines.resolved.length)
    lines.push(`  fixed after a deadline: ${summary.deadlines.resolved.length}`);
  if (summary.revisited) lines.push(`  revisited:          ${summary.revisited} pages with open findings`);
  for (const alert of summary.alerts) {
    lines.push(`  webhook ${alert.url}: ${alert.ok ? 'delivered' : `failed (${alert.error ?? 'error'})`}`);
  }
  lines.push('', ...siteTable(summary));
  return `${lines.join('\n')}\n`;
}

/** Failures shown per site on the terminal; the report lists them all. */
const FAILURES_SHOWN = 5;

/** Each site's result, and the first URLs that failed, with text from the sites made safe. */
function siteTable(summary: ScanSummary): string[] {
  const bySite = summary.scan.counts.bySite ?? {};
  const rows = Object.entries(summary.sites).map(([site, outcome]) => [
    site,
    describeResult(outcome),
    String(outcome.pagesChecked),
    String(outcome.failed),
    String(bySite[site]?.reprints ?? 0),
    String(bySite[site]?.violations ?? 0),
  ]);
  const header = ['site', 'result', 'pages checked', 'failed', 'reprints', 'violations'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const format = (cells: string[]) =>
    `  ${cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const lines = [format(header)];
  for (const [index, outcome] of Object.values(summary.sites).entries()) {
    lines.push(format(rows[index]!));
    for (const failure of outcome.failures.slice(0, FAILURES_SHOWN)) {
      lines.push(`      ${safeLine(failure.url)}  ${safeLine(failure.kind)}: ${safeLine(failure.message)}`);
    }
    if (outcome.failed > FAILURES_SHOWN)
      lines.push(`      … and ${outcome.failed - FAILURES_SHOWN} more (see the report)`);
    if (outcome.incomplete.length && outcome.result !== 'unreachable')
      lines.push(`      partly scanned: ${outcome.incomplete.join('; ')}`);
  }
  return lines;
}
