import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * What the store's process locks (a scan's lock on the store, a crawl's lock on its pass) have in
 * common: who holds one (a host and a process id) and whether that holder is gone, so that a lock
 * left by a process that died (SIGKILL, a power cut) is taken over. A holder on another host
 * cannot be checked, so its lock stands until it is released.
 */

export interface ProcessIdentity {
  host: string;
  pid: number;
}

/** Where the check runs: this host, and how to ask whether a process on it is alive. */
export interface Here {
  host: string;
  isAlive: (pid: number) => boolean;
}

export function thisProcess(): ProcessIdentity {
  return { host: hostname(), pid: process.pid };
}

export function here(isAlive: (pid: number) => boolean = processIsAlive): Here {
  return { host: hostname(), isAlive };
}

/** Whether `holder` has certainly ended: it ran on this host and its process is no more. */
export function holderIsGone(holder: ProcessIdentity, where: Here = here()): boolean {
  return holder.host === where.host && !where.isAlive(holder.pid);
}

/**
 * A holder written as one string, `host:pid:token`: the token tells two holders in one process
 * apart (a scheduler running two crawls).
 */
export function holderToken(identity: ProcessIdentity = thisProcess()): string {
  return `${identity.host}:${identity.pid}:${randomUUID()}`;
}

export function parseHolderToken(token: string): ProcessIdentity {
  const [host = '', pid = ''] = token.split(':');
  return { host, pid: Number(pid) };
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
