import type { AlertsConfig } from '../config/alerts.ts';
import { logger } from '../log.ts';
import type { Finding, Scan } from './types.ts';

export interface WebhookOutcome {
  url: string;
  ok: boolean;
  /** The last HTTP status received, if any. */
  status?: number;
  attempts: number;
  error?: string;
}

export interface WebhookOptions {
  timeoutMs?: number;
  /** Attempts per URL; a network error, a timeout, 429 and 5xx are tried again. */
  retries?: number;
  /** Pause before the second attempt; doubled for each later one. */
  backoffMs?: number;
  fetch?: typeof fetch;
}

/** The JSON a webhook receives: the scan and each violation it found new (or reopened). */
export interface NewViolationsPayload {
  event: 'violations.new';
  scan: { id: number; started: string; finished: string | null };
  violations: Array<{
    finding: number;
    page: { url: string; title: string | null };
    site: string | null;
    article: { id: string; url: string; title: string };
    firstSeen: string;
    rules: string[];
    violations: Array<{ rule: string; message: string; evidence: string }>;
  }>;
}

export function newViolationsPayload(scan: Scan, findings: readonly Finding[]): NewViolationsPayload {
  return {
    event: 'violations.new',
    scan: { id: scan.id, started: scan.started, finished: scan.finished },
    violations: findings
      .filter((finding) => finding.verdict === 'violation')
      .map((finding) => ({
        finding: finding.id,
        page: { url: finding.pageUrl, title: finding.pageTitle },
        site: finding.site,
        article: { id: finding.articleId, url: finding.articleUrl, title: finding.articleTitle },
        firstSeen: finding.firstSeen,
        rules: [...new Set(finding.violations.map((violation) => violation.rule))],
        violations: finding.violations.map(({ rule, message, evidence }) => ({ rule, message, evidence })),
      })),
  };
}

/**
 * POST the new violations of a scan to every configured webhook. Nothing is sent when there is
 * nothing new. Never throws: each URL's outcome is returned (and failures logged), so an alert
 * that cannot be delivered never fails the scan.
 */
export async function alertNewViolations(
  config: Pick<AlertsConfig, 'webhooks' | 'timeoutMs' | 'retries'>,
  scan: Scan,
  findings: readonly Finding[],
  options: Omit<WebhookOptions, 'timeoutMs' | 'retries'> = {},
): Promise<WebhookOutcome[]> {
  const payload = newViolationsPayload(scan, findings);
  if (payload.violations.length === 0 || config.webhooks.length === 0) return [];
  return postWebhooks(config.webhooks, payload, {
    ...options,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
  });
}

/** POST `payload` as JSON to each URL, side by side. Never throws. */
export async function postWebhooks(
  urls: readonly string[],
  payload: unknown,
  options: WebhookOptions = {},
): Promise<WebhookOutcome[]> {
  let body: string;
  try {
    body = JSON.stringify(payload);
  } catch (error) {
    return urls.map((url) => ({ url, ok: false, attempts: 0, error: (error as Error).message }));
  }
  return Promise.all(urls.map((url) => postOne(url, body, options)));
}

async function postOne(url: string, body: string, options: WebhookOptions): Promise<WebhookOutcome> {
  const { timeoutMs = 10_000, retries = 3, backoffMs = 500 } = options;
  const doFetch = options.fetch ?? fetch;
  const outcome: WebhookOutcome = { url, ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= Math.max(1, retries); attempt++) {
    outcome.attempts = attempt;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    let transient = true;
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'syndicate-alerts/0.1' },
        body,
        redirect: 'error',
        signal: controller.signal,
      });
      outcome.status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) {
        outcome.ok = true;
        delete outcome.error;
        return outcome;
      }
      outcome.error = `HTTP ${response.status}`;
      transient = response.status === 429 || response.status >= 500;
    } catch (error) {
      outcome.error = describe(error, controller.signal);
    } finally {
      clearTimeout(timer);
    }
    if (!transient) break;
    if (attempt < retries) await sleep(backoffMs * 2 ** (attempt - 1));
  }
  logger().warn({ url, attempts: outcome.attempts, error: outcome.error }, 'webhook not delivered');
  return outcome;
}

function describe(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return (signal.reason as Error | undefined)?.message ?? 'timed out';
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message
    ? `${(error as Error).message}: ${cause.message}`
    : String((error as Error).message ?? error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
