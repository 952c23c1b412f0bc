import { describe, expect, it } from 'vitest';
import { codeVersion, VERSION } from '../src/version.ts';

describe('codeVersion: the version of the code that computed something kept', () => {
  it('is the same for the same folders and differs between folders', () => {
    const judging = codeVersion(['check', 'match']);
    expect(judging).toMatch(/^[0-9a-f]{64}$/);
    expect(codeVersion(['check', 'match'])).toBe(judging);
    expect(codeVersion(['feed'])).not.toBe(judging);
    expect(codeVersion(['match', 'check'])).not.toBe(judging);
  });

  it('knows a folder without sources by its name and the package version', () => {
    const missing = codeVersion(['no-such-stage']);
    expect(missing).toMatch(/^[0-9a-f]{64}$/);
    expect(missing).not.toBe(codeVersion(['no-such-other-stage']));
    expect(VERSION).not.toBe('');
  });
});
