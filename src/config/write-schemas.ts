import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { isMainModule } from '../files/main-module.ts';
import { jsonSchemas } from './json-schemas.ts';

/** The JSON Schema text for one entry, as committed. */
export function renderJsonSchema(entry: (typeof jsonSchemas)[number]): string {
  const schema = z.toJSONSchema(entry.schema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: entry.title }, null, 2)}\n`;
}

if (isMainModule(import.meta.url)) {
  for (const entry of jsonSchemas) {
    writeFileSync(entry.file, renderJsonSchema(entry));
    process.stdout.write(`wrote ${entry.file}\n`);
  }
}
