/**
 * Tries for one-off requests that must not fail their caller (webhooks, WebSub hubs): the first
 * try, then a pause that doubles before each later one, as long as the last outcome may pass.
 * The crawler has its own policy (per host, Retry-After), since it also has to be polite.
 */
export interface RetryOptions {
  /** Tries at most, the first included (at least one). */
  maxTries: number;
  /** Pause before the second try; doubled before each later one. */
  delayMs: number;
}

export async function withRetries<T>(
  attempt: (tryNumber: number) => Promise<{ outcome: T; retry: boolean }>,
  options: RetryOptions,
): Promise<{ outcome: T; tries: number }> {
  const maxTries = Math.max(1, options.maxTries);
  for (let tryNumber = 1; ; tryNumber++) {
    const { outcome, retry } = await attempt(tryNumber);
    if (!retry || tryNumber >= maxTries) return { outcome, tries: tryNumber };
    await sleep(options.delayMs * 2 ** (tryNumber - 1));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
