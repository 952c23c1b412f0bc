import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This syndicate's version, from package.json: `--version`, evidence manifests, the user agent. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const codeVersions = new Map<string, string>();

/**
 * A version of the code in some folders of `src/` (`check`, `match`, `feed`…): a hash of their
 * source files. What was computed by that code and kept (a page's judgement, a rendered feed) is
 * computed again when it changes, after an upgrade or a local fix, with no number to bump by hand.
 * Without the sources (a bundled build) a folder is known by its name and the package version.
 * Read once per process.
 */
export function codeVersion(folders: readonly string[]): string {
  const key = folders.join('\u0000');
  const known = codeVersions.get(key);
  if (known) return known;
  const hash = createHash('sha256');
  for (const folder of folders) {
    const dir = fileURLToPath(new URL(`./${folder}/`, import.meta.url));
    hash.update(`\u0000${folder}\u0000`);
    try {
      for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
        if (/\.[cm]?[jt]s$/.test(file)) hash.update(file).update(readFileSync(join(dir, file)));
      }
    } catch {
      hash.update(VERSION);
    }
  }
  const version = hash.digest('hex');
  codeVersions.set(key, version);
  return version;
}
