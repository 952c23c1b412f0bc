import { beforeEach, expect, it } from 'vitest';
import type { Discovery } from '../../src/discover/judge.ts';
import {
  beginFile,
  fileState,
  listDiscoveries,
  type Progress,
  saveCheck,
  saveProgress,
} from '../../src/discover/store.ts';
import type { Sql } from '../../src/store/sql.ts';
import { describeEngines } from '../helpers/engines.ts';
import { fixtureArticles } from '../helpers/fixture-store.ts';
import { storeArticles } from '../match/_articles.ts';

const [first, second] = fixtureArticles();
const now = new Date('2026-03-21T08:00:00.000Z');

function discovery(source: string, recordOffset: number, article = first!, coverage = 0.75): Discovery {
  return {
    source,
    recordOffset,
    recordLength: 900,
    recordType: 'response',
    pageUrl: `https://copy.example/${recordOffset}`,
    host: 'copy.example',
    capturedAt: '2026-03-20T10:00:00Z',
    pageTitle: `Copy <${recordOffset}>`,
    article: { id: article.id, url: article.url, title: article.title },
    coverage,
    kind: coverage < 0.5 ? 'excerpt' : 'full',
    verdict: 'violation',
    violations: [{ rule: 'source-attribution', message: 'no credit', evidence: 'none' }],
  };
}

const step = (source: string, resumeOffset: number, found: Discovery[], done = false): Progress => ({
  source,
  resumeOffset,
  records: 10,
  pages: 4,
  discoveries: found,
  damaged: done ? [{ offset: resumeOffset - 50, length: 50, reason: 'truncated gzip member' }] : [],
  done,
});

describeEngines("discover's records", (engine) => {
  let sql: Sql;
  beforeEach(async () => {
    sql = await engine.open();
    await storeArticles(sql, fixtureArticles());
  });

  it('keeps each step of a file with its resume offset, and lists discoveries in file and record order', async () => {
    expect(await beginFile(sql, 'b.warc.gz', now)).toMatchObject({ status: 'running', resumeOffset: 0 });
    await beginFile(sql, 'a.warc.gz', now);
    // Two articles in one record: the better covered first; a coverage kept exactly.
    await saveProgress(
      sql,
      step('b.warc.gz', 5000, [
        discovery('b.warc.gz', 3000, first, 1 / 3),
        discovery('b.warc.gz', 3000, second, 0.9),
      ]),
      now,
    );
    await saveProgress(sql, step('a.warc.gz', 800, [discovery('a.warc.gz', 100)]), now);
    expect(await fileState(sql, 'b.warc.gz')).toMatchObject({ resumeOffset: 5000, records: 10, pages: 4 });
    await saveProgress(sql, step('b.warc.gz', 9000, [discovery('b.warc.gz', 7000)], true), now);

    const state = await fileState(sql, 'b.warc.gz');
    expect(state).toMatchObject({
      status: 'done',
      resumeOffset: 9000,
      bytes: 9000,
      records: 20,
      pages: 8,
      finishedAt: now.toISOString(),
      damaged: [{ offset: 8950, length: 50, reason: 'truncated gzip member' }],
    });
    const listed = await listDiscoveries(sql);
    expect(listed.map((item) => [item.source, item.recordOffset, item.article.id, item.coverage])).toEqual([
      ['a.warc.gz', 100, first!.id, 0.75],
      ['b.warc.gz', 3000, second!.id, 0.9],
      ['b.warc.gz', 3000, first!.id, 1 / 3],
      ['b.warc.gz', 7000, first!.id, 0.75],
    ]);
    expect(listed[0]).toMatchObject({
      pageTitle: 'Copy <100>',
      capturedAt: '2026-03-20T10:00:00Z',
      article: { url: first!.url, title: first!.title },
      violations: [{ rule: 'source-attribution', message: 'no credit', evidence: 'none' }],
      foundAt: now.toISOString(),
    });
    expect(listed.map((item) => typeof item.id)).toEqual(['number', 'number', 'number', 'number']);
    expect((await listDiscoveries(sql, ['a.warc.gz'])).map((item) => item.source)).toEqual(['a.warc.gz']);

    // The same record found again replaces its row; a live check is stored on it.
    await saveProgress(
      sql,
      step('a.warc.gz', 800, [{ ...discovery('a.warc.gz', 100), verdict: 'unchecked' }]),
      now,
    );
    const again = (await listDiscoveries(sql, ['a.warc.gz']))[0]!;
    expect(again).toMatchObject({ id: listed[0]!.id, verdict: 'unchecked' });
    await saveCheck(sql, again.id, 'compliant', [], new Date('2026-03-22T00:00:00.000Z'));
    expect((await listDiscoveries(sql, ['a.warc.gz']))[0]).toMatchObject({
      verdict: 'compliant',
      violations: [],
      checkedAt: '2026-03-22T00:00:00.000Z',
    });
  });

  it('a finished file is kept unless read again, which starts it afresh', async () => {
    await beginFile(sql, 'a.warc.gz', now);
    await saveProgress(sql, step('a.warc.gz', 800, [discovery('a.warc.gz', 100)], true), now);
    expect(await beginFile(sql, 'a.warc.gz', now)).toMatchObject({ status: 'done', resumeOffset: 800 });
    expect(await listDiscoveries(sql)).toHaveLength(1);
    const later = new Date('2026-03-23T00:00:00.000Z');
    expect(await beginFile(sql, 'a.warc.gz', later, true)).toMatchObject({
      status: 'running',
      resumeOffset: 0,
      records: 0,
      damaged: [],
      startedAt: later.toISOString(),
    });
    expect(await listDiscoveries(sql)).toEqual([]);
  });
});
