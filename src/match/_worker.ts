/**
 * Worker threads that run this project's TypeScript modules. A worker does not inherit the
 * parent's module hooks, so it registers tsx itself before importing its module (that is how
 * `npx syndicate` runs with no build step); under a test runner or a build it does the same.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export function startWorker(moduleUrl: string | URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(String(moduleUrl))}); });`;
  return new Worker(bootstrap, { eval: true, workerData, execArgv: [] });
}

/** Threads worth starting on this machine: one a core. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}
