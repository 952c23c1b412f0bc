import { Option } from 'commander';
import { loadFeedConfig } from '../config/feeds.ts';
import { buildFeeds } from '../feed/build.ts';
import { feedUrls } from '../feed/model.ts';
import { notifyHubs } from '../feed/websub.ts';
import { openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';

export const DEFAULT_OUT = 'public';

/** `syndicate build [--out DIR] [--force] [--no-ping]`: write every feed of the feeds folder. */
export const buildCommand = defineCommand({
  name: 'build',
  declare(program) {
    return program
      .command('build')
      .description(
        'write every feed defined in the feeds folder, in each format it asks for, plus feeds.opml; notify the WebSub hubs of the feeds that changed',
      )
      .addOption(new Option('--out <dir>', 'where the feed files go').default(DEFAULT_OUT))
      .option('--force', 'render every feed again even if its inputs did not change')
      .option('--no-ping', 'do not notify the WebSub hubs of publisher.yaml');
  },
  action(context) {
    return async (options: { out: string; force?: boolean; ping: boolean }) => {
      const globals = context.globals();
      const config = loadFeedConfig(globals.feeds);
      const sql = await openSql(globals.store, { mustExist: true });
      const progress = context.progress('build');
      let result: Awaited<ReturnType<typeof buildFeeds>>;
      try {
        result = await buildFeeds(sql, config, {
          out: options.out,
          force: options.force ?? false,
          onFeed: (done, total) => progress.update(`${done}/${total} feed(s)`),
        });
      } finally {
        progress.end();
        await sql.close();
      }
      for (const name of result.written) context.io.stdout(`wrote ${name}\n`);
      for (const name of result.removed) context.io.stdout(`removed ${name}\n`);
      context.io.stdout(
        `${result.feeds} feeds in ${options.out}: ${result.written.length} files written, ` +
          `${result.unchanged.length} unchanged${result.removed.length ? `, ${result.removed.length} removed` : ''}\n`,
      );
      const { hubs } = config.publisher;
      if (options.ping && hubs.length > 0 && result.changed.length > 0) {
        const changed = new Set(result.changed);
        const topics = config.feeds
          .filter((feed) => changed.has(feed.id))
          .flatMap((feed) => Object.values(feedUrls(feed, config.publisher)));
        const notices = await notifyHubs(hubs, topics);
        const failed = notices.filter((notice) => !notice.ok);
        // A hub that cannot be told is a warning: the feeds are written, readers still poll them.
        for (const notice of failed)
          context.io.stderr(`syndicate: warning: ${notice.hub}: ${notice.topic}: ${notice.error}\n`);
        context.io.stdout(
          `notified ${hubs.length} hub(s) of ${topics.length} changed feed URL(s)` +
            (failed.length ? `; ${failed.length} notice(s) failed\n` : '\n'),
        );
      }
      return EXIT.ok;
    };
  },
});
