import { realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { jsonSchemas } from './json-schemas.ts';

/** The JSON Schema text for one entry, as committed. */
export function renderJsonSchema(entry: (typeof jsonSchemas)[number]): string {
  const schema = z.toJSONSchema(entry.schema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: entry.title }, null, 2)}\n`;
}

// Real paths, not `file://${argv[1]}`: a URL encodes spaces and node runs a symlinked script from
// its real path, and either made `npm run schemas` silently write nothing.
const runDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (runDirectly) {
  for (const entry of jsonSchemas) {
    writeFileSync(entry.file, renderJsonSchema(entry));
    process.stdout.write(`wrote ${entry.file}\n`);
  }
}
