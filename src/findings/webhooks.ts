import type { AlertsConfig } from '../config/alerts.ts';
import { logger } from '../log.ts';
import { classify, Fetcher } from '../net/http.ts';
import { withRetries } from '../net/retry.ts';
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
}

/** A webhook's answer says nothing we need; this much of it is read to free the connection. */
const RESPONSE_MAX_BYTES = 64 * 1024;

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
  const { timeoutMs = 10_000 } = options;
  // The operator configured these URLs: any address, private ones too (an alert relay on the
  // same network is common); the time limit covers the whole exchange.
  const fetcher = new Fetcher({
    userAgent: 'syndicate-alerts/0.1',
    allowPrivateNetworks: true,
    headersTimeoutMs: timeoutMs,
    bodyTimeoutMs: timeoutMs,
    maxBodyBytes: RESPONSE_MAX_BYTES,
    maxRedirects: 0,
  });
  try {
    return await Promise.all(urls.map((url) => postOne(fetcher, url, body, options)));
  } finally {
    await fetcher.close().catch(() => undefined);
  }
}

async function postOne(
  fetcher: Fetcher,
  url: string,
  body: string,
  options: WebhookOptions,
): Promise<WebhookOutcome> {
  const { timeoutMs = 10_000, retries = 3, backoffMs = 500 } = options;
  const outcome: WebhookOutcome = { url, ok: false, attempts: 0 };
  await withRetries(
    async (attempt) => {
      outcome.attempts = attempt;
      try {
        const response = await fetcher.fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', accept: '*/*' },
          followRedirects: false,
        });
        outcome.status = response.status;
        if (response.status >= 200 && response.status < 300) {
          outcome.ok = true;
          delete outcome.error;
          return { outcome, retry: false };
        }
        outcome.error = `HTTP ${response.status}`;
        return { outcome, retry: response.status === 429 || response.status >= 500 };
      } catch (error) {
        const failure = classify(url, error);
        outcome.error = failure.kind === 'timeout' ? `no answer in ${timeoutMs} ms` : failure.reason;
        return { outcome, retry: true };
      }
    },
    { maxTries: retries, delayMs: backoffMs },
  );
  if (!outcome.ok) {
    logger().warn({ url, attempts: outcome.attempts, error: outcome.error }, 'webhook not delivered');
  }
  return outcome;
}
