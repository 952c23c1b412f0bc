import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { notifyHubs } from '../../src/feed/websub.ts';
import { toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { runCli } from '../helpers/cli.ts';
import { startServer } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';
import { articles, FEED_YAMLS, PUBLISHER_YAML, seededStore, writeFeedsFolder } from './_support.ts';

interface Notice {
  contentType: string | undefined;
  form: URLSearchParams;
}

/**
 * A small WebSub hub on 127.0.0.1: it records every publish notice and answers as `answer` says
 * for the n-th request (a status, or 'hang' to never answer).
 */
async function startHub(answer: (n: number) => number | 'hang' = () => 204) {
  const notices: Notice[] = [];
  const server = await startServer((request, response, _socket, seen) => {
    if (request.method !== 'POST') return response.writeHead(405).end();
    notices.push({ contentType: request.headers['content-type'], form: new URLSearchParams(seen.body) });
    const status = answer(notices.length);
    // A hanging answer is ended by `close`, which cuts every connection.
    if (status !== 'hang') response.writeHead(status).end();
  });
  const hub = { url: server.url('/hub'), notices, close: () => server.close() };
  hubs.push(hub);
  return hub;
}
const hubs: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
});

describe('WebSub publish notices', () => {
  it('posts hub.mode=publish and hub.url, one topic a request, to every hub', async () => {
    const [first, second] = [await startHub(), await startHub(() => 202)];
    const topics = ['https://northwind.example/feeds/all.xml', 'https://northwind.example/feeds/all.atom'];
    const notices = await notifyHubs([first!.url, second!.url], topics);
    expect(notices.map(({ hub, topic, ok, tries, status }) => ({ hub, topic, ok, tries, status }))).toEqual([
      { hub: first!.url, topic: topics[0], ok: true, tries: 1, status: 204 },
      { hub: first!.url, topic: topics[1], ok: true, tries: 1, status: 204 },
      { hub: second!.url, topic: topics[0], ok: true, tries: 1, status: 202 },
      { hub: second!.url, topic: topics[1], ok: true, tries: 1, status: 202 },
    ]);
    for (const hub of [first!, second!]) {
      expect(hub.notices.map((notice) => notice.contentType)).toEqual([
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded',
      ]);
      expect(hub.notices.map((notice) => [...notice.form.entries()]).sort()).toEqual(
        topics
          .map((topic) => [
            ['hub.mode', 'publish'],
            ['hub.url', topic],
          ])
          .sort(),
      );
    }
  });

  it('tries again after a 503 or 429, not after a 400, and gives up after maxTries', async () => {
    const flaky = await startHub((n) => (n === 1 ? 503 : n === 2 ? 429 : 204));
    const [recovered] = await notifyHubs([flaky.url], ['https://northwind.example/feeds/a.xml'], {
      retryDelayMs: 10,
    });
    expect(recovered).toMatchObject({ ok: true, tries: 3, status: 204 });

    const refusing = await startHub(() => 400);
    const [refused] = await notifyHubs([refusing.url], ['https://northwind.example/feeds/a.xml'], {
      retryDelayMs: 10,
    });
    expect(refused).toMatchObject({ ok: false, tries: 1, status: 400, error: 'the hub answered 400' });

    const down = await startHub(() => 500);
    const [failed] = await notifyHubs([down.url], ['https://northwind.example/feeds/a.xml'], {
      retryDelayMs: 10,
      maxTries: 2,
    });
    expect(failed).toMatchObject({ ok: false, tries: 2, status: 500 });
    expect(down.notices).toHaveLength(2);
  });

  it('gives up on a hub that does not answer in time, and on one that is not there, without throwing', async () => {
    const silent = await startHub(() => 'hang');
    const started = Date.now();
    const [timedOut] = await notifyHubs([silent.url], ['https://northwind.example/feeds/a.xml'], {
      timeoutMs: 200,
      maxTries: 2,
      retryDelayMs: 10,
    });
    expect(timedOut).toMatchObject({ ok: false, tries: 2, error: 'no answer within 200 ms' });
    expect(silent.notices).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(10_000);

    const gone = await startHub();
    const url = gone.url;
    await gone.close();
    hubs.splice(hubs.indexOf(gone), 1);
    const [unreachable] = await notifyHubs([url], ['https://northwind.example/feeds/a.xml'], {
      maxTries: 1,
    });
    expect(unreachable!.ok).toBe(false);
    expect(unreachable!.error).toMatch(/^cannot reach the hub: /);
  });
});

describe('syndicate build with hubs', () => {
  async function setUp(hubUrls: string[]) {
    const dir = tempDir();
    const store = join(dir, 'store.sqlite');
    await (await seededStore(store)).close();
    const feeds = writeFeedsFolder(join(dir, 'feeds'), FEED_YAMLS);
    // The publisher file of the tests, with the hubs added.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      join(feeds, 'publisher.yaml'),
      `${PUBLISHER_YAML}hubs:\n${hubUrls.map((url) => `  - ${url}\n`).join('')}`,
    );
    const out = join(dir, 'public');
    const build = () => runCli(['--store', store, '--feeds', feeds, 'build', '--out', out]);
    return { store, out, build };
  }

  it('links the hubs and notifies them of the feeds a build changed, and only those', async () => {
    const hub = await startHub();
    const { store, out, build } = await setUp([hub.url]);
    const first = await build();
    expect(first.code).toBe(0);
    expect(readFileSync(join(out, 'all.atom'), 'utf8')).toContain(`<link href="${hub.url}" rel="hub"/>`);
    const everyUrl = hub.notices.map((notice) => notice.form.get('hub.url')).sort();
    expect(everyUrl).toEqual(
      [
        'all.xml',
        'all.atom',
        'all.json',
        'peace.xml',
        'peace.atom',
        'ana.xml',
        'ana.atom',
        'ana.json',
        'plain.json',
      ]
        .map((name) => `https://northwind.example/feeds/${name}`)
        .sort(),
    );
    expect(first.stdout).toContain('notified 1 hub(s) of 9 changed feed URL(s)');

    // Nothing changed: nobody is told anything.
    hub.notices.length = 0;
    expect((await build()).code).toBe(0);
    expect(hub.notices).toEqual([]);

    // The old peace article changes: the feeds that carry it (all, peace, plain) are announced;
    // "ana" matches it too but keeps only its two newest articles, so it did not change.
    const { openSql } = await import('../../src/store/db.ts');
    const db = await openSql(store);
    await upsertArticles(db, [{ ...toArticle(articles[3]!), title: 'Old Ana piece, revised' }]);
    await db.close();
    expect((await build()).code).toBe(0);
    expect(hub.notices.map((notice) => notice.form.get('hub.url')?.split('/').pop()).sort()).toEqual(
      ['all.xml', 'all.atom', 'all.json', 'peace.xml', 'peace.atom', 'plain.json'].sort(),
    );
  });

  it('still succeeds, with a warning, when a hub fails', async () => {
    const hub = await startHub(() => 400);
    const { build, out } = await setUp([hub.url]);
    const result = await build();
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      `syndicate: warning: ${hub.url}: https://northwind.example/feeds/all.xml: the hub answered 400`,
    );
    expect(result.stdout).toContain('9 notice(s) failed');
    expect(readFileSync(join(out, 'all.xml'), 'utf8')).toContain('<rss');
  });
});
