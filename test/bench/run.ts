/**
 * `npm run bench [name…]`: runs each `test/bench/*.bench.ts` in its own Node process (so that peak
 * memory is that benchmark's alone) and lets it print its figures. Benchmarks compare against a
 * baseline measured in the same run; nothing here asserts a time.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => wanted.length === 0 || wanted.some((word) => name.includes(word)))
  .sort();

let failed = 0;
for (const file of files) {
  process.stdout.write(`\n## ${file}\n\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(here, file)], {
    stdio: 'inherit',
    env: { ...process.env, SYNDICATE_LOG_LEVEL: process.env.SYNDICATE_LOG_LEVEL ?? 'warn' },
  });
  if (result.status !== 0) failed++;
}
if (files.length === 0) process.stdout.write('no benchmarks matched\n');
process.exitCode = failed ? 1 : 0;
