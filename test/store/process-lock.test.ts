import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  holderIsGone,
  holderToken,
  parseHolderToken,
  processIsAlive,
  thisProcess,
} from '../../src/store/process-lock.ts';

describe('process locks: who holds one and whether they are gone', () => {
  const where = { host: 'box', isAlive: (pid: number) => pid === 100 };

  it('takes a holder on this host whose process ended as gone, and no other', () => {
    expect(holderIsGone({ host: 'box', pid: 200 }, where)).toBe(true);
    expect(holderIsGone({ host: 'box', pid: 100 }, where)).toBe(false);
    // Another host cannot be asked: its lock stands.
    expect(holderIsGone({ host: 'other', pid: 200 }, where)).toBe(false);
  });

  it('asks the system whether a process lives', () => {
    expect(processIsAlive(process.pid)).toBe(true);
    expect(holderIsGone(thisProcess())).toBe(false);
  });

  it('writes a holder as host:pid:token and reads the host and pid back', () => {
    const token = holderToken({ host: hostname(), pid: 4242 });
    expect(token).toMatch(
      new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4242:[0-9a-f-]{36}$`),
    );
    expect(parseHolderToken(token)).toEqual({ host: hostname(), pid: 4242 });
    expect(holderToken()).not.toBe(holderToken());
  });
});
