import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { sitesFileSchema } from '../../src/config/sites.ts';
import { crawl } from '../../src/crawl/crawl.ts';
import { latestPass } from '../../src/crawl/passes.ts';
import { isSyndicateError } from '../../src/errors.ts';
import { setLogLevel } from '../../src/log.ts';
import { openStore } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

/** Two crawls must not work one pass at once; a lock left by a dead process is taken over. */
describe('the pass lock', () => {
  it('refuses a pass held by a live process and takes over one left by a dead process', async () => {
    setLogLevel('silent');
    const dir = tempDir();
    const db = openStore(`${dir}/s.sqlite`);
    // A site on a port nothing listens on: the crawl ends at once, which is all this test needs.
    const config = sitesFileSchema.parse({
      crawler: { allowPrivateNetworks: true, retries: 1, resolve: { 'nowhere.example': '127.0.0.1:9' } },
      sites: [{ id: 'nowhere', url: 'http://nowhere.example/', kind: 'community' }],
    });
    const hold = (holder: string) => {
      db.prepare(
        'INSERT INTO crawl_passes (id, sites, started_at) VALUES (1, ?, ?) ON CONFLICT DO NOTHING',
      ).run('["nowhere"]', new Date().toISOString());
      db.prepare(
        'INSERT INTO crawl_locks (pass_id, holder, acquired_at) VALUES (1, ?, ?) ON CONFLICT (pass_id) DO UPDATE SET holder = excluded.holder',
      ).run(holder, new Date().toISOString());
    };

    hold(`${hostname()}:${process.pid}:someone-else`);
    const refused = await crawl(db, config).catch((error: unknown) => error);
    expect(isSyndicateError(refused) && refused.code).toBe('locked');

    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    hold(`${hostname()}:${dead}:gone`);
    const summary = await crawl(db, config);
    expect(summary.passId).toBe(1);
    expect(summary.finished).toBe(true);
    expect(latestPass(db)?.finishedAt).not.toBeNull();
    expect(db.prepare('SELECT COUNT(*) AS n FROM crawl_locks').get()).toEqual({ n: 0 });
    db.close();
  });
});
