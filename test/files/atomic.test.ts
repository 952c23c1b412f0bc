import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AtomicWrites,
  type FileOps,
  nodeFileOps,
  sameBytes,
  TEMP_PATTERN,
  unflushedFileOps,
  writeFileAtomic,
} from '../../src/files/atomic.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('atomic writes', () => {
  it('writes a batch through hidden temporary files, flushes them together, then renames', async () => {
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
        return nodeFileOps.flush!(files);
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
    for (let index = 0; index < 20; index++) writes.stage(join(dir, `f${index}.xml`), `feed ${index}`);
    expect(readdirSync(dir).filter((name) => !TEMP_PATTERN.test(name))).toEqual([]);
    await writes.commit();
    expect(calls).toEqual([
      ...Array(20).fill('create'),
      'flush 20',
      ...Array(20).fill('rename'),
      'folder true',
    ]);
    expect(readdirSync(dir).sort()).toHaveLength(20);
    expect(readFileSync(join(dir, 'f7.xml'), 'utf8')).toBe('feed 7');
  });

  it('leaves a file that already holds the bytes alone when asked', async () => {
    const dir = tempDir();
    const file = join(dir, 'all.xml');
    writeFileSync(file, 'same');
    const writes = new AtomicWrites();
    expect(writes.stage(file, 'same', { ifChanged: true })).toBe(false);
    expect(writes.stage(file, 'other', { ifChanged: true })).toBe(true);
    await writes.commit();
    expect(readFileSync(file, 'utf8')).toBe('other');
  });

  it('a failed flush leaves every old file and no temporary file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.xml'), 'old a');
    const writes = new AtomicWrites({
      ...nodeFileOps,
      flush() {
        return Promise.reject(new Error('I/O error'));
      },
    });
    writes.stage(join(dir, 'a.xml'), 'new a');
    writes.stage(join(dir, 'b.xml'), 'new b');
    await expect(writes.commit()).rejects.toThrow('I/O error');
    expect(readdirSync(dir)).toEqual(['a.xml']);
    expect(readFileSync(join(dir, 'a.xml'), 'utf8')).toBe('old a');
  });

  it('discard removes what was staged', async () => {
    const dir = tempDir();
    const writes = new AtomicWrites();
    writes.stage(join(dir, 'a.xml'), 'a');
    await writes.discard();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('in the background: files are written while the caller goes on, and commit waits for them', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'old.xml'), 'old');
    const writes = new AtomicWrites(nodeFileOps, true);
    for (let index = 0; index < 20; index++)
      writes.stage(join(dir, `f${index}.xml`), [Buffer.from(`feed `), Buffer.from(String(index))]);
    expect(writes.stage(join(dir, 'old.xml'), 'old', { ifChanged: true })).toBe(false);
    expect(writes.stage(join(dir, 'old.xml'), 'new', { ifChanged: true })).toBe(true);
    await writes.commit();
    // The old version of old.xml is removed after the rename, in the background.
    await writes.settled();
    expect(readdirSync(dir).filter((name) => TEMP_PATTERN.test(name))).toEqual([]);
    expect(readFileSync(join(dir, 'f7.xml'), 'utf8')).toBe('feed 7');
    expect(readFileSync(join(dir, 'old.xml'), 'utf8')).toBe('new');

    // A large file not flushed as it is written is written on the thread pool; small ones here.
    const caches = new AtomicWrites(unflushedFileOps, true);
    const large = Buffer.alloc(300 * 1024, 'x');
    caches.stage(join(dir, 'large.json'), [large, Buffer.from('!')]);
    caches.stage(join(dir, 'small.json'), '{}');
    await caches.commit();
    await caches.settled();
    expect(readFileSync(join(dir, 'large.json')).equals(Buffer.concat([large, Buffer.from('!')]))).toBe(true);
    expect(readFileSync(join(dir, 'small.json'), 'utf8')).toBe('{}');

    // A write that fails in the background fails the commit, and leaves no temporary file.
    const failing = new AtomicWrites(
      { ...nodeFileOps, createLater: () => Promise.reject(new Error('disk full')) },
      true,
    );
    failing.stage(join(dir, 'f1.xml'), 'new');
    await expect(failing.commit()).rejects.toThrow('disk full');
    expect(readFileSync(join(dir, 'f1.xml'), 'utf8')).toBe('feed 1');
    const discarded = new AtomicWrites(nodeFileOps, true);
    discarded.stage(join(dir, 'f2.xml'), 'new');
    await discarded.discard();
    expect(readdirSync(dir).filter((name) => TEMP_PATTERN.test(name))).toEqual([]);
  });

  it('a flush error from the parallel flush is reported', async () => {
    const dir = tempDir();
    const missing = Array.from({ length: 20 }, (_, index) => join(dir, `gone-${index}`));
    await expect(nodeFileOps.flush!(missing)).rejects.toThrow(/cannot flush files to disk: .*ENOENT/);
  });

  it('writes a file given as chunks, and compares chunks with what a file holds', async () => {
    const dir = tempDir();
    const file = join(dir, 'feed.xml');
    const chunks = ['<a>', 'é', '', '</a>'].map((text) => Buffer.from(text));
    const writes = new AtomicWrites();
    expect(writes.stage(file, chunks)).toBe(true);
    await writes.commit();
    const bytes = readFileSync(file);
    expect(bytes.toString('utf8')).toBe('<a>é</a>');
    expect(sameBytes(bytes, chunks)).toBe(true);
    expect(sameBytes(bytes, [bytes.subarray(0, 3), bytes.subarray(3)])).toBe(true);
    expect(sameBytes(bytes, [Buffer.from('<a>e</a>')])).toBe(false);
    expect(sameBytes(bytes, [Buffer.from('<a>é</a>\n')])).toBe(false);
    expect(writes.stage(file, chunks, { ifChanged: true })).toBe(false);
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
