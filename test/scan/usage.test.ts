import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setLogLevel } from '../../src/log.ts';
import { openSql } from '../../src/store/db.ts';
import { runCli } from '../helpers/cli.ts';
import { withoutScreenshots } from '../helpers/no-screenshots.ts';
import { scanSetup, startRepublisher } from './_republisher.ts';

withoutScreenshots();

/** Mistakes on the command line or in the configuration end with exit code 2 and record no scan. */
describe('scan usage errors', () => {
  it('an unknown --site, a broken alerts.yaml: exit 2, a message naming the place, no scan recorded', async () => {
    setLogLevel('silent');
    const site = await startRepublisher('quiet');
    try {
      const { store, rules, argv } = await scanSetup([site]);
      const unknown = await runCli([...argv, 'scan', '--site', 'nowhere']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('--site nowhere: no such site in sites.yaml');

      writeFileSync(join(rules, 'alerts.yaml'), 'alerts:\n  webhooks: [not a url]\n');
      const broken = await runCli([...argv, 'scan']);
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/alerts\.yaml:2: .*webhooks/);

      const db = await openSql(store);
      expect(await db.get('SELECT count(*) AS n FROM scans')).toEqual({ n: 0 });
      await db.close();
      expect(site.requests).toEqual([]);
    } finally {
      await site.close();
    }
  });
});
