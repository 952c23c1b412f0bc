import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AtomicWrites,
  type FileOps,
  nodeFileOps,
  TEMP_PATTERN,
  writeFileAtomic,
} from '../../src/files/atomic.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('atomic writes', () => {
  it('writes a batch through hidden temporary files, flushes them together, then renames', () => {
    const dir = tempDir();
    const calls: string[] = [];
    const ops: FileOps = {
      create(file, data) {
        expect(TEMP_PATTERN.test(file.slice(dir.length + 1))).toBe(true);
        calls.push('create');
        nodeFileOps.create(file, data);
      },
      flush(files) {
        calls.push(`flush ${files.length}`);
        nodeFileOps.flush!(files);
      },
      rename(from, to) {
        calls.push('rename');
        nodeFileOps.rename(from, to);
      },
      flushFolder(folder) {
        calls.push(`folder ${folder === dir}`);
        nodeFileOps.flushFolder!(folder);
      },
    };
    const writes = new AtomicWrites(ops);
    // More files than the in-thread limit, so that the parallel flush runs too.
    for (let index = 0; index < 20; index++) writes.stage(join(dir, `f${index}.xml`), `feed ${index}`);
    expect(readdirSync(dir).filter((name) => !TEMP_PATTERN.test(name))).toEqual([]);
    writes.commit();
    expect(calls).toEqual([
      ...Array(20).fill('create'),
      'flush 20',
      ...Array(20).fill('rename'),
      'folder true',
    ]);
    expect(readdirSync(dir).sort()).toHaveLength(20);
    expect(readFileSync(join(dir, 'f7.xml'), 'utf8')).toBe('feed 7');
  });

  it('leaves a file that already holds the bytes alone when asked', () => {
    const dir = tempDir();
    const file = join(dir, 'all.xml');
    writeFileSync(file, 'same');
    const writes = new AtomicWrites();
    expect(writes.stage(file, 'same', { ifChanged: true })).toBe(false);
    expect(writes.stage(file, 'other', { ifChanged: true })).toBe(true);
    writes.commit();
    expect(readFileSync(file, 'utf8')).toBe('other');
  });

  it('a failed flush leaves every old file and no temporary file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.xml'), 'old a');
    const writes = new AtomicWrites({
      ...nodeFileOps,
      flush() {
        throw new Error('I/O error');
      },
    });
    writes.stage(join(dir, 'a.xml'), 'new a');
    writes.stage(join(dir, 'b.xml'), 'new b');
    expect(() => writes.commit()).toThrow('I/O error');
    expect(readdirSync(dir)).toEqual(['a.xml']);
    expect(readFileSync(join(dir, 'a.xml'), 'utf8')).toBe('old a');
  });

  it('discard removes what was staged', () => {
    const dir = tempDir();
    const writes = new AtomicWrites();
    writes.stage(join(dir, 'a.xml'), 'a');
    writes.discard();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a flush error from the parallel flush is reported', () => {
    const dir = tempDir();
    const missing = Array.from({ length: 20 }, (_, index) => join(dir, `gone-${index}`));
    expect(() => nodeFileOps.flush!(missing)).toThrow(/cannot flush files to disk: .*ENOENT/);
  });

  it('writeFileAtomic creates the folder and replaces the file whole', () => {
    const dir = tempDir();
    const file = join(dir, 'deep', 'er', 'report.html');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, new TextEncoder().encode('second'));
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(join(dir, 'deep', 'er'))).toEqual(['report.html']);
  });
});
