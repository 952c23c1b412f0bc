import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option } from 'commander';
import { checkSnapshot } from '../check/check-snapshot.ts';
import { formatJson, formatText } from '../check/format.ts';
import type { CheckReport, PageResult } from '../check/result.ts';
import { loadTerms } from '../check/terms.ts';
import { loadSites, SITES_FILE, type SitesFile } from '../config/sites.ts';
import { fetchPageSnapshot } from '../crawl/fetch-page.ts';
import { userAgentOf } from '../crawl/settings.ts';
import type { PageSnapshot } from '../crawl/snapshot.ts';
import { inputError, isSyndicateError, usageError } from '../errors.ts';
import { indexArticles, staleArticleIds } from '../match/fingerprint-index.ts';
import { openSql } from '../store/db.ts';
import { defineCommand, EXIT } from './context.ts';

interface CheckCommandOptions {
  pageUrl?: string;
  format: 'text' | 'json';
  allowPrivateNetworks?: boolean;
}

const isUrl = (input: string) => /^https?:\/\//i.test(input);

function fileSnapshot(file: string, pageUrl: string | undefined, now: Date): PageSnapshot {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (error) {
    throw inputError(`cannot read page: ${(error as Error).message}`, { file }, error);
  }
  const url = pageUrl ?? pathToFileURL(resolve(file)).href;
  return {
    url,
    finalUrl: url,
    status: 200,
    headers: {},
    fetchedAt: now.toISOString(),
    contentType: 'text/html',
    body: new TextDecoder('utf-8').decode(raw),
    bodyHash: createHash('sha256').update(raw).digest('hex'),
  };
}

export const checkCommand = defineCommand({
  name: 'check',
  declare(program) {
    return program
      .command('check')
      .description('identify what each page reprints and check it against the reprint terms')
      .argument('<pages...>', 'page URLs or saved HTML files')
      .option('--page-url <url>', 'where a single local file was taken from')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('--allow-private-networks', 'allow fetching from private and loopback addresses');
  },
  action(context) {
    return async (pages: string[], options: CheckCommandOptions) => {
      if (options.pageUrl !== undefined) {
        if (pages.length !== 1 || isUrl(pages[0]!))
          throw usageError('--page-url goes with exactly one local file');
        if (!isUrl(options.pageUrl)) throw usageError('--page-url must be an absolute http(s) URL');
      }
      const globals = context.globals();
      const terms = loadTerms(globals.rules);
      const sitesFile = join(globals.rules, SITES_FILE);
      const registry: SitesFile | undefined = existsSync(sitesFile) ? loadSites(globals.rules) : undefined;
      const sites = registry?.sites ?? [];
      const sql = await openSql(globals.store, { mustExist: true });
      try {
        const stale = await staleArticleIds(sql);
        if (stale.length > 0) await indexArticles(sql, stale);
        const report: CheckReport = { pages: [] };
        const now = new Date();
        for (const input of pages) {
          let result: PageResult;
          try {
            const snapshot = isUrl(input)
              ? await fetchPageSnapshot(input, {
                  allowPrivateNetworks:
                    options.allowPrivateNetworks ?? registry?.crawler.allowPrivateNetworks ?? false,
                  userAgent: registry ? userAgentOf(registry.crawler) : undefined,
                  resolve: registry?.crawler.resolve,
                  signal: context.io.stopSignal,
                  maxBodyBytes: registry?.crawler.maxBodyBytes,
                  headersTimeoutMs: registry?.crawler.headersTimeoutMs,
                  bodyTimeoutMs: registry?.crawler.bodyTimeoutMs,
                  maxRedirects: registry?.crawler.maxRedirects,
                })
              : fileSnapshot(input, options.pageUrl, now);
            result = await checkSnapshot(sql, snapshot, { terms, sites, now });
          } catch (error) {
            if (isUrl(input) || isSyndicateError(error)) {
              result = { url: input, status: 'error', error: (error as Error).message, matches: [] };
            } else throw error;
          }
          report.pages.push(result);
        }
        context.io.stdout(options.format === 'json' ? formatJson(report) : formatText(report));
        // A rule that could not read a page makes its match uncertain, not a failed run.
        const errors = report.pages.some((page) => page.status === 'error');
        const violations = report.pages.some((page) =>
          page.matches.some((match) => match.verdict === 'violation'),
        );
        return errors ? EXIT.error : violations ? EXIT.findings : EXIT.ok;
      } finally {
        await sql.close();
      }
    };
  },
});
