import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { auditLog, getScan, listFindings, startScan } from '../../src/findings/index.ts';
import { openSql } from '../../src/store/db.ts';
import { describeEngines } from '../helpers/engines.ts';

/**
 * Several processes record into one store at once (the workers of a scan on PostgreSQL) while
 * reviewers change the same findings: no finding twice, no status change lost, no count lost.
 */
const CHILD = join(import.meta.dirname, '_writer-child.ts');
const REPO = join(import.meta.dirname, '..', '..');

interface Started {
  ready: Promise<void>;
  go(): void;
  done: Promise<{ pages: number; reviewed: number }>;
}

function start(plan: object): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(plan)], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  let announced: () => void;
  const ready = new Promise<void>((resolve) => {
    announced = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('ready\n')) announced();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const done = new Promise<{ pages: number; reviewed: number }>((resolve, reject) => {
    child.on('exit', (code) => {
      const result = /^done (.*)$/m.exec(output);
      if (code === 0 && result) resolve(JSON.parse(result[1]!));
      else reject(new Error(`writer exited ${code}: ${errors || output}`));
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), done };
}

describeEngines('two processes recording into one store', (engine) => {
  it('make no finding twice and lose no status change and no count', { timeout: 120_000 }, async () => {
    const target = await engine.target();
    const sql = await openSql(target);
    try {
      const scan = await startScan(sql, { sites: [] });
      const urls = Array.from({ length: 20 }, (_, index) => `https://peaceblog.example/page-${index}`);
      // Both record every page in every round; their verdicts disagree in some rounds, so the
      // findings open, resolve and reopen under both while each one's reviewer changes them.
      const rounds = (violating: (round: number) => boolean) =>
        Array.from({ length: 6 }, (_, round) =>
          urls.map((url) => [url, violating(round) ? 'violation' : 'compliant']),
        );
      const writers = [
        start({
          target,
          scanId: scan.id,
          name: 'ana',
          rounds: rounds((round) => round % 2 === 0),
          review: { status: 'dismissed', digits: '01234' },
        }),
        start({
          target,
          scanId: scan.id,
          name: 'ben',
          rounds: rounds((round) => round % 3 !== 2),
          review: { status: 'contacted', digits: '56789' },
        }),
      ];
      await Promise.all(writers.map((writer) => writer.ready));
      for (const writer of writers) writer.go();
      const results = await Promise.all(writers.map((writer) => writer.done));

      const findings = await listFindings(sql);
      // No duplicates: one finding per page, each opened once.
      expect(findings.map((finding) => finding.pageUrl).sort()).toEqual([...urls].sort());
      for (const finding of findings) {
        const log = await auditLog(sql, finding.id);
        expect(log.filter((entry) => entry.fromStatus === null)).toHaveLength(1);
        // No lost status change: every entry starts where the one before it ended, and the
        // finding stands where the last one left it.
        for (const [index, entry] of log.entries()) {
          expect(entry.fromStatus, `finding ${finding.id}, entry ${index}`).toBe(
            index === 0 ? null : log[index - 1]!.toStatus,
          );
        }
        expect(finding.status).toBe(log.at(-1)!.toStatus);
        // Both reviewers were heard on the findings they reviewed.
        const reviewer = /[0-4]$/.test(finding.pageUrl) ? 'ana' : 'ben';
        expect(log.filter((entry) => entry.who === reviewer).length).toBeGreaterThan(0);
      }
      // No lost count: the scan's counters add up what both processes recorded.
      const recorded = (await getScan(sql, scan.id))!;
      expect(recorded.counts.pages).toBe(results.reduce((sum, result) => sum + result.pages, 0));
      expect(recorded.counts.pages).toBe(2 * 6 * urls.length);
      expect(recorded.counts.new).toBe(urls.length);
    } finally {
      await sql.close();
    }
  });
});
