/**
 * One archive file, start to end (or from where a stopped run left it): records streamed, judged,
 * and handed back in steps (discoveries plus the offset to resume at) for the one writer to store.
 * Runs the same on the main thread or a worker's.
 */
import type { ArchiveInput } from './archive.ts';
import { type JudgeContext, judgeRecord, wantsRecord } from './judge.ts';
import { type ArchiveDamage, readArchive } from './records.ts';
import type { Progress } from './store.ts';

export interface FileCounts {
  records: number;
  /** Records read as pages (HTML responses, WET conversions). */
  pages: number;
  /** Pages the prefilter sent to the full check. */
  candidates: number;
  bytes: number;
}

export interface RunFileOptions {
  /** The file's key in the progress table (default: its name; a CDX hit adds its range). */
  key?: string;
  start?: number;
  end?: number;
  maxPayloadBytes?: number;
  /** Records between two progress steps (a discovery sends its step at once). */
  stepRecords?: number;
  signal?: AbortSignal | undefined;
  /** Called with each step; the file's last step has `done: true` (unless stopped). */
  onProgress(progress: Progress): void | Promise<void>;
}

export async function runFile(
  input: ArchiveInput,
  context: JudgeContext,
  options: RunFileOptions,
): Promise<FileCounts> {
  const counts: FileCounts = { records: 0, pages: 0, candidates: 0, bytes: 0 };
  const stepRecords = options.stepRecords ?? 500;
  const key = options.key ?? input.name;
  let step: Progress = emptyStep(key, options.start ?? 0);
  const send = async (done: boolean) => {
    step.done = done;
    await options.onProgress(step);
    step = emptyStep(key, step.resumeOffset);
  };
  const readOptions = {
    wants: wantsRecord,
    ...(options.start !== undefined ? { start: options.start } : {}),
    ...(options.end !== undefined ? { end: options.end } : {}),
    ...(options.maxPayloadBytes !== undefined ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
  };
  for await (const event of readArchive(input, readOptions)) {
    if (options.signal?.aborted) {
      await send(false);
      return counts;
    }
    if ('damage' in event) {
      const damage: ArchiveDamage = event.damage;
      step.damaged.push(damage);
      step.resumeOffset = damage.offset + damage.length;
      continue;
    }
    const record = event.record;
    counts.records++;
    step.records++;
    if (record.payload) {
      counts.pages++;
      step.pages++;
      const judged = await judgeRecord(context, input.name, record);
      if (judged.candidate) counts.candidates++;
      step.discoveries.push(...judged.discoveries);
    }
    step.resumeOffset = record.offset + record.length;
    counts.bytes = step.resumeOffset - (options.start ?? 0);
    if (step.discoveries.length > 0 || step.records >= stepRecords) await send(false);
  }
  if (options.signal?.aborted) {
    await send(false);
    return counts;
  }
  await send(true);
  return counts;
}

function emptyStep(source: string, resumeOffset: number): Progress {
  return { source, resumeOffset, records: 0, pages: 0, discoveries: [], damaged: [], done: false };
}
