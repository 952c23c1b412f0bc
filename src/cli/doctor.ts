import { lookup } from 'node:dns/promises';
import { existsSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { loadTerms } from '../check/terms.ts';
import { loadAlerts } from '../config/alerts.ts';
import { feedDefinitionSchema, loadFeedConfig, PUBLISHER_FILE, publisherSchema } from '../config/feeds.ts';
import { loadSites, SITES_FILE, type SitesFile } from '../config/sites.ts';
import { TERMS_FILE } from '../config/terms.ts';
import { loadYamlFile } from '../config/yaml.ts';
import { isSyndicateError, SyndicateError } from '../errors.ts';
import { Camera, listEvidence, verifyCapture } from '../evidence/index.ts';
import { addressAllowed } from '../net/address-policy.ts';
import { loadNotices, NOTICE_KINDS, NOTICES_DIR } from '../report/index.ts';
import { isPostgresUrl, openSql } from '../store/db.ts';
import { migrations } from '../store/migrations/index.ts';
import { redactUrl } from '../store/postgres.ts';
import { postgresMigrations } from '../store/postgres-schema.ts';
import type { Sql } from '../store/sql.ts';
import { safeForTerminal } from '../text/safe.ts';
import { defineCommand, EXIT } from './context.ts';
import { describeError } from './options.ts';

type Level = 'ok' | 'warn' | 'fail';
interface Check {
  level: Level;
  what: string;
  detail: string;
}

/**
 * `syndicate doctor`: every configuration file, the store, Chromium and the network policy, each
 * checked on its own so that one problem does not hide the next; all of them are reported at once.
 * Exit 0 when nothing failed (warnings allowed), 2 otherwise.
 */
export const doctorCommand = defineCommand({
  name: 'doctor',
  declare(program) {
    return program
      .command('doctor')
      .description('check every configuration file, the store, Chromium and the network policy, all at once')
      .option('--no-browser', 'do not start Chromium')
      .option('--no-dns', 'do not look up the host names of the registered sites');
  },
  action(context) {
    return async (options: { browser: boolean; dns: boolean }) => {
      const globals = context.globals();
      const checks: Check[] = [];
      const add = (level: Level, what: string, detail: string) => checks.push({ level, what, detail });
      checkFeeds(globals.feeds, add);
      const sites = checkRules(globals.rules, add);
      await checkStore(globals.store, add);
      if (options.browser) await checkChromium(add);
      if (sites) await checkNetwork(sites, options.dns, add);
      for (const check of checks) {
        // An error that already names its file (`file:line: field: …`) is not prefixed twice.
        const line = check.detail.startsWith(`${check.what}:`)
          ? check.detail
          : `${check.what}: ${check.detail}`;
        context.io.stdout(`${check.level.toUpperCase().padEnd(4)}  ${safeForTerminal(line)}\n`);
      }
      const failed = checks.filter((check) => check.level === 'fail').length;
      const warned = checks.filter((check) => check.level === 'warn').length;
      context.io.stdout(
        failed
          ? `${failed} problem(s), ${warned} warning(s)\n`
          : `no problems${warned ? `, ${warned} warning(s)` : ''}\n`,
      );
      return failed ? EXIT.error : EXIT.ok;
    };
  },
});

type Add = (level: Level, what: string, detail: string) => void;

/** Run one check: its own error becomes a failure line, never the end of the others. */
function attempt(add: Add, what: string, check: () => string | undefined): boolean {
  try {
    const detail = check();
    if (detail !== undefined) add('ok', what, detail);
    return true;
  } catch (error) {
    addFailure(add, what, error);
    return false;
  }
}

/** A failure line for the error, and one for each further problem it carries (every field of a file). */
function addFailure(add: Add, what: string, error: unknown): void {
  if (!isSyndicateError(error)) {
    add('fail', what, describeError(error));
    return;
  }
  add('fail', what, describeError(new SyndicateError(error.code, error.message, error.where)));
  for (const other of error.more) add('fail', what, describeError(other));
}

function checkFeeds(dir: string, add: Add): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
  } catch (error) {
    add('fail', dir, `cannot read the feeds folder: ${describeError(error)}`);
    return;
  }
  let good = attempt(add, join(dir, PUBLISHER_FILE), () => {
    loadYamlFile(join(dir, PUBLISHER_FILE), publisherSchema);
    return 'valid';
  });
  for (const name of names.sort()) {
    if (/^publisher\.ya?ml$/.test(name)) continue;
    const file = join(dir, name);
    good =
      attempt(add, file, () => {
        const feed = loadYamlFile(file, feedDefinitionSchema);
        return `valid (feed ${feed.id})`;
      }) && good;
  }
  // What only the whole folder shows (the same feed id in two files).
  if (good) attempt(add, dir, () => `${loadFeedConfig(dir).feeds.length} feed(s)`);
}

function checkRules(dir: string, add: Add): SitesFile | undefined {
  attempt(add, join(dir, TERMS_FILE), () => {
    const terms = loadTerms(dir);
    return `valid (publisher ${terms.publisher.name}, ${terms.rules.length} rule(s))`;
  });
  let sites: SitesFile | undefined;
  if (!existsSync(join(dir, SITES_FILE))) add('warn', join(dir, SITES_FILE), 'missing: no sites to scan');
  else
    attempt(add, join(dir, SITES_FILE), () => {
      sites = loadSites(dir);
      return `valid (${sites.sites.length} site(s))`;
    });
  if (existsSync(join(dir, 'alerts.yaml'))) {
    attempt(add, join(dir, 'alerts.yaml'), () => {
      loadAlerts(dir);
      return 'valid';
    });
  }
  attempt(add, join(dir, NOTICES_DIR), () => {
    const notices = loadNotices(dir);
    const letters = NOTICE_KINDS.flatMap((kind) =>
      Object.keys(notices.templates[kind]).map((language) => `${kind}.${language}`),
    );
    return `valid (${letters.join(', ')} from ${notices.source})`;
  });
  return sites;
}

/** Like `attempt`, for a check that has to wait for the store. */
async function attemptAsync(add: Add, what: string, check: () => Promise<string>): Promise<void> {
  try {
    add('ok', what, await check());
  } catch (error) {
    addFailure(add, what, error);
  }
}

async function checkStore(target: string, add: Add): Promise<void> {
  const what = isPostgresUrl(target) ? redactUrl(target) : target;
  let sql: Sql;
  try {
    // Read-only: the doctor changes nothing, not even the schema version.
    sql = await openSql(target, { readonly: true });
  } catch (error) {
    addFailure(add, what, error);
    return;
  }
  try {
    await attemptAsync(add, what, () =>
      sql.engine === 'sqlite' ? describeSqliteStore(sql) : describePostgresStore(sql),
    );
    await checkEvidence(sql, what, add);
  } finally {
    await sql.close();
  }
}

/** The engine, its schema version against this syndicate's, and how many articles it holds. */
function describeSchema(engine: string, version: number, newest: number, articles: number): string {
  if (version > newest) throw new Error(`schema version ${version} is newer than this syndicate (${newest})`);
  return `${engine}, schema ${version}${version < newest ? ` (brought to ${newest} by the next command that writes)` : ''}, ${articles} article(s)`;
}

async function describeSqliteStore(sql: Sql): Promise<string> {
  const integrity = (await sql.get<{ quick_check: string }>('PRAGMA quick_check'))?.quick_check;
  if (integrity !== 'ok') throw new Error(`the database is damaged: ${String(integrity)}`);
  const version = (await sql.get<{ user_version: number }>('PRAGMA user_version'))?.user_version ?? 0;
  const newest = migrations.at(-1)?.version ?? 0;
  // A store made before any migration has no articles table yet.
  const articles = version > 0 ? await countArticles(sql) : 0;
  return describeSchema('a SQLite store', version, newest, articles);
}

async function describePostgresStore(sql: Sql): Promise<string> {
  const server = (await sql.get<{ server_version: string }>('SHOW server_version'))?.server_version ?? '?';
  const known = await sql.get<{ found: string | null }>("SELECT to_regclass('syndicate_schema') AS found");
  const version = known?.found
    ? ((await sql.get<{ version: number }>('SELECT version FROM syndicate_schema WHERE id = 1'))?.version ??
      0)
    : 0;
  const newest = postgresMigrations.at(-1)?.version ?? 0;
  const articles = version > 0 ? await countArticles(sql) : 0;
  return describeSchema(`a PostgreSQL store (server ${server.split(' ')[0]})`, version, newest, articles);
}

async function countArticles(sql: Sql): Promise<number> {
  return (await sql.get<{ n: number }>('SELECT count(*) AS n FROM articles'))?.n ?? 0;
}

async function checkEvidence(sql: Sql, file: string, add: Add): Promise<void> {
  // The doctor opens the store read-only, schema as it is: one from before evidence files moved
  // into the store (version 18) has nothing this syndicate can verify until it is upgraded.
  const hasTable = await sql.get(
    sql.engine === 'sqlite'
      ? "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'evidence_blobs'"
      : "SELECT 1 AS found WHERE to_regclass('evidence_blobs') IS NOT NULL",
  );
  if (!hasTable) return;
  const findings = await sql.all<{ id: number }>(
    'SELECT DISTINCT finding_id AS id FROM evidence ORDER BY id',
  );
  let files = 0;
  const problems: string[] = [];
  for (const { id } of findings) {
    for (const capture of await listEvidence(sql, id)) {
      files += capture.files.length;
      problems.push(...(await verifyCapture(sql, capture)).map((problem) => `finding ${id}: ${problem}`));
    }
  }
  for (const problem of problems) add('fail', `${file} evidence`, problem);
  if (!problems.length) add('ok', `${file} evidence`, `${files} file(s) match their SHA-256`);
}

async function checkChromium(add: Add): Promise<void> {
  const camera = new Camera();
  try {
    add('ok', 'Chromium', `${await camera.probe()} at ${camera.options.executablePath}`);
  } catch (error) {
    add(
      'warn',
      'Chromium',
      `cannot start (${describeError(error)}): evidence is captured without screenshots`,
    );
  } finally {
    await camera.close();
  }
}

async function checkNetwork(sites: SitesFile, dns: boolean, add: Add): Promise<void> {
  const policy = sites.crawler.allowPrivateNetworks;
  if (policy === true) {
    add(
      'warn',
      'network policy',
      'the crawler may connect to every private and loopback address (allowPrivateNetworks: true)',
    );
  } else if (policy === false) {
    add('ok', 'network policy', 'private, loopback and link-local addresses are refused');
  } else {
    add('ok', 'network policy', `private addresses are refused except ${policy.join(', ')}`);
  }
  const resolveMap = new Map(
    Object.entries(sites.crawler.resolve ?? {}).map(([host, target]) => [host.toLowerCase(), target]),
  );
  for (const site of sites.sites) {
    const url = new URL(site.url);
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const mapped = resolveMap.get(`${host}:${port}`) ?? resolveMap.get(host);
    let address: string | undefined;
    if (mapped) address = /^\[?([^\]]+?)\]?:\d+$/.exec(mapped)?.[1];
    else if (isIP(host)) address = host;
    else if (dns) {
      try {
        address = (await lookup(host, { verbatim: true })).address;
      } catch (error) {
        add('fail', `site ${site.id}`, `${host} does not resolve: ${describeError(error)}`);
        continue;
      }
    } else continue;
    if (!address) continue;
    if (addressAllowed(address, policy)) add('ok', `site ${site.id}`, `${host} → ${address}, allowed`);
    else add('fail', `site ${site.id}`, `${host} → ${address}, a private address the crawler refuses`);
  }
}
