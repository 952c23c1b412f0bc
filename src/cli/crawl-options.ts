import { type Command, Option } from 'commander';
import type { CrawlProgress, CrawlSummary } from '../crawl/crawl.ts';
import { logger } from '../log.ts';
import type { Progress } from './context.ts';
import { integerOption } from './options.ts';

/** What `crawl` and `scan` share: their options, the progress bar and the crawl's summary. */

export interface CrawlFlags {
  site?: string[];
  delay?: number;
  perHost?: number;
  allowPrivateNetworks?: boolean;
}

/** The options `crawl` and `scan` share: which sites, and the politeness overrides. */
export function addCrawlOptions(command: Command): Command {
  return command
    .addOption(new Option('--site <id...>', 'only these sites (ids from sites.yaml)'))
    .addOption(
      new Option('--delay <ms>', 'pause between two requests to one host (default 1000)').argParser(
        integerOption(0),
      ),
    )
    .addOption(
      new Option('--per-host <n>', 'requests in flight to one host (default 1)').argParser(integerOption(1)),
    )
    .addOption(new Option('--allow-private-networks', 'allow private, loopback and link-local addresses'));
}

/** The command-line flags as overrides of the crawl options (absent flags leave the configuration). */
export function crawlOverrides(flags: CrawlFlags) {
  return {
    ...(flags.site ? { siteIds: flags.site } : {}),
    ...(flags.delay !== undefined ? { delayMs: flags.delay } : {}),
    ...(flags.perHost !== undefined ? { perHost: flags.perHost } : {}),
    ...(flags.allowPrivateNetworks ? { allowPrivateNetworks: true as const } : {}),
  };
}

export function logProgress(progress: CrawlProgress): void {
  const { item } = progress;
  const line = { passId: progress.passId, done: progress.done, total: progress.total, ...item };
  if (item.state === 'failed') logger().warn(line, 'crawl item failed');
  else logger().info(line, 'crawl item');
}

/** The crawl's progress as a bar on the terminal's status line (log lines pass above it). */
export function progressBar(status: Progress): ((progress: CrawlProgress) => void) & { end(): void } {
  const width = 30;
  const update = (progress: CrawlProgress) => {
    const share = progress.total ? progress.done / progress.total : 0;
    const filled = Math.round(share * width);
    status.update(
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progress.done}/${progress.total}  pages ${progress.pagesFetched}  failed ${progress.failed}`,
      progress.done >= progress.total,
    );
  };
  return Object.assign(update, { end: () => status.end() });
}

export function formatSummary(summary: CrawlSummary): string {
  const lines = [
    `crawl pass ${summary.passId} (${summary.sites.join(', ')})${summary.resumed ? ', resumed' : ''}: ${
      summary.finished ? 'finished' : 'stopped'
    } in ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  pages fetched:     ${summary.pagesFetched}`,
    `  not modified:      ${summary.notModified}`,
    `  skipped by robots: ${summary.skippedByRobots}`,
  ];
  for (const [reason, count] of Object.entries(summary.skipped)) {
    if (reason !== 'robots') lines.push(`  skipped (${reason}): ${count}`);
  }
  for (const [site, budget] of Object.entries(summary.overBudget)) {
    lines.push(`  partly crawled:    ${site} (over its ${budget} budget)`);
  }
  lines.push(`  failed:            ${summary.failures}`);
  for (const [kind, count] of Object.entries(summary.failed).sort()) lines.push(`    ${kind}: ${count}`);
  return `${lines.join('\n')}\n`;
}
