import { randomBytes } from 'node:crypto';
import {
  close as closeLater,
  closeSync,
  existsSync,
  fdatasync as fdatasyncLater,
  fdatasyncSync,
  fsync as fsyncLater,
  fsyncSync,
  linkSync,
  mkdirSync,
  open as openLater,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlink as unlinkLater,
  writev as writevLater,
  writevSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The one way the project writes an output file (feeds, reports, evidence, exports): atomically and
 * durably. The bytes go to a hidden temporary file in the same folder, which is flushed to disk and
 * then renamed over the old file; the folder is flushed after the rename. A reader sees the old
 * file or the whole new one, never half of either, and after a crash the disk holds one of them,
 * never an empty or torn file; a failed write leaves the old file as it was and no temporary
 * file behind.
 *
 * Several files are written as a batch (`AtomicWrites`): every temporary file first, then one
 * flush pass over all of them, then the renames, then one flush of each folder. Each file is
 * still replaced atomically on its own; the batch only changes what the flushes cost. Flushing a
 * file as soon as it is written makes the filesystem commit its journal once a file; flushing them
 * together, all at once on Node's thread pool, lets it commit many files in one journal
 * transaction (measured on ext4 here: 400 files of 160 KB took 2.1–2.3 s flushed one by one,
 * 0.3–0.6 s flushed together).
 *
 * A file's content is a string, bytes, or a list of byte chunks written in order (a feed document
 * made of pieces it shares with other documents, `src/feed/fragments.ts`): no one buffer of the
 * whole file is made.
 */

export type FileContent = string | Uint8Array | readonly Uint8Array[];

export interface FileOps {
  /** Create `file` (it does not exist yet) holding the chunks `data`, in order. */
  create(file: string, data: readonly Uint8Array[]): void;
  /** The same on the thread pool, while the caller goes on (a batch `inBackground`). */
  createLater?(file: string, data: readonly Uint8Array[], flush: boolean): Promise<void>;
  /** Flush the data of these files to disk (all of them before settling). */
  flush?(files: readonly string[]): Promise<void>;
  rename(from: string, to: string): void;
  /** Flush a folder's entries (the renames in it) to disk. */
  flushFolder?(folder: string): void;
  /** The same on the thread pool (a batch `inBackground`: its `settled` waits for it). */
  flushFolderLater?(folder: string): Promise<void>;
}

/** writev takes at most IOV_MAX (1024) chunks a call. */
const CHUNKS_PER_WRITE = 1024;

/** The chunks left after `written` bytes of them went out (writev may write fewer than given). */
function unwritten(chunks: Uint8Array[], written: number): Uint8Array[] {
  let done = 0;
  while (done < chunks.length && written >= chunks[done]!.length) written -= chunks[done++]!.length;
  const rest = chunks.slice(done);
  if (written > 0) rest[0] = rest[0]!.subarray(written);
  return rest;
}

function createFile(file: string, data: readonly Uint8Array[]): void {
  const fd = openSync(file, 'wx');
  try {
    let chunks = data.filter((chunk) => chunk.length > 0);
    while (chunks.length > 0) chunks = unwritten(chunks, writevSync(fd, chunks.slice(0, CHUNKS_PER_WRITE)));
  } finally {
    closeSync(fd);
  }
}

/**
 * Open `file`, `use` it with callback-style requests to the thread pool, close it: one promise
 * for the whole. A promise and a file handle object a step (`fs/promises`) cost this thread more
 * than the requests themselves, with the store's async hooks on every promise.
 */
function withFileLater(
  file: string,
  flags: string,
  use: (fd: number, done: (error?: Error | null) => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    openLater(file, flags, (error, fd) => {
      if (error) {
        reject(error);
        return;
      }
      use(fd, (failure) =>
        closeLater(fd, (closeFailure) => {
          const problem = failure ?? closeFailure;
          if (problem) reject(problem);
          else resolve();
        }),
      );
    });
  });
}

/** Write the chunks to `fd` on the thread pool, then `done`. */
function writeChunksLater(
  fd: number,
  data: readonly Uint8Array[],
  done: (error?: Error | null) => void,
): void {
  let chunks = data.filter((chunk) => chunk.length > 0);
  const next = () => {
    if (chunks.length === 0) {
      done();
      return;
    }
    writevLater(fd, chunks.slice(0, CHUNKS_PER_WRITE), (error, written) => {
      if (error) done(error);
      else {
        chunks = unwritten(chunks, written);
        next();
      }
    });
  };
  next();
}

/**
 * `createFile` while the caller goes on, flushed too when `flush`: open, write, flush and close,
 * each on the thread pool. Creating a file is the dear step (a new inode: 0.3-1 ms of the
 * kernel's time in most folders on this machine, against 20-50 µs to write a feed's bytes), and
 * the thread pool pays it on another core while this thread renders the next document. Each step
 * waits for this thread to take the last one's answer, which a build gives it between feeds; so
 * every file is opened as soon as it is staged (queued one at a time instead, 400 files were
 * still being created 200-500 ms after the last document was rendered).
 */
function createFileLater(file: string, data: readonly Uint8Array[], flush: boolean): Promise<void> {
  return withFileLater(file, 'wx', (fd, done) =>
    writeChunksLater(fd, data, (error) => {
      if (error || !flush) done(error);
      else fdatasyncLater(fd, done);
    }),
  );
}

function flushOne(path: string, folder = false): void {
  const fd = openSync(path, 'r');
  try {
    if (folder) fsyncSync(fd);
    else fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Flushes files all at once on the thread pool: the filesystem sees the flushes together and can
 * commit them in one journal transaction.
 */
async function flushFiles(files: readonly string[]): Promise<void> {
  const results = await Promise.allSettled(
    files.map((file) => withFileLater(file, 'r', (fd, done) => fdatasyncLater(fd, done))),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw new Error(`cannot flush files to disk: ${(failed.reason as Error).message}`);
}

export const nodeFileOps: FileOps = {
  create: createFile,
  createLater: createFileLater,
  flush: flushFiles,
  rename: renameSync,
  flushFolder: (folder) => flushOne(folder, true),
  flushFolderLater: (folder) => withFileLater(folder, 'r', (fd, done) => fsyncLater(fd, done)),
};

/** The same without the flushes, for files that are only a cache of what can be computed again. */
export const unflushedFileOps: FileOps = {
  create: createFile,
  createLater: createFileLater,
  rename: renameSync,
};

function byteLength(chunks: readonly Uint8Array[]): number {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  return length;
}

/** How many files of a batch written in the background are flushed as soon as they are written. */
const EAGER_FLUSHES = 32;
/** After those, how many written files of such a batch are flushed together. */
const FLUSH_BATCH = 32;

/** Temporary files are hidden and say whose they are, so that a leftover one is recognisable. */
export const TEMP_PATTERN = /^\..+\.syndicate-[0-9a-f]{12}\.tmp$/;

/** Random bytes drawn a few hundred names at a time: one draw a name cost a build 20 ms. */
let randomPool = Buffer.alloc(0);
let randomAt = 0;

function temporaryName(file: string): string {
  if (randomAt + 6 > randomPool.length) {
    randomPool = randomBytes(6 * 256);
    randomAt = 0;
  }
  const suffix = randomPool.toString('hex', randomAt, randomAt + 6);
  randomAt += 6;
  return join(dirname(file), `.${basename(file)}.syndicate-${suffix}.tmp`);
}

/** A second name for `file`, temporary, so that replacing it frees nothing; undefined if there is no file. */
function setAside(file: string): string | undefined {
  // Asked first: a failed link costs an exception, dear when a build writes hundreds of new files.
  if (!existsSync(file)) return undefined;
  const aside = temporaryName(file);
  try {
    linkSync(file, aside);
    return aside;
  } catch {
    // No file to replace (or no hard links here): the rename frees what it frees.
    return undefined;
  }
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface StageOptions {
  /** Leave the file alone when it already holds exactly these bytes (default false). */
  ifChanged?: boolean;
  /** Create the file's folder if it is missing (default false). */
  createFolder?: boolean;
}

/** The content as chunks of bytes. */
function chunksOf(content: FileContent): readonly Uint8Array[] {
  return typeof content === 'string'
    ? [Buffer.from(content, 'utf8')]
    : content instanceof Uint8Array
      ? [content]
      : content;
}

/** Whether `bytes` hold exactly the chunks, in order. */
export function sameBytes(bytes: Uint8Array, chunks: readonly Uint8Array[]): boolean {
  if (byteLength(chunks) !== bytes.length) return false;
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = 0;
  for (const chunk of chunks) {
    // A piece taken from these very bytes, where it was, is equal without comparing.
    const inPlace = chunk.buffer === bytes.buffer && chunk.byteOffset === bytes.byteOffset + at;
    if (!inPlace && whole.compare(chunk, 0, chunk.length, at, at + chunk.length) !== 0) return false;
    at += chunk.length;
  }
  return true;
}

/**
 * Files written together: `stage` each, then `commit` (or `discard`). `inBackground`, each staged
 * file is written on the thread pool while the caller goes on (rendering the next one, say), and
 * `commit` waits for them all before it flushes. And the old versions of the files it replaces
 * are removed on the thread pool after the renames (`settled` waits for that): freeing a file's
 * blocks is most of what replacing it costs (with online discard, as here, 1–3 ms a feed file),
 * so each old version is first given a temporary name of its own (a hard link), which lets the
 * rename put the new file in place without freeing anything. A crash in between leaves the old
 * version under a temporary name, which the next build sweeps away like any leftover. The folders
 * are flushed after the renames on the thread pool too: the files are in place when `commit`
 * returns, and on disk, renames included, when `settled` does.
 */
export class AtomicWrites {
  private readonly pending: Array<{ temp: string; file: string }> = [];
  /** Files being written in the background. */
  private readonly writing: Array<Promise<void>> = [];
  /** Temporary files flushed (or being flushed) before the commit. */
  private readonly flushed = new Set<string>();
  /** How many files were flushed as soon as they were written. */
  private eager = 0;
  /** Temporary files written in the background and not flushed yet. */
  private toFlush: string[] = [];
  /** Old versions being removed in the background. */
  private removing: Promise<unknown> = Promise.resolve();
  /** Folders to flush in the background (`settled`). */
  private readonly foldersToFlush = new Set<string>();

  constructor(
    private readonly ops: FileOps = nodeFileOps,
    private readonly inBackground = false,
    /**
     * Whether the old versions are set aside and removed on the thread pool (a batch in the
     * background does so unless told not to). Small files are cheaper replaced outright: a hard
     * link and a removal cost more than freeing a few kilobytes (measured on a build's caches:
     * 3-5 ms less a rebuild after one change).
     */
    private readonly setAsideOld = inBackground,
  ) {}

  /** Write `content` for `file` to a temporary file; returns false when there was nothing to write. */
  stage(file: string, content: FileContent, options: StageOptions = {}): boolean {
    const data = chunksOf(content);
    if (options.ifChanged) {
      const before = readIfExists(file);
      if (before && sameBytes(before, data)) return false;
    }
    if (options.createFolder) mkdirSync(dirname(file), { recursive: true });
    const temp = temporaryName(file);
    this.pending.push({ temp, file });
    // The first files are flushed as soon as they are written, while the caller goes on: a
    // batch of a few (a rebuild after one change) is then on disk by the time it is committed.
    // Flushed so, each file costs a journal commit, and the flushes hold up the writes behind
    // them: the later files of a larger batch are flushed FLUSH_BATCH at a time as they are
    // written (here, 400 feed files flushed each as it came kept the build waiting 350-500 ms
    // after the last, against 150 ms flushed all together at the end).
    const flush = this.inBackground && this.ops.flush !== undefined && this.eager < EAGER_FLUSHES;
    if (this.inBackground && this.ops.createLater) {
      const written = this.ops.createLater(temp, data, flush);
      if (flush) {
        this.eager++;
        this.flushed.add(temp);
      } else
        written.then(
          () => this.flushLater(temp),
          () => undefined,
        );
      // Reported by `commit`; `discard` waits for it.
      written.catch(() => undefined);
      this.writing.push(written);
      return true;
    }
    try {
      this.ops.create(temp, data);
    } catch (error) {
      this.pending.pop();
      rmSync(temp, { force: true });
      throw error;
    }
    if (this.inBackground) this.flushLater(temp);
    return true;
  }

  /** A file of a background batch is written: it is flushed with the next FLUSH_BATCH - 1. */
  private flushLater(temp: string): void {
    if (!this.ops.flush) return;
    this.toFlush.push(temp);
    if (this.toFlush.length < FLUSH_BATCH) return;
    const batch = this.toFlush;
    this.toFlush = [];
    for (const file of batch) this.flushed.add(file);
    const flushed = this.ops.flush(batch);
    flushed.catch(() => undefined);
    this.writing.push(flushed);
  }

  /** Wait for the files being written in the background; throws the first failure. */
  private async written(): Promise<void> {
    // A file written while waiting may start a flush: waited for too.
    while (this.writing.length > 0) {
      const results = await Promise.allSettled(this.writing.splice(0));
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    }
    this.toFlush = [];
  }

  /** Flush every staged file, put each in place, flush their folders. */
  async commit(): Promise<void> {
    const pending = this.pending.splice(0);
    try {
      await this.written();
      const unflushed = pending.filter(({ temp }) => !this.flushed.has(temp)).map(({ temp }) => temp);
      if (unflushed.length > 0) await this.ops.flush?.(unflushed);
    } catch (error) {
      for (const { temp } of pending) rmSync(temp, { force: true });
      throw error;
    }
    this.place(pending);
  }

  /**
   * `commit` in this thread, each file flushed in turn: for the one file of `writeFileAtomic` and
   * `writeIfChanged`, which callers use synchronously.
   */
  commitNow(): void {
    const pending = this.pending.splice(0);
    try {
      if (this.ops.flush) for (const { temp } of pending) flushOne(temp);
    } catch (error) {
      for (const { temp } of pending) rmSync(temp, { force: true });
      throw error;
    }
    this.place(pending);
  }

  /** Rename flushed files into place and flush their folders. */
  private place(pending: ReadonlyArray<{ temp: string; file: string }>): void {
    let renamed = 0;
    const asides: string[] = [];
    try {
      for (const { temp, file } of pending) {
        const aside = this.setAsideOld ? setAside(file) : undefined;
        try {
          this.ops.rename(temp, file);
        } catch (error) {
          if (aside) rmSync(aside, { force: true });
          throw error;
        }
        if (aside) asides.push(aside);
        renamed++;
      }
      const folders = new Set(pending.map(({ file }) => dirname(file)));
      for (const folder of folders) {
        // Flushed by `settled`: a folder's flush commits the filesystem's journal, which holds up
        // the files the caller creates in the meantime (a build's caches).
        if (this.inBackground && this.ops.flushFolderLater) this.foldersToFlush.add(folder);
        else this.ops.flushFolder?.(folder);
      }
    } catch (error) {
      for (const { temp } of pending.slice(renamed)) rmSync(temp, { force: true });
      throw error;
    } finally {
      this.removing = Promise.all([
        this.removing,
        // What is not removed is a temporary file the next build sweeps away.
        ...asides.map((aside) => new Promise<void>((resolve) => unlinkLater(aside, () => resolve()))),
      ]);
    }
  }

  /**
   * Wait until the folders of the files put in place are flushed (throwing if one could not be)
   * and the old versions are removed.
   */
  async settled(): Promise<void> {
    const folders = [...this.foldersToFlush];
    this.foldersToFlush.clear();
    const flushing = folders.map((folder) => this.ops.flushFolderLater!(folder));
    const [flushes] = await Promise.all([Promise.allSettled(flushing), this.removing]);
    const failed = flushes.find((result) => result.status === 'rejected');
    if (failed) throw new Error(`cannot flush a folder to disk: ${(failed.reason as Error).message}`);
  }

  /** Remove every staged temporary file; the files they were for stay as they were. */
  async discard(): Promise<void> {
    while (this.writing.length > 0) await Promise.allSettled(this.writing.splice(0));
    for (const { temp } of this.pending.splice(0)) rmSync(temp, { force: true });
  }
}

/** Write one file atomically and durably, creating its folder if need be. */
export function writeFileAtomic(file: string, content: FileContent, ops: FileOps = nodeFileOps): void {
  const writes = new AtomicWrites(ops);
  writes.stage(file, content, { createFolder: true });
  writes.commitNow();
}

/** Write `content` to `file` unless it already holds exactly that; returns whether it wrote. */
export function writeIfChanged(file: string, content: string, ops: FileOps = nodeFileOps): boolean {
  const writes = new AtomicWrites(ops);
  if (!writes.stage(file, content, { ifChanged: true })) return false;
  writes.commitNow();
  return true;
}
