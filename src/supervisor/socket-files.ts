/**
 * Socket files on disk: a stale file left by a dead process is removed, a live one is never
 * stolen. "Live" means something accepts a connection on it right now.
 */
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { BridgeError } from '../errors.js';

/** Resolves true when a process accepts connections on `path`. */
export function isSocketLive(path: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (live: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(true), timeoutMs); // accepted but silent: still someone's
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Prepares `path` for a new listener: refuses when a live process owns it, removes it when it
 * is a stale socket, and refuses to touch anything that is not a socket.
 */
export async function claimSocketPath(path: string, owner: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) {
    throw new BridgeError('SOCKET_UNUSABLE', `${path} exists and is not a socket; refusing to remove it (check ${owner})`);
  }
  if (await isSocketLive(path)) {
    throw new BridgeError('SOCKET_IN_USE', `${path} is in use by a running process: another server is already running with ${owner}=${path}. Stop it first, or choose another ${owner}.`);
  }
  try {
    unlinkSync(path);
  } catch (err) {
    throw new BridgeError('SOCKET_UNUSABLE', `cannot remove the stale socket ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Worker sockets are `${base}.w<id>`: lists the ones present beside `base`. */
export function listWorkerSockets(base: string): string[] {
  const dir = dirname(base);
  const prefix = `${basename(base)}.w`;
  try {
    return readdirSync(dir)
      .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

export function workerSocketPath(base: string, id: number): string {
  return `${base}.w${id}`;
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
