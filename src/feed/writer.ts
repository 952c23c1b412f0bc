import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file only when its content differs from what is there, and then atomically: the bytes go
 * to a temporary file in the same folder, are flushed, and the temporary file is renamed over the
 * old one. A reader sees the old feed or the new one, never half of either; a failed write leaves
 * the old file as it was and no temporary file behind.
 */

export interface FileOps {
  /** Create `file` (it does not exist yet) with `data`, flushed to disk. */
  create(file: string, data: Buffer): void;
  rename(from: string, to: string): void;
}

export const nodeFileOps: FileOps = {
  create(file, data) {
    const fd = openSync(file, 'wx');
    try {
      let offset = 0;
      while (offset < data.length) offset += writeSync(fd, data, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  rename: renameSync,
};

/** The same without the flush, for files that are only a cache of what can be computed again. */
export const unflushedFileOps: FileOps = {
  create(file, data) {
    const fd = openSync(file, 'wx');
    try {
      let offset = 0;
      while (offset < data.length) offset += writeSync(fd, data, offset);
    } finally {
      closeSync(fd);
    }
  },
  rename: renameSync,
};

/** Temporary files are hidden and say whose they are, so that a leftover one is recognisable. */
export const TEMP_PATTERN = /^\..+\.syndicate-[0-9a-f]{12}\.tmp$/;

function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Write `content` to `file` unless it already holds exactly that; returns whether it wrote. */
export function writeIfChanged(file: string, content: string, ops: FileOps = nodeFileOps): boolean {
  const data = Buffer.from(content, 'utf8');
  const existing = readIfExists(file);
  if (existing?.equals(data)) return false;
  const temp = join(dirname(file), `.${basename(file)}.syndicate-${randomBytes(6).toString('hex')}.tmp`);
  try {
    ops.create(temp, data);
    ops.rename(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return true;
}
