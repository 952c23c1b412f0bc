import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/postgres-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test files wait on child processes, servers, delays and Chromium rather than on the CPU:
    // vitest's default (one worker fewer than the cores: one, on a 2-core machine) left the CPU
    // half idle. Three on this 2-core machine: the whole suite in 489 s instead of 764 s.
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
});
