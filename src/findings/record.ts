import { createHash } from 'node:crypto';
import type { PageResult, ReprintMatch } from '../check/result.ts';
import type { Site } from '../config/sites.ts';
import { siteHost, siteOf } from '../net/url.ts';
import type { Sql } from '../store/sql.ts';
import { type FindingRow, toFinding } from './_rows.ts';
import { type FindingEvent, type FindingState, nextState, type TransitionReason } from './lifecycle.ts';
import { assertScanLock, type ScanLock } from './lock.ts';
import { addToScan, getScanOrThrow } from './scans.ts';
import {
  type Change,
  emptyCounts,
  emptySiteCounts,
  type Finding,
  type FindingEvidence,
  type FoundLink,
  type ResolvedWhy,
  type ReviewStatus,
  type ScanError,
  type SiteCounts,
  type SiteFacts,
  type Suspicion,
  UNREGISTERED_SITE,
} from './types.ts';

/** Who the audit log names when a scan, not a person, changes a finding. */
export const SCAN_ACTOR = 'syndicate scan';

/**
 * A checked page as the scan records it. `reprintHash` says whether the reprint changed since the
 * last scan (the snapshot's body hash is fine); without it a hash of the matched passages is used.
 */
export type ScannedPage = PageResult & { reprintHash?: string; language?: string };

export interface RecordOptions {
  /** The site registry, for each finding's site kind and licence. */
  sites: readonly Site[];
  now?: Date;
  /** Pages the crawl found gone (404, 410): their open findings are resolved as gone. */
  gone?: readonly string[];
  /** The scan lock the scan holds: nothing is recorded once another scan has taken it over. */
  lock?: Pick<ScanLock, 'token'>;
}

export interface RecordOutcome {
  /** Findings that are violations not reported before (or again after being resolved). */
  new: Finding[];
  reopened: Finding[];
  resolved: Finding[];
  seen: Finding[];
  quiet: Finding[];
  /** Reprints judged uncertain in this scan: kept for review, never alerted on. */
  uncertain: Finding[];
}

/** A checked reprint as the findings table stores it. */
interface CheckedFields {
  page_url: string;
  page_title: string | null;
  article_id: string;
  article_url: string;
  article_title: string;
  site: string | null;
  verdict: string;
  violations: string;
  evidence: string;
  hash: string;
  now: string;
  scan: number;
}

/**
 * Record one batch of checked pages into a scan, in one transaction, applying the lifecycle of
 * `lifecycle.ts` (what opens, resolves, quiets and reopens a finding) to every reprint, and to every
 * finding of a page that is gone or no longer reprints its article.
 *
 * Several processes may record at once (workers of one scan on PostgreSQL) and a reviewer may
 * change a finding meanwhile: the scan's row is locked first, so recorders of one scan take turns,
 * and each finding is read with a row lock before its next state is decided, so no status change
 * is lost. Two recorders that both find no row for a reprint both insert it: the second insert
 * meets the first's on the UNIQUE (page_url, article_id) and becomes an update of that finding.
 */
export async function recordPageResults(
  sql: Sql,
  scanId: number,
  results: readonly ScannedPage[],
  options: RecordOptions,
): Promise<RecordOutcome> {
  const now = (options.now ?? new Date()).toISOString();
  // Everything the work gathers is made inside it: PostgreSQL may run it again (a deadlock, a
  // lost connection), and a second run must not count the first one's findings twice.
  const outcome = await sql.tx(() => recordBatch(sql, scanId, results, options, now));
  outcome.new.push(...outcome.reopened);
  return outcome;
}

async function recordBatch(
  sql: Sql,
  scanId: number,
  results: readonly ScannedPage[],
  options: RecordOptions,
  now: string,
): Promise<RecordOutcome> {
  const outcome: RecordOutcome = { new: [], reopened: [], resolved: [], seen: [], quiet: [], uncertain: [] };
  const counts = emptyCounts();
  const bySite: Record<string, SiteCounts> = {};
  const errors: ScanError[] = [];
  const lock = sql.dialect.forUpdate;

  const observe = async (finding: Finding, change: Change, list: Finding[]) => {
    await sql.run(
      `INSERT INTO observations (scan_id, finding_id, verdict, change, violations) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (scan_id, finding_id) DO UPDATE SET verdict = excluded.verdict,
         change = CASE WHEN observations.change IN ('new', 'reopened') AND excluded.change IN ('seen', 'quiet')
           THEN observations.change ELSE excluded.change END,
         violations = excluded.violations`,
      [scanId, finding.id, finding.verdict, change, JSON.stringify(finding.violations)],
    );
    list.push(finding);
  };

  const auditNote = (reason: TransitionReason, detail: string): string => {
    switch (reason) {
      case 'first-seen':
        return `first seen in scan ${scanId}`;
      case 'needs-review':
        return `needs review, seen in scan ${scanId}: ${detail}`;
      case 'compliant':
        return `the page is compliant in scan ${scanId}`;
      case 'not-reprinted':
        return `the page no longer reprints the article (scan ${scanId})`;
      case 'gone':
        return `the page is gone (scan ${scanId})`;
      case 'reprint-changed':
        return `the reprint changed (scan ${scanId})`;
      case 'violation-back':
        return `the violation is back (scan ${scanId})`;
      case 'reviewed':
        return detail;
    }
  };

  /** Insert a new finding; `undefined` when another writer inserted the same reprint first. */
  const insert = async (fields: CheckedFields): Promise<number | undefined> => {
    const row = await sql.get<{ id: number }>(
      `INSERT INTO findings (page_url, page_title, article_id, article_url, article_title, site,
         first_seen, first_scan, last_seen, last_scan, status, verdict, violations, evidence, reprint_hash)
       VALUES (@page_url, @page_title, @article_id, @article_url, @article_title, @site,
         @now, @scan, @now, @scan, 'open', @verdict, @violations, @evidence, @hash)
       ON CONFLICT (page_url, article_id) DO NOTHING
       RETURNING id`,
      { ...fields },
    );
    return row?.id;
  };

  /**
   * Carry out the lifecycle's answer for one finding: write it, change its status with an audit
   * entry, count it and record the scan's observation. `fields` is the check's record (absent for
   * a page that is gone or no longer reprints the article).
   */
  const apply = async (
    row: FindingRow | undefined,
    event: FindingEvent,
    fields?: CheckedFields,
    detail = '',
  ): Promise<void> => {
    const before: FindingState | undefined = row && {
      status: row.status as ReviewStatus,
      resolvedWhy: row.resolved_why as ResolvedWhy | null,
      hash: row.reprint_hash,
    };
    const next = nextState(before, event);
    let id = row?.id;
    if (next.write === 'insert') {
      id = await insert(fields!);
      if (id === undefined) {
        // Another writer recorded this reprint since it was looked for: its row is the finding now.
        const raced = await sql.get<FindingRow>(
          `SELECT * FROM findings WHERE page_url = ? AND article_id = ?${lock}`,
          [fields!.page_url, fields!.article_id],
        );
        if (!raced) throw new Error(`finding for ${fields!.page_url} vanished while being recorded`);
        return apply(raced, event, fields, detail);
      }
    } else if (next.write === 'update') {
      await sql.run(
        `UPDATE findings SET page_title = @page_title, article_url = @article_url,
           article_title = @article_title, site = @site, last_seen = @now, last_scan = @scan,
           verdict = @verdict, violations = CASE WHEN @verdict = 'violation' THEN @violations ELSE violations END,
           evidence = @evidence, reprint_hash = @hash
         WHERE id = @id`,
        { ...fields, id },
      );
    } else if (next.write === 'remember') {
      await sql.run(
        `UPDATE findings SET last_seen = @now, last_scan = @scan, reprint_hash = @hash,
           page_title = @page_title, verdict = 'compliant'
         WHERE id = @id`,
        { id, now, scan: scanId, hash: fields?.hash, page_title: fields?.page_title },
      );
    } else if (next.write === 'see') {
      await sql.run(
        'UPDATE findings SET last_seen = @now, last_scan = @scan, page_title = @page_title WHERE id = @id',
        { id, now, scan: scanId, page_title: fields?.page_title },
      );
    }
    if (id === undefined || next.change === undefined) return;
    if (next.status !== before?.status && next.status !== undefined) {
      if (next.status === 'resolved') {
        await sql.run(
          `UPDATE findings SET status = 'resolved', resolved_at = @now, resolved_why = @why,
             last_scan = @scan, verdict = CASE WHEN @why = 'compliant' THEN 'compliant' ELSE verdict END
           WHERE id = @id`,
          { id, now, why: next.resolvedWhy, scan: scanId },
        );
      } else if (before) {
        await sql.run(
          "UPDATE findings SET status = 'open', resolved_at = NULL, resolved_why = NULL WHERE id = ?",
          [id],
        );
      }
      await sql.run(
        'INSERT INTO audit (finding_id, who, at, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)',
        [id, SCAN_ACTOR, now, before?.status ?? null, next.status, auditNote(next.reason!, detail)],
      );
    }
    const stored = toFinding((await sql.get<FindingRow>('SELECT * FROM findings WHERE id = ?', [id]))!);
    // Remembered as compliant: the stored violations stay for the record, the scan saw none.
    const finding: Finding =
      next.write === 'remember' ? { ...stored, verdict: 'compliant', violations: [] } : stored;
    if (next.uncertain) {
      await observe(finding, next.change, outcome.uncertain);
      return;
    }
    if (next.change === 'new') counts.new++;
    else if (next.change === 'reopened') counts.reopened++;
    else if (next.change === 'resolved') counts.resolved++;
    else if (next.change === 'quiet') counts.quiet++;
    await observe(finding, next.change, outcome[next.change]);
  };

  const recordGone = async (pageUrl: string, keep: ReadonlySet<string>, event: FindingEvent) => {
    const rows = await sql.all<FindingRow>(`SELECT * FROM findings WHERE page_url = ? ORDER BY id${lock}`, [
      pageUrl,
    ]);
    for (const row of rows) {
      if (keep.has(row.article_id)) continue;
      await apply(row, event);
    }
  };

  if (options.lock) await assertScanLock(sql, options.lock);
  // The scan's row first: recorders of one scan take turns, and its counters add up.
  await getScanOrThrow(sql, scanId, { forUpdate: true });
  for (const page of results) {
    const siteFacts = factsFor(page, options.sites);
    const siteKey = siteFacts?.id ?? UNREGISTERED_SITE;
    const site = bySite[siteKey] ?? emptySiteCounts();
    bySite[siteKey] = site;
    counts.pages++;
    site.pages++;
    if (page.status === 'error') {
      counts.errors++;
      site.errors++;
      errors.push({ url: page.url, message: page.error ?? 'error' });
      continue;
    }
    const matched = new Set(page.matches.map((match) => match.article.id));
    await recordGone(page.url, matched, { kind: 'not-reprinted' });
    for (const match of page.matches) {
      counts.reprints++;
      site.reprints++;
      if (match.kind === 'excerpt') site.excerpts++;
      else site.full++;
      if (match.verdict === 'violation') {
        counts.violations++;
        site.violations++;
      } else if (match.verdict === 'uncertain') {
        counts.uncertain++;
        site.uncertain++;
      } else {
        counts.compliant++;
        site.compliant++;
      }
      const hash = page.reprintHash ?? reprintHashOf(match);
      const row = await sql.get<FindingRow>(
        `SELECT * FROM findings WHERE page_url = ? AND article_id = ?${lock}`,
        [page.url, match.article.id],
      );
      const fields: CheckedFields = {
        page_url: page.url,
        page_title: page.title ?? null,
        article_id: match.article.id,
        article_url: match.article.url,
        article_title: match.article.title ?? '',
        site: siteFacts?.id ?? null,
        verdict: match.verdict,
        violations: JSON.stringify(match.violations),
        evidence: JSON.stringify(evidenceOf(page, match, siteFacts)),
        hash,
        now,
        scan: scanId,
      };
      await apply(row, { kind: 'checked', verdict: match.verdict, hash }, fields, match.reason ?? '');
    }
  }
  for (const url of options.gone ?? []) await recordGone(url, new Set(), { kind: 'gone' });
  await addToScan(sql, scanId, { ...counts, bySite }, errors);
  return outcome;
}

/** A stable hash of what the page reprints, for when the caller has no snapshot hash. */
export function reprintHashOf(match: ReprintMatch): string {
  const hash = createHash('sha256');
  for (const passage of match.passages) hash.update(passage.page).update('\u0000');
  hash.update(match.kind);
  return hash.digest('hex');
}

function factsFor(page: PageResult, sites: readonly Site[]): SiteFacts | undefined {
  const site = page.site ? sites.find((candidate) => candidate.id === page.site) : siteOfUrl(page.url, sites);
  if (!site) return page.site ? { id: page.site } : undefined;
  return siteFactsOf(site);
}

/** What a finding keeps of its site's registry entry. */
export function siteFactsOf(site: Site): SiteFacts {
  return {
    id: site.id,
    name: site.name,
    url: site.url,
    kind: site.kind,
    contact: site.contact,
    licence: site.licence,
  };
}

/**
 * The registered site whose host (or its `www.` twin) serves `url`, hosts compared as the findings
 * always have (`siteHost`: a final dot counts).
 */
export function siteOfUrl(url: string, sites: readonly Site[]): Site | undefined {
  return siteOf(sites, url, siteHost);
}

function evidenceOf(page: ScannedPage, match: ReprintMatch, site: SiteFacts | undefined): FindingEvidence {
  const evidence: FindingEvidence = {
    coverage: match.coverage,
    kind: match.kind,
    fetchedAt: page.fetchedAt,
    passages: match.passages ?? [],
    rules: match.rules ?? [],
    links: linksOf(match),
    site,
  };
  if (page.language) evidence.language = page.language;
  // An `uncertain` match (the verdicts work) names the rules it suspects and why it could not tell.
  const unsure = match as ReprintMatch & { suspected?: unknown; reason?: unknown };
  if (Array.isArray(unsure.suspected)) evidence.suspected = suspicionsOf(unsure.suspected);
  if (typeof unsure.reason === 'string') evidence.reason = unsure.reason;
  return evidence;
}

function suspicionsOf(items: readonly unknown[]): Suspicion[] {
  const found: Suspicion[] = [];
  for (const item of items) {
    if (typeof item === 'string') found.push({ rule: item });
    else if (item && typeof item === 'object' && typeof (item as Suspicion).rule === 'string') {
      const { rule, message, reason } = item as Suspicion;
      const suspicion: Suspicion = { rule };
      if (typeof message === 'string') suspicion.message = message;
      if (typeof reason === 'string') suspicion.reason = reason;
      found.push(suspicion);
    }
  }
  return found.slice(0, 20);
}

/**
 * The links a check reported on the page. Checks put them in a rule outcome's `details.links` or a
 * violation's `data.links`, as `{href | url, rel?, text?}`; anything else there is ignored.
 */
export function linksOf(match: ReprintMatch): FoundLink[] {
  const found = new Map<string, FoundLink>();
  const sources: unknown[] = [
    ...(match.rules ?? []).map((outcome) => outcome.details?.links),
    ...(match.violations ?? []).map((violation) => violation.data?.links),
  ];
  for (const source of sources) {
    if (!Array.isArray(source)) continue;
    for (const item of source) {
      if (!item || typeof item !== 'object') continue;
      const record = item as Record<string, unknown>;
      const href = typeof record.href === 'string' ? record.href : record.url;
      if (typeof href !== 'string') continue;
      const rel = Array.isArray(record.rel) ? record.rel.join(' ') : record.rel;
      const link: FoundLink = { href };
      if (typeof rel === 'string' && rel) link.rel = rel;
      if (typeof record.text === 'string') link.text = record.text;
      found.set(`${href}\u0000${link.rel ?? ''}\u0000${link.text ?? ''}`, link);
    }
  }
  return [...found.values()].slice(0, 200);
}
