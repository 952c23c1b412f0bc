import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAlerts } from '../../src/config/alerts.ts';
import {
  alertNewViolations,
  finishScan,
  type NewViolationsPayload,
  postWebhooks,
  recordPageResults,
  startScan,
} from '../../src/findings/index.ts';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import { startServer, type TestServer } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';

setLogLevel('silent');

import { page, sites } from './_pages.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function listen(handler: (request: IncomingMessage, response: ServerResponse, body: string) => void) {
  const server = await startServer((request, response, _socket, seen) =>
    handler(request, response, seen.body),
  );
  servers.push(server);
  return server.url('/hook');
}

describe('webhooks', () => {
  it('receive exactly the new violations of a scan; a failing or hanging one does not fail the caller', async () => {
    const received: NewViolationsPayload[] = [];
    const good = await listen((request, response, body) => {
      expect(request.headers['content-type']).toBe('application/json');
      received.push(JSON.parse(body));
      response.end('ok');
    });
    let failures = 0;
    const failing = await listen((_request, response) => {
      failures++;
      response.statusCode = 500;
      response.end('down');
    });
    const hanging = await listen(() => {
      // never answers
    });

    const db = await openSql(join(tempDir(), 'store.sqlite'));
    const s1 = await startScan(db, { sites: [] });
    await recordPageResults(db, s1.id, [page('https://peaceblog.example/old', 'violation')], { sites });
    await finishScan(db, s1.id);
    const s2 = await startScan(db, { sites: [] });
    const outcome = await recordPageResults(
      db,
      s2.id,
      [
        page('https://peaceblog.example/old', 'violation'),
        page('https://peaceblog.example/new', 'violation', { title: 'New <b>one</b>' }),
        page('https://peaceblog.example/fine', 'compliant'),
      ],
      { sites },
    );
    const scan = await finishScan(db, s2.id);

    const results = await alertNewViolations(
      { webhooks: [good, failing, hanging], timeoutMs: 300, retries: 2 },
      scan,
      outcome.new,
      { backoffMs: 5 },
    );
    expect(received).toHaveLength(1);
    expect(received[0]!.event).toBe('violations.new');
    expect(received[0]!.scan.id).toBe(s2.id);
    expect(received[0]!.violations.map((violation) => violation.page)).toEqual([
      { url: 'https://peaceblog.example/new', title: 'New <b>one</b>' },
    ]);
    expect(received[0]!.violations[0]!.rules).toEqual(['link-to-original']);
    expect(results).toEqual([
      { url: good, ok: true, status: 200, attempts: 1 },
      { url: failing, ok: false, status: 500, attempts: 2, error: 'HTTP 500' },
      { url: hanging, ok: false, attempts: 2, error: 'no answer in 300 ms' },
    ]);
    expect(failures).toBe(2);
    await db.close();
  });

  it('does not retry a 4xx, reports a refused connection, and sends nothing when nothing is new', async () => {
    let calls = 0;
    const gone = await listen((_request, response) => {
      calls++;
      response.statusCode = 410;
      response.end();
    });
    const refused = await listen(() => undefined);
    await servers.pop()!.close();
    const results = await postWebhooks(
      [gone, refused],
      { hello: 1 },
      { retries: 3, backoffMs: 1, timeoutMs: 1000 },
    );
    expect(calls).toBe(1);
    expect(results[0]).toMatchObject({ ok: false, status: 410, attempts: 1 });
    expect(results[1]).toMatchObject({ ok: false, attempts: 3 });
    expect(results[1]!.error).toMatch(/ECONNREFUSED|fetch failed/);
    const none = await alertNewViolations(
      { webhooks: [gone], timeoutMs: 100, retries: 1 },
      { id: 1, started: '', finished: null, sites: [], counts: {} as never, errors: [] },
      [],
    );
    expect(none).toEqual([]);
    expect(calls).toBe(1);
  });
});

describe('webhook error paths', () => {
  it('does not follow a redirect, tries a cut connection again, and names the failure', async () => {
    const moved = await listen((_request, response) => {
      response.writeHead(301, { location: 'http://127.0.0.1:9/elsewhere' }).end();
    });
    const cut = await listen((request) => {
      request.socket.destroy();
    });
    const [redirected, reset] = await postWebhooks([moved, cut], { hello: 1 }, { retries: 2, backoffMs: 1 });
    expect(redirected).toMatchObject({ ok: false, attempts: 2 });
    expect(redirected!.error).toBe('redirected to http://127.0.0.1:9/elsewhere, not followed');
    expect(reset).toMatchObject({ ok: false, attempts: 2 });
    expect(reset!.error).toMatch(/^connection: /);
    const [movedServer, cutServer] = servers;
    expect(movedServer!.requests.map((request) => request.path)).toEqual(['/hook', '/hook']);
    expect(cutServer!.requests.map((request) => request.status)).toEqual([0, 0]);
    expect(movedServer!.requests[0]!.headers['user-agent']).toBe('syndicate-alerts/0.1');
  });
});

describe('rules/alerts.yaml', () => {
  it('is optional, and a bad URL is named with file, line and field', async () => {
    const { writeFileSync } = await import('node:fs');
    const dir = tempDir();
    expect(loadAlerts(dir)).toEqual({ webhooks: [], timeoutMs: 10_000, retries: 3 });
    writeFileSync(
      join(dir, 'alerts.yaml'),
      'alerts:\n  webhooks:\n    - https://hooks.example/a\n    - ftp://x\n',
    );
    expect(() => loadAlerts(dir)).toThrow(
      expect.objectContaining({ where: expect.objectContaining({ line: 4, field: 'alerts.webhooks[1]' }) }),
    );
    writeFileSync(join(dir, 'alerts.yaml'), 'alerts:\n  webhooks: [https://hooks.example/a]\n  retries: 2\n');
    expect(loadAlerts(dir)).toEqual({ webhooks: ['https://hooks.example/a'], timeoutMs: 10_000, retries: 2 });
  });
});
