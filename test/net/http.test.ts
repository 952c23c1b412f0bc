import { afterEach, describe, expect, it } from 'vitest';
import { FetchError } from '../../src/net/errors.ts';
import { Fetcher } from '../../src/net/http.ts';
import { withRetries } from '../../src/net/retry.ts';
import { startServer, type TestServer } from '../helpers/http.ts';

const servers: TestServer[] = [];
const fetchers: Fetcher[] = [];
afterEach(async () => {
  for (const fetcher of fetchers.splice(0)) await fetcher.close();
  for (const server of servers.splice(0)) await server.close();
});

function fetcher(options: Partial<ConstructorParameters<typeof Fetcher>[0]> = {}): Fetcher {
  const made = new Fetcher({
    userAgent: 'syndicate-test/1.0',
    allowPrivateNetworks: true,
    headersTimeoutMs: 2000,
    bodyTimeoutMs: 2000,
    maxBodyBytes: 1024,
    maxRedirects: 2,
    ...options,
  });
  fetchers.push(made);
  return made;
}

describe('the one HTTP client', () => {
  it('sends a POST with its body and headers and reads the answer', async () => {
    const server = await startServer((_request, response) => response.writeHead(202).end('queued'));
    servers.push(server);
    const result = await fetcher().fetch(server.url('/hook'), {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(result.status).toBe(202);
    expect(result.bytes.toString()).toBe('queued');
    expect(server.requests).toMatchObject([{ method: 'POST', path: '/hook', body: '{"a":1}', status: 202 }]);
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
    expect(server.requests[0]!.headers['user-agent']).toBe('syndicate-test/1.0');
  });

  it('refuses a redirect it is told not to follow, after one request', async () => {
    const server = await startServer((_request, response) =>
      response.writeHead(307, { location: '/elsewhere' }).end(),
    );
    servers.push(server);
    const failure = await fetcher()
      .fetch(server.url('/hook'), { method: 'POST', body: 'x', followRedirects: false })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FetchError);
    expect(failure).toMatchObject({ kind: 'too-many-redirects', status: 307 });
    expect((failure as FetchError).reason).toBe('redirected to /elsewhere, not followed');
    expect((failure as FetchError).message).toBe(
      `${server.url('/hook')}: redirected to /elsewhere, not followed`,
    );
    expect(server.requests.map((request) => request.path)).toEqual(['/hook']);
  });

  it('refuses a private address unless allowed, for a POST as for a GET', async () => {
    const server = await startServer((_request, response) => response.writeHead(204).end());
    servers.push(server);
    const failure = await fetcher({ allowPrivateNetworks: false })
      .fetch(server.url('/hook'), { method: 'POST', body: 'x' })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ kind: 'private-address' });
    expect(server.requests).toEqual([]);
  });
});

describe('withRetries', () => {
  it('tries again while the outcome may pass, up to maxTries, and stops at the first final one', async () => {
    const seen: number[] = [];
    const flaky = await withRetries(
      async (tryNumber) => {
        seen.push(tryNumber);
        return { outcome: tryNumber, retry: tryNumber < 2 };
      },
      { maxTries: 5, delayMs: 1 },
    );
    expect(flaky).toEqual({ outcome: 2, tries: 2 });
    const hopeless = await withRetries(async (tryNumber) => ({ outcome: tryNumber, retry: true }), {
      maxTries: 3,
      delayMs: 1,
    });
    expect(hopeless).toEqual({ outcome: 3, tries: 3 });
    const once = await withRetries(async () => ({ outcome: 'x', retry: true }), { maxTries: 0, delayMs: 1 });
    expect(once).toEqual({ outcome: 'x', tries: 1 });
  });
});
