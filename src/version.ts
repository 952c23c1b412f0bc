import { readFileSync } from 'node:fs';

/** This syndicate's version, from package.json: `--version`, evidence manifests, the user agent. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
