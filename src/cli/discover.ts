import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { loadTerms } from '../check/terms.ts';
import { loadSites, SITES_FILE, type SitesFile } from '../config/sites.ts';
import { userAgentOf } from '../crawl/settings.ts';
import { captureJobs, queryCdx } from '../discover/cdx.ts';
import { checkDiscoveries } from '../discover/live-check.ts';
import { discoverFiles, type FileJob, type FileOutcome } from '../discover/pool.ts';
import { listDiscoveries, type StoredDiscovery } from '../discover/store.ts';
import { type SiteSummary, summariseBySite } from '../discover/summary.ts';
import { usageError } from '../errors.ts';
import { buildIndex, staleArticleIds } from '../match/fingerprint-index.ts';
import { crawlerFetcher, type FetchSettings } from '../net/http.ts';
import { isPostgresUrl, openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';
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
      : outcome.skipped
        ? 'done in an earlier run (use --again to read it again)'
        : counts
          ? `${counts.records} records, ${counts.pages} pages, ${counts.candidates} checked in full`
          : 'stopped';
    lines.push(`${plain(outcome.key)}: ${plain(state)}`);
  }
  lines.push(
    '',
    `${discoveries.length} reprint${discoveries.length === 1 ? '' : 's'} found on ${sites.length} site${sites.length === 1 ? '' : 's'}`,
  );
  for (const site of sites) {
    lines.push(
      '',
      `${plain(site.host)}  [${site.status}${site.siteId ? ` ${site.siteId}` : ''}]  ${site.pages} page${site.pages === 1 ? '' : 's'}, ${site.articles} article${site.articles === 1 ? '' : 's'} (${site.full} full, ${site.excerpts} excerpts), ${site.violations} violations, ${site.unchecked} unchecked`,
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
        new Option('--threads <n>', 'worker threads (default: one a core)').argParser(integerOption(1)),
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
      const fetch: FetchSettings = {
        allowPrivateNetworks: options.allowPrivateNetworks ?? registry?.crawler.allowPrivateNetworks ?? false,
      };
      if (registry) {
        fetch.userAgent = userAgentOf(registry.crawler);
        if (registry.crawler.resolve) fetch.resolve = registry.crawler.resolve;
        fetch.headersTimeoutMs = registry.crawler.headersTimeoutMs;
        fetch.bodyTimeoutMs = registry.crawler.bodyTimeoutMs;
      }
      const sql = await openSql(globals.store, { mustExist: true });
      try {
        const stale = await staleArticleIds(sql);
        if (stale.length > 0) await buildIndex(sql, stale);
        const jobs: FileJob[] = archives.map((location) => ({ location }));
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
        let outcomes: Awaited<ReturnType<typeof discoverFiles>>;
        try {
          outcomes = await discoverFiles(sql, jobs, {
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
          });
        } finally {
          progress.end();
        }
        const sources = new Set(outcomes.map((outcome) => outcome.source));
        let discoveries = (await listDiscoveries(sql)).filter(
          (discovery) =>
            (jobs.length === 0 || sources.has(discovery.source)) && discovery.coverage >= options.minCoverage,
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
        const failed = outcomes.some((outcome) => outcome.error !== undefined);
        const violations = discoveries.some((discovery) => discovery.verdict === 'violation');
        return failed ? EXIT.error : violations ? EXIT.findings : EXIT.ok;
      } finally {
        await sql.close();
      }
    };
  },
});
