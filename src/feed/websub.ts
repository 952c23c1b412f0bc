/**
 * WebSub publishing: after a build, tell each hub which feed URLs changed, so that it fetches them
 * and pushes them to its subscribers within seconds instead of readers polling. A hub that is
 * slow, down or refusing never fails the build: each notice has a time limit and a few tries for
 * the failures that may pass (network errors, timeouts, 429, 5xx), and the outcome is returned for
 * the caller to report.
 *
 * The request is the one hubs have taken since PubSubHubbub 0.3 (WebSub leaves publishing to the
 * hub): a form POST of `hub.mode=publish` and `hub.url=TOPIC`, one topic a request, which every
 * hub understands (not all accept several `hub.url` in one request).
 */
import { classify, Fetcher } from '../net/http.ts';
import { withRetries } from '../net/retry.ts';

export interface HubOptions {
  /** Time for one request, response included. */
  timeoutMs?: number;
  /** Tries per topic and hub, the first included. */
  maxTries?: number;
  /** Pause before the second try; doubled before each later one. */
  retryDelayMs?: number;
  /** Requests in flight to one hub. */
  perHub?: number;
}

export interface HubNotice {
  hub: string;
  topic: string;
  ok: boolean;
  tries: number;
  /** The hub's last HTTP status, when it answered. */
  status?: number;
  /** Why the notice failed, when it did. */
  error?: string;
}

const DEFAULTS: Required<HubOptions> = { timeoutMs: 10_000, maxTries: 3, retryDelayMs: 1000, perHub: 4 };

/** A hub's answer says nothing we need; this much of it is read to free the connection. */
const RESPONSE_MAX_BYTES = 64 * 1024;

async function notifyOne(
  fetcher: Fetcher,
  hub: string,
  topic: string,
  options: Required<HubOptions>,
): Promise<HubNotice> {
  const notice: HubNotice = { hub, topic, ok: false, tries: 0 };
  const body = new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }).toString();
  await withRetries(
    async (attempt) => {
      notice.tries = attempt;
      try {
        const response = await fetcher.fetch(hub, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
          followRedirects: false,
        });
        notice.status = response.status;
        if (response.status >= 200 && response.status < 300) {
          notice.ok = true;
          delete notice.error;
          return { outcome: notice, retry: false };
        }
        notice.error = `the hub answered ${response.status}`;
        return { outcome: notice, retry: response.status === 429 || response.status >= 500 };
      } catch (error) {
        const failure = classify(hub, error);
        notice.error =
          failure.kind === 'timeout' || failure.kind === 'aborted'
            ? `no answer within ${options.timeoutMs} ms`
            : `cannot reach the hub: ${failure.reason}`;
        return { outcome: notice, retry: true };
      }
    },
    { maxTries: options.maxTries, delayMs: options.retryDelayMs },
  );
  return notice;
}

/** Notify every hub of every topic (feed URL); resolves with one notice per pair, never rejects. */
export async function notifyHubs(
  hubs: readonly string[],
  topics: readonly string[],
  options: HubOptions = {},
): Promise<HubNotice[]> {
  const settings = { ...DEFAULTS, ...options };
  // Hubs are the operator's configuration, so any address is allowed (a hub on the same network
  // is common); the time limit covers the whole exchange.
  const fetcher = new Fetcher({
    userAgent: 'syndicate (WebSub publisher)',
    allowPrivateNetworks: true,
    headersTimeoutMs: settings.timeoutMs,
    bodyTimeoutMs: settings.timeoutMs,
    maxBodyBytes: RESPONSE_MAX_BYTES,
    maxRedirects: 0,
  });
  try {
    return await notifyAll(fetcher, hubs, topics, settings);
  } finally {
    await fetcher.close().catch(() => undefined);
  }
}

async function notifyAll(
  fetcher: Fetcher,
  hubs: readonly string[],
  topics: readonly string[],
  settings: Required<HubOptions>,
): Promise<HubNotice[]> {
  const order = new Map(topics.map((topic, index) => [topic, index]));
  const perHub = await Promise.all(
    hubs.map(async (hub) => {
      const notices: HubNotice[] = [];
      let next = 0;
      const lane = async () => {
        while (next < topics.length) {
          const topic = topics[next++]!;
          notices.push(await notifyOne(fetcher, hub, topic, settings));
        }
      };
      await Promise.all(Array.from({ length: Math.min(settings.perHub, topics.length) }, lane));
      // In the order of the topics, whichever lane finished first.
      return notices.sort((a, b) => order.get(a.topic)! - order.get(b.topic)!);
    }),
  );
  return perHub.flat();
}
