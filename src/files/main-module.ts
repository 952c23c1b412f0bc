import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Whether node was asked to run the module at `moduleUrl` (its `import.meta.url`): for a file that
 * is both imported and run as a script (`npm start`, `npm run schemas`, `npm run wasm`). Compared
 * as real paths: a file URL percent-encodes a space, and node runs a symlinked script from its
 * real path, so a string comparison of the URL with argv[1] fails in such checkouts and the script
 * would silently do nothing.
 */
export function isMainModule(moduleUrl: string): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
