#!/usr/bin/env node
// The only file that touches `process`: it loads the TypeScript sources through tsx (so that
// `npx syndicate` works straight after `npm ci`, with no build step) and sets the exit code.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('./main.ts');

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    controller.abort(new Error(`received ${signal}`));
    // A second signal stops at once.
    process.once(signal, () => process.exit(2));
  });
}

// A reader that closed our stdout (`syndicate report … | head -1`) wants no more: end quietly,
// with the code the command already chose, or 0. Nothing is lost that anyone would read.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`syndicate: cannot write to standard output: ${error.message}\n`);
  process.exit(2);
});
// A closed stderr (the log collector went away) is no reason to die in the middle of a scan.
process.stderr.on('error', () => {});

process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
  stopSignal: controller.signal,
  env: { SYNDICATE_LOG_LEVEL: process.env.SYNDICATE_LOG_LEVEL, SYNDICATE_STORE: process.env.SYNDICATE_STORE },
});
