import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewViolationsPayload } from '../../src/findings/index.ts';
import { runCli } from '../helpers/cli.ts';
import { startServer } from '../helpers/http.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { articles, findingsOf, reprint, republisherOfFile, rulesOf, scanSetup } from './_republisher.ts';

/** A webhook receiver on 127.0.0.1 that answers as it is told: 204, 500, or never. */
interface Hook {
  url: string;
  mode: 'ok' | 'fail' | 'hang';
  received: NewViolationsPayload[];
  close(): Promise<void>;
}

async function startHook(mode: Hook['mode']): Promise<Hook> {
  const hook: Hook = { url: '', mode, received: [], close: async () => {} };
  const server = await startServer((_request, response, _socket, seen) => {
    hook.received.push(JSON.parse(seen.body) as NewViolationsPayload);
    if (hook.mode === 'ok') response.writeHead(204).end();
    else if (hook.mode === 'fail') response.writeHead(500).end('down for maintenance');
    // 'hang': never answer; the sender's timeout must end it.
  });
  hook.url = server.url('/hooks/syndicate');
  hook.close = () => server.close();
  return hook;
}

const site = republisherOfFile('noisy');
const hooks: Hook[] = [];

beforeAll(async () => {
  for (const mode of ['ok', 'fail', 'hang'] as const) hooks.push(await startHook(mode));
});
afterAll(async () => {
  for (const hook of hooks) await hook.close();
});

const [a, b, c] = [articles['nw-481']!, articles['nw-455']!, articles['nw-470']!];

withoutScreenshots();

describe('alerts after a scan', () => {
  // Five scans in a row: more than the default test time on a busy machine.
  it('POST exactly the new violations, and nothing when nothing is new', { timeout: 90_000 }, async () => {
    const [ok] = hooks;
    const { argv } = await scanSetup([site], {
      alerts: { webhooks: [ok!.url], timeoutMs: 1000, retries: 1 },
    });
    site.pages.clear();
    site.pages.set('/a/', { body: reprint(a, 'home-only') });
    site.pages.set('/b/', { body: reprint(b, 'no-copyright') });
    site.pages.set('/c/', { body: reprint(c, 'proper') });

    const first = await runCli([...argv, 'scan']);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(`webhook ${ok!.url}: delivered`);
    expect(ok!.received).toHaveLength(1);
    const payload = ok!.received[0]!;
    expect(payload).toMatchObject({ event: 'violations.new', scan: { id: 1 } });
    expect(
      payload.violations
        .map((violation) => [violation.page.url, violation.article.id, violation.rules])
        .sort(),
    ).toEqual([
      [site.url('/a/'), a.id, ['link-to-original']],
      [site.url('/b/'), b.id, ['copyright-notice']],
    ]);

    // Scan 2: the same violations, nothing new: no POST at all.
    const second = await runCli([...argv, 'scan']);
    expect(second.code).toBe(1);
    expect(second.stdout).not.toContain('webhook');
    expect(ok!.received).toHaveLength(1);

    // Scan 3: one page turns violating: only it is sent.
    site.pages.set('/c/', { body: reprint(c, 'home-only') });
    await runCli([...argv, 'scan']);
    expect(ok!.received).toHaveLength(2);
    expect(ok!.received[1]!.violations.map((violation) => violation.page.url)).toEqual([site.url('/c/')]);
    expect(ok!.received[1]!.scan.id).toBe(3);

    // A violation that was resolved and comes back is new again: it is sent again.
    site.pages.set('/a/', { body: reprint(a, 'proper') });
    await runCli([...argv, 'scan']);
    expect(ok!.received).toHaveLength(2);
    site.pages.set('/a/', { body: reprint(a, 'home-only') });
    await runCli([...argv, 'scan']);
    expect(ok!.received).toHaveLength(3);
    expect(ok!.received[2]!.violations.map((violation) => violation.page.url)).toEqual([site.url('/a/')]);
  });

  it('a webhook answering 500 or never answering changes neither the exit code nor the findings', async () => {
    const [ok, fail, hang] = hooks;
    site.pages.clear();
    site.pages.set('/a/', { body: reprint(a, 'home-only') });
    site.pages.set('/c/', { body: reprint(c, 'proper') });
    const runs = [];
    for (const hook of [ok!, fail!, hang!]) {
      const before = hook.received.length;
      const { store, argv } = await scanSetup([site], {
        alerts: { webhooks: [hook.url], timeoutMs: 300, retries: 2 },
      });
      const result = await runCli([...argv, 'scan']);
      const findings = [...(await findingsOf(store)).values()].map((row) => [
        row.page_url,
        row.status,
        rulesOf(row),
      ]);
      runs.push({ hook, result, findings, posts: hook.received.length - before });
    }
    const [delivered, failed, hung] = runs;
    expect(delivered!.result.code).toBe(1);
    expect(delivered!.findings).toEqual([[site.url('/a/'), 'open', ['link-to-original']]]);
    for (const run of [failed!, hung!]) {
      expect(run.result.code, run.hook.mode).toBe(delivered!.result.code);
      expect(run.findings, run.hook.mode).toEqual(delivered!.findings);
      // Tried twice (500 and a timeout are worth another try), then given up on.
      expect(run.posts, run.hook.mode).toBe(2);
    }
    expect(delivered!.posts).toBe(1);
    expect(failed!.result.stdout).toContain(`webhook ${fail!.url}: failed (HTTP 500)`);
    expect(hung!.result.stdout).toContain(`webhook ${hang!.url}: failed (no answer in 300 ms)`);
  });
});
