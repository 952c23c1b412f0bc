/**
 * `syndicate` processes for the benchmarks that spread work over worker processes: started for
 * real, their peak memory sampled, their log read for the line that says they are ready.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'src', 'cli', 'bin.js');

/** `syndicate ARGS…` with its log (JSON lines) on stderr at level info; stdout and stderr piped. */
export function syndicate(args: string[]): ChildProcess {
  return spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SYNDICATE_LOG_LEVEL: 'info' },
  });
}

/** Resolves when the process's log says `message`; the rest of its log is read and dropped. */
export function said(child: ChildProcess, message: string): Promise<void> {
  return new Promise((resolve) => {
    let buffer = '';
    child.stderr!.on('data', (chunk) => {
      buffer += chunk;
      if (buffer.includes(`"msg":"${message}"`)) resolve();
      buffer = buffer.slice(-200);
    });
  });
}

/** What a process wrote on stdout, and its exit code, once it has ended; its log is dropped. */
export function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string }> {
  let stdout = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  if (child.stderr!.listenerCount('data') === 0) child.stderr!.resume();
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

/** A process's peak resident set in MiB so far (0 once it has ended). */
function peakRssMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the peak RSS of each process every 200 ms, until `stop`; a process's last sample stands. */
export function samplePeaks(children: readonly ChildProcess[]): { stop(): number[] } {
  const peaks = children.map(() => 0);
  const sample = () => {
    for (const [index, child] of children.entries()) {
      if (child.exitCode === null && child.pid) peaks[index] = Math.max(peaks[index]!, peakRssMiB(child.pid));
    }
  };
  const timer = setInterval(sample, 200);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return peaks;
    },
  };
}

/** `count` `syndicate worker` processes on `store`, resolved when every one waits for jobs. */
export async function startWorkers(
  count: number,
  store: string,
  rules: string,
  concurrency: number,
): Promise<{ workers: ChildProcess[]; stop(): Promise<void> }> {
  const workers = Array.from({ length: count }, () =>
    syndicate(['worker', '--store', store, '--rules', rules, '--concurrency', String(concurrency)]),
  );
  await Promise.all(workers.map((worker) => said(worker, 'worker waiting for jobs')));
  return {
    workers,
    async stop() {
      const ended = workers.map(
        (worker) =>
          new Promise((resolve) => {
            if (worker.exitCode !== null || worker.signalCode !== null) resolve(undefined);
            else worker.once('exit', resolve);
          }),
      );
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(ended);
    },
  };
}
