import { describe, expect, it } from 'vitest';
import { HostLanes } from '../../src/crawl/lanes.ts';

interface Job {
  host: string;
  name: string;
}

/** A job that finishes when the test says so, to see which jobs run side by side. */
function harness(perHost: number, options: { signal?: AbortSignal; fail?: string } = {}) {
  const running = new Set<string>();
  const started: string[] = [];
  let widest = new Map<string, number>();
  const finishers = new Map<string, () => void>();
  const fatal: unknown[] = [];
  const lanes = new HostLanes<Job>({
    perHost,
    keyOf: (job) => job.host,
    signal: options.signal ?? new AbortController().signal,
    isStopping: () => false,
    onFatal: (error) => fatal.push(error),
    work: (job) =>
      new Promise<void>((resolve, reject) => {
        started.push(job.name);
        running.add(job.name);
        const onHost = [...running].filter((name) => name.startsWith(job.host)).length;
        widest = new Map(widest).set(job.host, Math.max(widest.get(job.host) ?? 0, onHost));
        finishers.set(job.name, () => {
          running.delete(job.name);
          if (job.name === options.fail) reject(new Error(`${job.name} broke`));
          else resolve();
        });
      }),
  });
  const finish = async (name: string) => {
    finishers.get(name)!();
    // Let the lane take its next job.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { lanes, started, finish, fatal, widest: () => widest };
}

const job = (host: string, n: number): Job => ({ host, name: `${host}-${n}` });

describe('host lanes', () => {
  it('works one host one item at a time with perHost 1, and other hosts beside it', async () => {
    const { lanes, started, finish, widest } = harness(1);
    lanes.add([job('a', 1), job('a', 2), job('b', 1)]);
    expect(started).toEqual(['a-1', 'b-1']);
    await finish('a-1');
    expect(started).toEqual(['a-1', 'b-1', 'a-2']);
    await finish('a-2');
    await finish('b-1');
    await lanes.idle();
    expect(widest().get('a')).toBe(1);
  });

  it('opens up to perHost lanes on one host', async () => {
    const { lanes, started, finish } = harness(2);
    lanes.add([job('a', 1), job('a', 2), job('a', 3)]);
    expect(started).toEqual(['a-1', 'a-2']);
    await finish('a-2');
    expect(started).toEqual(['a-1', 'a-2', 'a-3']);
    await finish('a-1');
    await finish('a-3');
    await lanes.idle();
  });

  it('is idle at once when nothing was added, and after its last item otherwise', async () => {
    const { lanes, finish } = harness(1);
    await lanes.idle();
    lanes.add([job('a', 1)]);
    let idle = false;
    const waiting = lanes.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    await finish('a-1');
    await waiting;
    expect(idle).toBe(true);
  });

  it('keeps the first error and reports it, and takes no new item once stopped', async () => {
    const stop = new AbortController();
    const { lanes, started, finish, fatal } = harness(1, { signal: stop.signal, fail: 'a-1' });
    lanes.add([job('a', 1), job('a', 2)]);
    stop.abort();
    await finish('a-1');
    await lanes.idle();
    expect(started).toEqual(['a-1']);
    expect(fatal).toHaveLength(1);
    expect((lanes.fatal as Error).message).toBe('a-1 broke');
    lanes.add([job('b', 1)]);
    expect(started).toEqual(['a-1']);
  });
});
