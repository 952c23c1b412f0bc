import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from 'commander';
import { parse } from 'yaml';
import { loadSites, SITES_FILE, type Site } from '../config/sites.ts';
import { writeFileAtomic } from '../files/atomic.ts';
import { buildReport, loadNotices, REPORT_FORMATS, type ReportFormat, renderers } from '../report/index.ts';
import { openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';
import { integerOption } from './options.ts';

/** `report [--scan ID] --format html|json|csv|md [--out FILE]`: the findings of a scan. */
export const reportCommand = defineCommand({
  name: 'report',
  declare(program) {
    return program
      .command('report')
      .description('write the findings of a scan (the last one by default) for people or for tools')
      .option('--scan <id>', 'the scan to report on', integerOption(1))
      .addOption(
        new Option('--format <format>', 'output format').choices(REPORT_FORMATS).makeOptionMandatory(),
      )
      .option('--out <file>', 'write to this file (atomically) instead of standard output');
  },
  action(context) {
    return async (options: { scan?: number; format: ReportFormat; out?: string }) => {
      const globals = context.globals();
      const notice = loadNotices(globals.rules);
      const sites = readSites(globals.rules);
      const sql = await openSql(globals.store, { mustExist: true });
      try {
        const report = await buildReport(sql, {
          scanId: options.scan,
          sites,
          notice,
          ...readPublisher(globals.rules),
        });
        const text = renderers[options.format](report);
        if (options.out) writeFileAtomic(options.out, text);
        else context.io.stdout(text);
      } finally {
        await sql.close();
      }
      return EXIT.ok;
    };
  },
});

function readSites(rulesDir: string): Site[] {
  return existsSync(join(rulesDir, SITES_FILE)) ? loadSites(rulesDir).sites : [];
}

/** The publisher's name and home page for notices, from `rules/terms.yaml` when it has them. */
function readPublisher(rulesDir: string): { publisher?: string; publisherHome?: string } {
  const file = join(rulesDir, 'terms.yaml');
  if (!existsSync(file)) return {};
  try {
    const publisher = (
      parse(readFileSync(file, 'utf8')) as { publisher?: { name?: unknown; home?: unknown } } | null
    )?.publisher;
    return {
      ...(typeof publisher?.name === 'string' ? { publisher: publisher.name } : {}),
      ...(typeof publisher?.home === 'string' ? { publisherHome: publisher.home } : {}),
    };
  } catch {
    // The checks validate terms.yaml and report its errors; a notice can do without the name.
    return {};
  }
}
