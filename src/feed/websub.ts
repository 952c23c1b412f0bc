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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function notifyOne(hub: string, topic: string, options: Required<HubOptions>): Promise<HubNotice> {
  const notice: HubNotice = { hub, topic, ok: false, tries: 0 };
  const body = new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }).toString();
  for (let attempt = 1; attempt <= options.maxTries; attempt++) {
    notice.tries = attempt;
    let retry: boolean;
    try {
      const response = await fetch(hub, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      // The body says nothing we need; read it to free the connection, within the same limit.
      await response.arrayBuffer().catch(() => undefined);
      notice.status = response.status;
      if (response.ok) {
        notice.ok = true;
        delete notice.error;
        return notice;
      }
      notice.error = `the hub answered ${response.status}`;
      retry = response.status === 429 || response.status >= 500;
    } catch (error) {
      const name = (error as Error).name;
      notice.error =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${options.timeoutMs} ms`
          : `cannot reach the hub: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`;
      retry = true;
    }
    if (!retry) break;
    if (attempt < options.maxTries) await sleep(options.retryDelayMs * 2 ** (attempt - 1));
  }
  return notice;
}

/** Notify every hub of every topic (feed URL); resolves with one notice per pair, never rejects. */
export async function notifyHubs(
  hubs: readonly string[],
  topics: readonly string[],
  options: HubOptions = {},
): Promise<HubNotice[]> {
  const settings = { ...DEFAULTS, ...options };
  const perHub = await Promise.all(
    hubs.map(async (hub) => {
      const notices: HubNotice[] = [];
      let next = 0;
      const lane = async () => {
        while (next < topics.length) {
          const topic = topics[next++]!;
          notices.push(await notifyOne(hub, topic, settings));
        }
      };
      await Promise.all(Array.from({ length: Math.min(settings.perHub, topics.length) }, lane));
      return notices.sort((a, b) => topics.indexOf(a.topic) - topics.indexOf(b.topic));
    }),
  );
  return perHub.flat();
}
