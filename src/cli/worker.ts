import { Option } from 'commander';
import { loadTerms } from '../check/terms.ts';
import { loadSites } from '../config/sites.ts';
import { crawlerSettings } from '../crawl/settings.ts';
import { usageError } from '../errors.ts';
import { logger } from '../log.ts';
import { type DiscoverJob, discoverFileJob } from '../queue/discover-jobs.ts';
import { JobQueue, QUEUES, type SiteJob } from '../queue/queue.ts';
import { crawlSiteJob } from '../queue/site-jobs.ts';
import { isPostgresUrl, openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';
import { integerOption } from './options.ts';

interface WorkerFlags {
  concurrency: number;
}

/** How long past a site's time budget its job may take before another worker is given it. */
const LEASE_MARGIN_SECONDS = 5 * 60;

/**
 * `syndicate worker [--concurrency N]`: with a PostgreSQL store, take site jobs from the queue
 * (put there by `scan`) and crawl each site under the cluster's host limits, until SIGTERM or
 * SIGINT. Run it on as many machines as you like; each needs the same `rules/` and the store URL.
 */
export const workerCommand = defineCommand({
  name: 'worker',
  declare(program) {
    return program
      .command('worker')
      .description('with a PostgreSQL store: take site and discover jobs from the queue and work them')
      .addOption(
        new Option('--concurrency <n>', 'site jobs worked at once by this process')
          .argParser(integerOption(1))
          .default(2),
      );
  },
  action(context) {
    return async (flags: WorkerFlags) => {
      const globals = context.globals();
      if (!isPostgresUrl(globals.store)) {
        throw usageError('worker needs a PostgreSQL store: --store postgres://… (or SYNDICATE_STORE)');
      }
      const config = loadSites(globals.rules);
      const crawler = crawlerSettings(config, {});
      const sql = await openSql(globals.store, { mustExist: true });
      const queue = await JobQueue.open(globals.store, {
        siteLeaseSeconds: Math.ceil(crawler.siteTimeBudgetMs / 1000) + LEASE_MARGIN_SECONDS,
        maxConnections: flags.concurrency + 2,
      }).catch(async (error: unknown) => {
        await sql.close();
        throw error;
      });
      try {
        await queue.work<SiteJob>(QUEUES.site, flags.concurrency, (job, signal) =>
          crawlSiteJob(sql, config, job, signal),
        );
        // Archive files of `discover` runs: the terms are read once, as a scan's are.
        const discover = { sql, store: globals.store, terms: loadTerms(globals.rules), registry: config };
        await queue.work<DiscoverJob>(QUEUES.discover, flags.concurrency, (job, signal) =>
          discoverFileJob(discover, job, signal),
        );
        logger().info({ concurrency: flags.concurrency }, 'worker waiting for jobs');
        await new Promise<void>((resolve) => {
          if (context.io.stopSignal.aborted) resolve();
          context.io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        // Jobs under way see the stop, leave their sites resumable and go back on the queue.
        await queue.stop();
        await sql.close();
      }
      return EXIT.ok;
    };
  },
});
