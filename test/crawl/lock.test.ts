import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { expect, it } from 'vitest';
import { sitesFileSchema } from '../../src/config/sites.ts';
import { crawl } from '../../src/crawl/crawl.ts';
import { latestPass } from '../../src/crawl/passes.ts';
import { isSyndicateError } from '../../src/errors.ts';
import { setLogLevel } from '../../src/log.ts';
import { describeEngines } from '../helpers/engines.ts';

/** Two crawls must not work one pass at once; a lock left by a dead process is taken over. */
describeEngines('the pass lock', (engine) => {
  it('refuses a pass held by a live process and takes over one left by a dead process', async () => {
    setLogLevel('silent');
    const sql = await engine.open();
    // A site on a port nothing listens on: the crawl ends at once, which is all this test needs.
    const config = sitesFileSchema.parse({
      crawler: { allowPrivateNetworks: true, retries: 1, resolve: { 'nowhere.example': '127.0.0.1:9' } },
      sites: [{ id: 'nowhere', url: 'http://nowhere.example/', kind: 'community' }],
    });
    const hold = async (holder: string) => {
      await sql.run(
        'INSERT INTO crawl_passes (id, sites, started_at) VALUES (1, ?, ?) ON CONFLICT DO NOTHING',
        ['["nowhere"]', new Date().toISOString()],
      );
      await sql.run(
        'INSERT INTO crawl_locks (pass_id, holder, acquired_at) VALUES (1, ?, ?) ON CONFLICT (pass_id) DO UPDATE SET holder = excluded.holder',
        [holder, new Date().toISOString()],
      );
    };

    await hold(`${hostname()}:${process.pid}:someone-else`);
    const refused = await crawl(sql, config).catch((error: unknown) => error);
    expect(isSyndicateError(refused) && refused.code).toBe('locked');

    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await hold(`${hostname()}:${dead}:gone`);
    const summary = await crawl(sql, config);
    expect(summary.passId).toBe(1);
    expect(summary.finished).toBe(true);
    expect((await latestPass(sql))?.finishedAt).not.toBeNull();
    expect(await sql.get('SELECT COUNT(*) AS n FROM crawl_locks')).toEqual({ n: 0 });
  });
});
