import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvidence, readEvidenceFile } from '../../src/evidence/index.ts';
import { setLogLevel } from '../../src/log.ts';
import { type RunningServer, startServer, storedEvidence } from '../../src/server/index.ts';
import { openSql } from '../../src/store/db.ts';
import type { Sql } from '../../src/store/sql.ts';
import { runCli } from '../helpers/cli.ts';
import { describeEngines } from '../helpers/engines.ts';
import { freshSchema } from '../helpers/postgres.ts';
import {
  articles,
  importedStore,
  type Republisher,
  reprint,
  startRepublisher,
  writeRules,
} from '../scan/_republisher.ts';
import { raw } from '../server/_http.ts';

/**
 * The evidence a real scan captured (a republisher on 127.0.0.1, `syndicate scan`, Chromium's
 * screenshot), as the finding page shows it: the screenshot inline, every file offered and served
 * byte for byte as captured, and a file changed in the store refused; on a SQLite store and on a
 * PostgreSQL one, which keep the files in the store alike.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const title = available
  ? 'evidence on the finding page, captured by a real scan'
  : `evidence on the finding page: SKIPPED, ${CHROMIUM} is absent`;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.skipIf(!available)(title, () =>
  describeEngines('a store', (engine) => {
    let site: Republisher;
    let dir: string;
    let sql: Sql;
    let server: RunningServer;
    let findingId: number;
    let dropStore = async () => {};

    beforeAll(async () => {
      setLogLevel('silent');
      site = await startRepublisher('proofs');
      site.pages.set('/post/', {
        body: reprint(articles['nw-481']!, 'home-only').replace(
          '</head>',
          '<script>window.__pwned=1</script></head>',
        ),
      });
      dir = mkdtempSync(join(tmpdir(), 'syndicate-evidence-view-'));
      let target: string | undefined;
      if (engine.engine === 'postgres') {
        // Not engine.target(): its store is dropped after each case, and these cases share one scan.
        const schema = await freshSchema();
        target = schema.url;
        dropStore = schema.drop;
      }
      const store = await importedStore(dir, target);
      const rules = writeRules(dir, [site]);
      const scan = await runCli(['--store', store, '--rules', rules, 'scan']);
      expect(scan.code, scan.stderr).toBe(1);
      sql = await openSql(store);
      findingId = (await sql.get<{ id: number }>("SELECT id FROM findings WHERE verdict = 'violation'"))!.id;
      server = await startServer({
        sql,
        outDir: dir,
        port: 0,
        evidence: storedEvidence(sql),
      });
    }, 120_000);

    afterAll(async () => {
      await server?.close();
      await sql?.close();
      await site?.close();
      await dropStore();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('shows the screenshot and serves every file as captured', async () => {
      const [capture] = await listEvidence(sql, findingId);
      expect(capture!.files.map((file) => file.role)).toEqual(['screenshot', 'warc', 'manifest']);
      const page = await raw(`${server.url}/review/finding/${findingId}`);
      const $ = load(page.text);
      const screenshot = capture!.files[0]!;
      expect($('figure.screenshot img').attr('src')).toBe(
        `/review/finding/${findingId}/evidence/${screenshot.sha256}`,
      );
      expect($('section.evidence-capture time').attr('datetime')).toBe(capture!.capturedAt);
      expect(
        $('ul.evidence-files a')
          .map((_, a) => $(a).text())
          .get(),
      ).toEqual(capture!.files.map((file) => file.name));
      for (const file of capture!.files) {
        const answer = await raw(`${server.url}/review/finding/${findingId}/evidence/${file.sha256}`);
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toBe(file.mediaType);
        expect(sha256(answer.body)).toBe(file.sha256);
        expect(answer.headers['content-disposition']).toContain(`filename="${file.name}"`);
        expect(answer.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
      }
      // Another finding's file, or a name that is no hash: not found.
      expect((await raw(`${server.url}/review/finding/${findingId}/evidence/${'0'.repeat(64)}`)).status).toBe(
        404,
      );
      expect((await raw(`${server.url}/review/finding/${findingId}/evidence/manifest.json`)).status).toBe(
        404,
      );
    });

    it('renders the screenshot in Chromium and runs nothing of the page', async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
        const events: string[] = [];
        page.on('pageerror', (error) => events.push(error.message));
        page.on('console', (message) => events.push(message.text()));
        await page.goto(`${server.url}/review/finding/${findingId}`);
        const image = page.locator('figure.screenshot img');
        await image.scrollIntoViewIfNeeded();
        await expect
          .poll(() =>
            image.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth),
          )
          .toBeGreaterThan(100);
        expect(
          await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
        ).toBeLessThanOrEqual(0);
        expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
        expect(events).toEqual([]);
      } finally {
        await browser.close();
      }
    });

    it('refuses a file changed in the store since it was captured', async () => {
      const [capture] = await listEvidence(sql, findingId);
      const warc = capture!.files.find((file) => file.role === 'warc')!;
      expect(sha256((await readEvidenceFile(sql, findingId, warc.sha256)).bytes)).toBe(warc.sha256);
      await sql.run('UPDATE evidence_blobs SET content = ? WHERE sha256 = ?', [
        Buffer.from('forged'),
        warc.sha256,
      ]);
      const answer = await raw(`${server.url}/review/finding/${findingId}/evidence/${warc.sha256}`);
      expect(answer.status).toBe(500);
      expect(answer.text).toContain('does not match its SHA-256');
      expect(answer.text).not.toContain('forged');
    });
  }),
);
