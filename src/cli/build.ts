import { Option } from 'commander';
import { loadFeedConfig } from '../config/feeds.ts';
import { buildFeeds } from '../feed/build.ts';
import { openStore } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';

export const DEFAULT_OUT = 'public';

/** `syndicate build [--out DIR] [--force]`: write every feed of the feeds folder. */
export const buildCommand = defineCommand({
  name: 'build',
  register(program, context) {
    program
      .command('build')
      .description(
        'write every feed defined in the feeds folder, in each format it asks for, plus feeds.opml',
      )
      .addOption(new Option('--out <dir>', 'where the feed files go').default(DEFAULT_OUT))
      .option('--force', 'render every feed again even if its inputs did not change')
      .action(
        context.action((options: { out: string; force?: boolean }) => {
          const globals = context.globals();
          const config = loadFeedConfig(globals.feeds);
          const db = openStore(globals.store, { mustExist: true });
          try {
            const result = buildFeeds(db, config, { out: options.out, force: options.force ?? false });
            for (const name of result.written) context.io.stdout(`wrote ${name}\n`);
            for (const name of result.removed) context.io.stdout(`removed ${name}\n`);
            context.io.stdout(
              `${result.feeds} feeds in ${options.out}: ${result.written.length} files written, ` +
                `${result.unchanged.length} unchanged${result.removed.length ? `, ${result.removed.length} removed` : ''}\n`,
            );
          } finally {
            db.close();
          }
          return EXIT.ok;
        }),
      );
  },
});
