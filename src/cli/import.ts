import { formatWhere } from '../errors.ts';
import { prepareItemSources } from '../feed/item-sources.ts';
import { type FileImport, importSources } from '../ingest/import.ts';
import { openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';

/** `syndicate import PATH|URL…`: one line a file on stdout, one line an error on stderr. */
export const importCommand = defineCommand({
  name: 'import',
  declare(program) {
    return program
      .command('import')
      .description(
        'upsert articles from Markdown files or folders (YAML front matter), .jsonl files, or RSS/Atom/JSON feeds (file or URL); all or nothing per file',
      )
      .argument('<sources...>', 'Markdown files or folders, .jsonl files, feed files or http(s) URLs')
      .option(
        '--allow-private-networks',
        'allow feed URLs (and their redirects) on private, loopback and link-local addresses',
      );
  },
  action(context) {
    return async (sources: string[], flags: { allowPrivateNetworks?: boolean }) => {
      const { store } = context.globals();
      const sql = await openSql(store);
      try {
        const progress = context.progress('import');
        let files = 0;
        let articles = 0;
        const summary = await importSources(sql, sources, {
          signal: context.io.stopSignal,
          fetch: { allowPrivateNetworks: flags.allowPrivateNetworks === true },
          onImported: (file) => {
            files++;
            articles += file.inserted.length + file.updated.length + file.unchanged.length;
            progress.update(`${files} file(s), ${articles} article(s)`);
          },
        });
        // What the feeds are made from, cleaned once here rather than by every build.
        await prepareItemSources(
          sql,
          summary.files.flatMap((file) => [...file.inserted, ...file.updated]),
        );
        progress.end();
        for (const file of summary.files) {
          for (const warning of file.warnings)
            context.io.stderr(`syndicate: warning: ${formatWhere(warning.where, warning.message)}\n`);
          if (file.error)
            context.io.stderr(`syndicate: ${formatWhere(file.error.where, file.error.message)}\n`);
          else context.io.stdout(`${describe(file)}\n`);
        }
        const imported = summary.files.length - summary.failed;
        context.io.stdout(
          `imported ${imported} of ${summary.files.length} file(s): ${summary.inserted} inserted, ${summary.updated} updated, ${summary.unchanged} unchanged` +
            (summary.failed > 0 ? `; ${summary.failed} failed, nothing imported from them\n` : '\n'),
        );
        return summary.failed > 0 ? EXIT.error : EXIT.ok;
      } finally {
        await sql.close();
      }
    };
  },
});

function describe(file: FileImport): string {
  return `${file.source}: ${file.inserted.length} inserted, ${file.updated.length} updated, ${file.unchanged.length} unchanged`;
}
