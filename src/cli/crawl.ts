import { loadSites } from '../config/sites.ts';
import { crawl } from '../crawl/crawl.ts';
import { openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';
import {
  addCrawlOptions,
  type CrawlFlags,
  crawlOverrides,
  formatSummary,
  logProgress,
  progressBar,
} from './crawl-options.ts';

/** `syndicate crawl [--site ID…]`: crawl registered sites and keep page snapshots. */
export const crawlCommand = defineCommand({
  name: 'crawl',
  declare(program) {
    return addCrawlOptions(
      program
        .command('crawl')
        .description('crawl registered sites and keep page snapshots, checking nothing'),
    );
  },
  action(context) {
    return async (flags: CrawlFlags) => {
      const globals = context.globals();
      const config = loadSites(globals.rules);
      const sql = await openSql(globals.store, { mustExist: true });
      const bar = context.io.interactive ? progressBar(context.progress('')) : undefined;
      try {
        const summary = await crawl(sql, config, {
          ...crawlOverrides(flags),
          signal: context.io.stopSignal,
          onProgress: bar ?? logProgress,
        });
        bar?.end();
        context.io.stdout(formatSummary(summary));
        if (!summary.finished && context.io.stopSignal.aborted) {
          context.io.stderr('syndicate: crawl stopped before the end; run it again to continue\n');
          return EXIT.error;
        } else if (!summary.finished) {
          // Only a site's time budget leaves a pass unfinished without a stop: partly crawled.
          context.io.stderr(
            `syndicate: partly crawled (${Object.keys(summary.overBudget).join(', ')}): over the time budget; run it again to continue\n`,
          );
          return EXIT.findings;
        } else {
          return summary.failures > 0 ? EXIT.findings : EXIT.ok;
        }
      } finally {
        await sql.close();
      }
    };
  },
});
