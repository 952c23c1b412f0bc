import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../src/config/json-schemas.ts';
import { renderJsonSchema } from '../../src/config/write-schemas.ts';

describe('committed JSON Schemas', () => {
  it.each(jsonSchemas.map((entry) => [entry.file, entry] as const))(
    '%s is up to date (npm run schemas)',
    (_file, entry) => {
      expect(readFileSync(entry.file, 'utf8')).toBe(renderJsonSchema(entry));
    },
  );
});
