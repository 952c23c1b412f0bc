/**
 * `npm start`: the whole story on the example publisher, offline, in well under a minute.
 * It runs the same commands a publisher and a rights manager would, in this order:
 *
 *   syndicate import examples/articles      the article store
 *   syndicate build                         the feeds, into public/
 *   (the example republishers start on 127.0.0.1)
 *   syndicate --rules data/demo/rules scan  crawl them, check what they reprint, record findings
 *   syndicate --rules data/demo/rules report --format html --out data/report.html
 *
 * and prints a table of what each site does and what the scan found. The demo's rules folder is
 * `rules/` with the crawler pointed at the local sites (`resolve`) and allowed onto 127.0.0.1.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { parseDocument } from 'yaml';
import type { PageResult } from '../check/result.ts';
import { loadTerms } from '../check/terms.ts';
import type { Io } from '../cli/context.ts';
import { run } from '../cli/main.ts';
import { isMainModule } from '../files/main-module.ts';
import { latestScan } from '../findings/scans.ts';
import { describeResult } from '../findings/types.ts';
import type { Article } from '../store/article.ts';
import { iterateArticles } from '../store/articles.ts';
import { DEFAULT_STORE, openSql } from '../store/db.ts';
import { demoSites, startNetwork } from './network.ts';

const STORE = DEFAULT_STORE;
const DEMO_RULES = 'data/demo/rules';
const REPORT = 'data/report.html';

export async function main(io: Io): Promise<number> {
  const step = async (argv: string[], okCodes: number[] = [0]) => {
    io.stdout(`\n$ syndicate ${argv.join(' ')}\n`);
    const code = await run(argv, io);
    if (!okCodes.includes(code)) throw new Error(`syndicate ${argv.join(' ')} exited with ${code}`);
    return code;
  };

  await step(['import', 'examples/articles']);
  await step(['build']);

  const sql = await openSql(STORE);
  const articles: Article[] = [];
  for await (const article of iterateArticles(sql)) articles.push(article);
  await sql.close();
  // Oldest first, so each site reprints the same articles run after run.
  articles.reverse();
  const terms = loadTerms('rules');
  const network = await startNetwork(articles, terms.publisher);
  try {
    writeDemoRules(network.resolve);
    io.stdout(
      `\nThe example republishers are up on 127.0.0.1 (${Object.keys(network.resolve).length} sites).\n`,
    );
    const scanCode = await step(['--rules', DEMO_RULES, 'scan', '--delay', '100'], [0, 1]);
    await step(['--rules', DEMO_RULES, 'report', '--format', 'html', '--out', REPORT]);
    const members =
      network.requests.get('tidewater-forum')?.filter((path) => path.startsWith('/members/')) ?? [];
    io.stdout(`\n${await summaryTable()}\n\n`);
    io.stdout(
      `robots.txt: the forum's members area was asked for ${members.length} time(s) (it is disallowed).\n\n` +
        `Feeds:   ${resolvePath('public')}/ (all.xml, all.atom, all.json, feeds.opml, …)\n` +
        `Report:  ${resolvePath(REPORT)}\n` +
        `Store:   ${resolvePath(STORE)}\n` +
        `Review:  npx syndicate --rules ${DEMO_RULES} serve   (then open http://127.0.0.1:8080/review)\n`,
    );
    return scanCode === 1 || scanCode === 0 ? 0 : scanCode;
  } finally {
    await network.close();
  }
}

function writeDemoRules(resolve: Record<string, string>): void {
  mkdirSync(DEMO_RULES, { recursive: true });
  const document = parseDocument(readFileSync('rules/sites.yaml', 'utf8'));
  document.setIn(['crawler', 'resolve'], resolve);
  document.setIn(['crawler', 'allowPrivateNetworks'], true);
  writeFileSync(
    join(DEMO_RULES, 'sites.yaml'),
    `# Written by npm start: rules/sites.yaml pointed at the demo's sites on 127.0.0.1.\n${document.toString()}`,
  );
  copyFileSync(join('rules', 'terms.yaml'), join(DEMO_RULES, 'terms.yaml'));
  cpSync(join('rules', 'notices'), join(DEMO_RULES, 'notices'), { recursive: true });
}

/**
 * What each site does, the scan's result for it (compliant, violations, unreachable, partly
 * scanned), and what the last judgement of each of its pages says.
 */
async function summaryTable(): Promise<string> {
  const sql = await openSql(STORE);
  try {
    const results = (await latestScan(sql))?.siteResults ?? {};
    const rows = await sql.all<{ result: string }>('SELECT result FROM scan_judgements ORDER BY url');
    const bySite = new Map<
      string,
      { pages: number; reprints: number; excerpts: number; rules: Map<string, number> }
    >();
    for (const row of rows) {
      const result = JSON.parse(row.result) as PageResult;
      if (!result.site) continue;
      const entry = bySite.get(result.site) ?? { pages: 0, reprints: 0, excerpts: 0, rules: new Map() };
      entry.pages++;
      for (const match of result.matches) {
        entry.reprints++;
        if (match.kind === 'excerpt') entry.excerpts++;
        for (const violation of match.violations) {
          entry.rules.set(violation.rule, (entry.rules.get(violation.rule) ?? 0) + 1);
        }
      }
      bySite.set(result.site, entry);
    }
    const header = ['site', 'what it does', 'result', 'pages', 'failed', 'reprints', 'found'];
    const lines = demoSites.map((site) => {
      const entry = bySite.get(site.id);
      const outcome = results[site.id];
      const found = !entry
        ? outcome?.result === 'unreachable'
          ? `nothing checked (${outcome.failures[0]?.kind ?? 'failed'})`
          : 'not scanned'
        : entry.rules.size === 0
          ? `compliant${entry.excerpts ? ` (${entry.excerpts} excerpts)` : ''}`
          : [...entry.rules].map(([rule, count]) => `${rule} ×${count}`).join(', ');
      return [
        site.id,
        site.expect,
        outcome ? describeResult(outcome) : 'not scanned',
        String(outcome?.pagesChecked ?? entry?.pages ?? 0),
        String(outcome?.failed ?? 0),
        String(entry?.reprints ?? 0),
        found,
      ];
    });
    const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
    const format = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
    return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join(
      '\n',
    );
  } finally {
    await sql.close();
  }
}

if (isMainModule(import.meta.url)) {
  process.env.SYNDICATE_LOG_LEVEL ??= 'warn';
  const { setLogLevel } = await import('../log.ts');
  setLogLevel(process.env.SYNDICATE_LOG_LEVEL);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.exitCode = await main({
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    interactive: false,
    stopSignal: controller.signal,
  }).catch((error: unknown) => {
    process.stderr.write(`npm start: ${(error as Error).message}\n`);
    return 2;
  });
}
