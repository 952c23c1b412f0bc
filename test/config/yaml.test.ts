import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYaml } from '../../src/config/yaml.ts';
import type { SyndicateError } from '../../src/errors.ts';

const schema = z.strictObject({
  publisher: z.strictObject({ name: z.string(), home: z.url() }),
  items: z.array(z.strictObject({ id: z.string(), size: z.number().int() })),
});

function errorOf(text: string): SyndicateError {
  try {
    parseYaml(text, schema, { file: 'conf.yaml' });
  } catch (error) {
    return error as SyndicateError;
  }
  throw new Error('expected an error');
}

describe('parseYaml', () => {
  it('names file, line and field of a bad value', () => {
    const error = errorOf(
      'publisher:\n  name: N\n  home: https://a.example/\nitems:\n  - id: a\n    size: 1\n  - id: b\n    size: big\n',
    );
    expect(error.where).toEqual({ file: 'conf.yaml', line: 8, field: 'items[1].size' });
    expect(error.toString()).toMatch(/^conf\.yaml:8: items\[1\]\.size: /);
  });

  it('names the line of a YAML syntax error', () => {
    const error = errorOf('publisher:\n  name: N\n   home: [unclosed\n');
    expect(error.where.file).toBe('conf.yaml');
    expect(error.where.line).toBeGreaterThanOrEqual(2);
    expect(error.message).toMatch(/invalid YAML/);
  });

  it('places a missing field on its parent and an unknown key on itself', () => {
    const missing = errorOf('publisher:\n  home: https://a.example/\nitems: []\n');
    expect(missing.where.field).toBe('publisher.name');
    expect(missing.where.line).toBe(2);
    const unknown = errorOf('publisher:\n  name: N\n  home: https://a.example/\n  colour: red\nitems: []\n');
    expect(unknown.where.line).toBe(2);
    expect(unknown.message).toMatch(/colour/);
  });

  it('returns the parsed value', () => {
    expect(
      parseYaml('publisher: {name: N, home: "https://a.example/"}\nitems: []\n', schema, { file: 'x' }),
    ).toEqual({
      publisher: { name: 'N', home: 'https://a.example/' },
      items: [],
    });
  });
});
