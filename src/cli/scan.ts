import { Option } from 'commander';
import { Cron } from 'croner';
import { loadTerms } from '../check/terms.ts';
import { loadAlerts } from '../config/alerts.ts';
import { loadSites } from '../config/sites.ts';
import { crawlerSettings } from '../crawl/settings.ts';
import { clusterHostLimits, type SharedHostLimits } from '../crawl/shared-host-limits.ts';
import { isSyndicateError, usageError } from '../errors.ts';
import { describeResult } from '../findings/types.ts';
import { logger } from '../log.ts';
import { JobQueue, QUEUES, type QueueProgress, type SiteJob } from '../queue/queue.ts';
import { crawlSiteJob, siteLeaseSeconds } from '../queue/site-jobs.ts';
import { crawlOnQueue } from '../scan/queued-crawl.ts';
import { runScan, type ScanConfig, type ScanSummary } from '../scan/scan.ts';
import { isPostgresUrl, openSql } from '../store/db.ts';
import type { Sql } from '../store/sql.ts';
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
  /** `--no-work` makes it false: on PostgreSQL, leave the site jobs to `syndicate worker`. */
  work: boolean;
}

/** Site jobs a `scan` on PostgreSQL crawls itself at once, while it waits for them. */
const MAX_LANES = 4;

/** How often `scan --schedule` on PostgreSQL looks at the cluster's schedule (one process does, each time). */
const CRON_CHECK_SECONDS = 10;

/** `syndicate scan [--site ID…] [--schedule CRON]`: crawl, check, record the scan. */
export const scanCommand = defineCommand({
  name: 'scan',
  declare(program) {
    return addCrawlOptions(
      program
        .command('scan')
        .description('crawl registered sites, check what they reprint, and record the findings of the scan'),
    )
      .addOption(
        new Option(
          '--schedule <cron>',
          'stay in the foreground and scan on this cron schedule, e.g. "0 3 * * *"',
        ),
      )
      .addOption(
        new Option(
          '--no-work',
          'with a PostgreSQL store: only queue the site jobs and wait for `syndicate worker` processes (by default this process crawls them too)',
        ),
      );
  },
  action(context) {
    return async (flags: ScanFlags) => {
      const globals = context.globals();
      // Configuration is read (and validated) once up front: a broken file fails at once, not at 3 a.m.
      const config = loadConfig(globals);
      if (flags.schedule && isPostgresUrl(globals.store)) {
        return await scheduledOnQueue(flags.schedule, globals, flags, context.io, config);
      }
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

/**
 * One scan. On a SQLite store it crawls in this process. On a PostgreSQL store it puts one site job
 * per site on the queue (`shared`, or one opened for this scan), crawls some of them itself unless
 * `--no-work`, waits for all of them with progress, then judges and records what the sites' passes
 * hold, as the SQLite scan does.
 */
async function scanOnce(
  globals: GlobalOptions,
  flags: ScanFlags,
  io: Io,
  config: ScanConfig,
  status: Progress,
  shared?: JobQueue,
): Promise<ExitCode> {
  const sql = await openSql(globals.store, { mustExist: true });
  const bar = io.interactive && !flags.schedule ? progressBar(status) : undefined;
  const overrides = crawlOverrides(flags);
  let onQueue: { queue: JobQueue; own: boolean; limits: SharedHostLimits } | undefined;
  try {
    if (isPostgresUrl(globals.store)) {
      const queue = shared ?? (await openScanQueue(globals.store, config, flags, { work: sql }));
      onQueue = { queue, own: !shared, limits: sharedLimits(sql, config, flags) };
    }
    const summary = await runScan(sql, config, {
      ...overrides,
      signal: io.stopSignal,
      onProgress: bar ?? logProgress,
      ...(onQueue
        ? {
            crawlSites: crawlOnQueue(onQueue.queue, {
              leaseSeconds: leaseOf(config, flags),
              onProgress: io.interactive && !flags.schedule ? siteJobsBar(status) : logSiteJobs,
            }),
            politeness: onQueue.limits,
          }
        : {}),
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
    // This process's own site jobs (of other scans, at most) go back on the queue for a worker.
    if (onQueue?.own) await onQueue.queue.stop();
    await onQueue?.limits.close();
    await sql.close();
  }
}

/** The lease of a site job: the site's wall-clock budget and a margin. */
function leaseOf(config: ScanConfig, flags: ScanFlags): number {
  return siteLeaseSeconds(crawlerSettings(config.sites, crawlOverrides(flags)).siteTimeBudgetMs);
}

function sharedLimits(sql: Sql, config: ScanConfig, flags: ScanFlags): SharedHostLimits {
  return clusterHostLimits(sql, crawlerSettings(config.sites, crawlOverrides(flags)));
}

/**
 * The store's job queue as `scan` uses it. With `work` (unless `--no-work`), this process also
 * takes site jobs, a few at a time, so that a scan run alone on PostgreSQL (no `syndicate worker`
 * anywhere) still finishes; with workers running, they and the scan share the jobs.
 */
async function openScanQueue(
  store: string,
  config: ScanConfig,
  flags: ScanFlags,
  options: { work?: Sql; schedule?: boolean },
): Promise<JobQueue> {
  const lanes = Math.max(1, Math.min(MAX_LANES, selectedSites(config, flags)));
  const queue = await JobQueue.open(store, {
    siteLeaseSeconds: leaseOf(config, flags),
    maxConnections: lanes + 2,
    ...(options.schedule ? { schedule: true, cronCheckSeconds: CRON_CHECK_SECONDS } : {}),
  });
  const sql = options.work;
  if (sql && flags.work) {
    try {
      await queue.work<SiteJob>(QUEUES.site, lanes, (job, signal) =>
        crawlSiteJob(sql, config.sites, job, signal),
      );
    } catch (error) {
      await queue.stop();
      throw error;
    }
  }
  return queue;
}

function selectedSites(config: ScanConfig, flags: ScanFlags): number {
  return flags.site?.length ? flags.site.length : config.sites.sites.length;
}

/** The site jobs' progress on the terminal's status line. */
function siteJobsBar(status: Progress): (progress: QueueProgress) => void {
  const width = 30;
  return (progress) => {
    const done = progress.completed + progress.failed;
    const filled = Math.round((progress.total ? done / progress.total : 0) * width);
    status.update(
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${progress.total} sites  crawling ${progress.active}  waiting ${progress.waiting}  failed ${progress.failed}`,
      done >= progress.total,
    );
  };
}

function logSiteJobs(progress: QueueProgress): void {
  logger().info({ ...progress }, 'site jobs');
}

/**
 * `scan --schedule` on a PostgreSQL store: the schedule is the cluster's, kept in the database by
 * pg-boss, and each slot runs one scan in one process however many run `scan --schedule` (see
 * `JobQueue.everyCron`). Between scans the process takes site jobs like a worker (unless
 * `--no-work`). Stopping stops taking jobs and lets a scan under way record what it did.
 */
async function scheduledOnQueue(
  pattern: string,
  globals: GlobalOptions,
  flags: ScanFlags,
  io: Io,
  config: ScanConfig,
): Promise<ExitCode> {
  let next: Date | null;
  try {
    next = new Cron(pattern, { paused: true, timezone: 'UTC' }).nextRun();
  } catch (error) {
    throw usageError(`--schedule ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
  const log = logger();
  const sql = await openSql(globals.store, { mustExist: true });
  let queue: JobQueue;
  try {
    queue = await openScanQueue(globals.store, config, flags, { work: sql, schedule: true });
  } catch (error) {
    await sql.close();
    throw error;
  }
  try {
    await queue.everyCron(pattern, async (signal) => {
      const stop = AbortSignal.any([signal, io.stopSignal]);
      try {
        const code = await scanOnce(
          globals,
          flags,
          { ...io, stopSignal: stop },
          loadConfig(globals),
          noProgress,
          queue,
        );
        log.info({ exitCode: code }, 'scheduled scan done');
        return { exitCode: code };
      } catch (error) {
        log.error({ err: isSyndicateError(error) ? error.toString() : error }, 'scheduled scan failed');
        throw error;
      }
    });
    log.info(
      { schedule: pattern, timezone: 'UTC', next: next?.toISOString() },
      'waiting for the next scheduled scan',
    );
    await new Promise<void>((resolve) => {
      if (io.stopSignal.aborted) resolve();
      io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    // A scan under way sees the stop, records what it did, and the queue waits for it.
    await queue.stop();
    await sql.close();
  }
  return EXIT.ok;
}

const noProgress: Progress = { update() {}, end() {} };

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
  // On the job queue each site has a pass of its own: the first line names them all.
  const passes = [...new Set(Object.values(summary.passes))].sort((a, b) => a - b);
  let crawl = formatSummary(summary.crawl).trimEnd();
  if (passes.length > 1)
    crawl = crawl.replace(`crawl pass ${summary.crawl.passId} `, `crawl passes ${passes.join(', ')} `);
  const lines = [
    crawl,
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
