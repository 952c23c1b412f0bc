import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { loadTerms } from '../check/terms.ts';
import { loadSites, SITES_FILE, type SitesFile } from '../config/sites.ts';
import { isUrl } from '../discover/archive.ts';
import { captureJobs, queryCdx } from '../discover/cdx.ts';
import { checkDiscoveries } from '../discover/live-check.ts';
import { discoverFiles, type FileJob, type FileOutcome } from '../discover/pool.ts';
import { listDiscoveries, type StoredDiscovery } from '../discover/store.ts';
import { type SiteSummary, summariseBySite } from '../discover/summary.ts';
import { usageError } from '../errors.ts';
import { buildIndex, staleArticleIds } from '../match/fingerprint-index.ts';
import { crawlerFetcher } from '../net/http.ts';
import { discoverFetchSettings, discoverOnQueue } from '../queue/discover-jobs.ts';
import { JobQueue } from '../queue/queue.ts';
import { isPostgresUrl, openSql } from '../store/db.ts';
import type { Sql } from '../store/sql.ts';
import { plural } from '../text/plural.ts';
import { type CommandContext, defineCommand, EXIT } from './context.ts';
import { integerOption } from './options.ts';

interface DiscoverCommandOptions {
  format: 'text' | 'json';
  minCoverage: number;
  check?: boolean;
  index?: string;
  domain?: string[];
  prefix: string;
  limit: number;
  threads?: number;
  again?: boolean;
  allowPrivateNetworks?: boolean;
}

function coverageOption(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1)
    throw new InvalidArgumentError('must be a number from 0 to 1');
  return number;
}

/** Text from archives is someone else's: no control characters reach the terminal. */
const plain = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');

function formatText(outcomes: FileOutcome[], discoveries: StoredDiscovery[], sites: SiteSummary[]): string {
  const lines: string[] = [];
  for (const outcome of outcomes) {
    const counts = outcome.counts;
    const state = outcome.error
      ? `error: ${outcome.error}`
      : outcome.queued
        ? 'on the queue (the workers go on; run the command again to wait for it)'
        : outcome.skipped
          ? 'done in an earlier run (use --again to read it again)'
          : counts
            ? `${plural(counts.records, 'record')}, ${plural(counts.pages, 'page')}, ${counts.candidates} checked in full`
            : 'stopped';
    lines.push(`${plain(outcome.key)}: ${plain(state)}`);
  }
  lines.push('', `${plural(discoveries.length, 'reprint')} found on ${plural(sites.length, 'site')}`);
  for (const site of sites) {
    lines.push(
      '',
      `${plain(site.host)}  [${site.status}${site.siteId ? ` ${site.siteId}` : ''}]  ${plural(site.pages, 'page')}, ${plural(site.articles, 'article')} (${site.full} full, ${site.excerpts} excerpts), ${site.violations} violations, ${site.unchecked} unchecked`,
    );
    for (const discovery of discoveries.filter((d) => d.host === site.host)) {
      lines.push(
        `  ${discovery.verdict.toUpperCase()}  ${plain(discovery.pageUrl)} reprints ${plain(discovery.article.url)} (${discovery.kind}, coverage ${Math.round(discovery.coverage * 100)}%)`,
        `      ${plain(discovery.source)} offset ${discovery.recordOffset} length ${discovery.recordLength}${discovery.capturedAt ? `, captured ${plain(discovery.capturedAt)}` : ''}`,
      );
      for (const violation of discovery.violations)
        lines.push(`      FAIL ${violation.rule}: ${plain(violation.message)}`);
    }
    if (site.sitesYaml) {
      lines.push('  to watch it, add to rules/sites.yaml under sites:');
      for (const line of site.sitesYaml.trimEnd().split('\n')) lines.push(`    ${plain(line)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The files read by `syndicate worker` processes, one queue job each, waited for with progress. */
async function discoverWithWorkers(
  sql: Sql,
  store: string,
  files: FileJob[],
  options: DiscoverCommandOptions,
  context: CommandContext,
) {
  const progress = context.progress('discover');
  try {
    return await discoverOnQueue(sql, () => JobQueue.open(store), files, {
      minCoverage: options.minCoverage,
      again: options.again ?? false,
      ...(options.allowPrivateNetworks !== undefined
        ? { allowPrivateNetworks: options.allowPrivateNetworks }
        : {}),
      signal: context.io.stopSignal,
      onProgress: (step) =>
        progress.update(
          `${step.completed + step.failed}/${step.total} file(s) done by the workers, ${step.active} being read, ${step.failed} failed`,
        ),
    });
  } finally {
    progress.end();
  }
}

export const discoverCommand = defineCommand({
  name: 'discover',
  declare(program) {
    return program
      .command('discover')
      .description(
        'stream web-archive files (WARC, WET) through the index and record pages that reprint stored articles',
      )
      .argument('[archives...]', 'WARC or WET files (gzip members or plain), as paths or http(s) URLs')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .addOption(
        new Option('--min-coverage <share>', 'record reprints with at least this coverage (0 to 1)')
          .argParser(coverageOption)
          .default(0),
      )
      .option(
        '--check',
        'fetch the live page of each unchecked discovery (politely, robots.txt) and judge it',
      )
      .option('--index <url>', 'a CDX index API (pywb, Common Crawl) to ask for the captures of --domain')
      .option('--domain <domain...>', 'with --index: the domains whose captures are fetched')
      .addOption(
        new Option('--prefix <url>', 'where the CDX file names live (URL or folder)').default(
          'https://data.commoncrawl.org/',
        ),
      )
      .addOption(
        new Option('--limit <n>', 'with --index: most captures per domain')
          .argParser(integerOption(1))
          .default(10_000),
      )
      .addOption(
        new Option(
          '--threads <n>',
          'worker threads (default: one a core); with a PostgreSQL store, read here instead of by the workers',
        ).argParser(integerOption(1)),
      )
      .option('--again', 'read files again that an earlier run finished')
      .option('--allow-private-networks', 'allow fetching from private and loopback addresses');
  },
  action(context) {
    return async (archives: string[], options: DiscoverCommandOptions) => {
      if (options.index && !options.domain?.length) throw usageError('--index needs --domain');
      if (options.domain?.length && !options.index) throw usageError('--domain goes with --index');
      if (archives.length === 0 && !options.index && !options.check)
        throw usageError('name WARC or WET files, or --index with --domain');
      const globals = context.globals();
      if (!isPostgresUrl(globals.store) && !existsSync(globals.store))
        throw usageError(`no store at ${globals.store}: import articles first`);
      const terms = loadTerms(globals.rules);
      const registry: SitesFile | undefined = existsSync(join(globals.rules, SITES_FILE))
        ? loadSites(globals.rules)
        : undefined;
      const sites = registry?.sites ?? [];
      const fetch = discoverFetchSettings(registry, options.allowPrivateNetworks);
      const sql = await openSql(globals.store, { mustExist: true });
      try {
        const stale = await staleArticleIds(sql);
        if (stale.length > 0) await buildIndex(sql, stale);
        // With a PostgreSQL store the files go to the workers' queue, one job each, unless
        // --threads asks for them to be read here; a CDX run's byte ranges (small, many) are read here.
        const onQueue = isPostgresUrl(globals.store) && options.threads === undefined && archives.length > 0;
        const queued = onQueue
          ? await discoverWithWorkers(
              sql,
              globals.store,
              archives.map((location) => ({ location: isUrl(location) ? location : resolve(location) })),
              options,
              context,
            )
          : undefined;
        const jobs: FileJob[] = onQueue ? [] : archives.map((location) => ({ location }));
        if (options.index) {
          const fetcher = crawlerFetcher(fetch);
          try {
            for (const domain of options.domain ?? []) {
              const captures = await queryCdx(fetcher, {
                index: options.index,
                domain,
                limit: options.limit,
                signal: context.io.stopSignal,
              });
              jobs.push(...captureJobs(captures, options.prefix));
            }
          } finally {
            await fetcher.close();
          }
        }
        const progress = context.progress('discover');
        let filesDone = 0;
        let records = 0;
        let found = 0;
        let outcomes: FileOutcome[] = queued?.outcomes ?? [];
        try {
          if (jobs.length > 0)
            outcomes = outcomes.concat(
              await discoverFiles(sql, jobs, {
                onProgress: (step) => {
                  records += step.records;
                  found += step.discoveries.length;
                  if (step.done) filesDone++;
                  progress.update(
                    `${filesDone}/${jobs.length} file(s), ${records} record(s), ${found} reprint(s)`,
                  );
                },
                store: globals.store,
                terms,
                sites,
                minCoverage: options.minCoverage,
                ...(options.threads !== undefined ? { threads: options.threads } : {}),
                again: options.again ?? false,
                fetch,
                signal: context.io.stopSignal,
              }),
            );
        } finally {
          progress.end();
        }
        const sources = new Set(outcomes.map((outcome) => outcome.source));
        let discoveries = (await listDiscoveries(sql)).filter(
          (discovery) =>
            (outcomes.length === 0 || sources.has(discovery.source)) &&
            discovery.coverage >= options.minCoverage,
        );
        if (options.check) {
          await checkDiscoveries(sql, discoveries, {
            terms,
            sites,
            registry,
            fetch,
            signal: context.io.stopSignal,
          });
          discoveries = (await listDiscoveries(sql)).filter((discovery) =>
            discoveries.some((before) => before.id === discovery.id),
          );
        }
        const summary = summariseBySite(discoveries, sites);
        context.io.stdout(
          options.format === 'json'
            ? `${JSON.stringify({ files: outcomes, sites: summary, discoveries }, null, 2)}\n`
            : formatText(outcomes, discoveries, summary),
        );
        const failed = outcomes.some((outcome) => outcome.error !== undefined || outcome.queued);
        const violations = discoveries.some((discovery) => discovery.verdict === 'violation');
        return failed ? EXIT.error : violations ? EXIT.findings : EXIT.ok;
      } finally {
        await sql.close();
      }
    };
  },
});
