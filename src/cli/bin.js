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

process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
  stopSignal: controller.signal,
});
