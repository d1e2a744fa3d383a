/**
 * Socket files on disk: a stale file left by a dead process is removed, a live one is never
 * stolen. "Live" means something accepts a connection on it right now.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { StartupError } from '../errors.js';

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
    throw new StartupError('SOCKET_UNUSABLE', `${path} exists and is not a socket; refusing to remove it (check ${owner})`);
  }
  if (await isSocketLive(path)) {
    throw new StartupError('SOCKET_IN_USE', `${path} is in use by a running process: another server is already running with ${owner}=${path}. Stop it first, or choose another ${owner}.`);
  }
  try {
    unlinkSync(path);
  } catch (err) {
    throw new StartupError('SOCKET_UNUSABLE', `cannot remove the stale socket ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * PHP workers' sockets live in `${SOCKET_PATH}.workers/`, a directory only this user can enter
 * (0700), so no other local user can connect to a worker, squat a socket name or swap a socket
 * for a symlink, even when SOCKET_PATH itself is in a shared directory such as /tmp.
 */
export function workerSocketDir(base: string): string {
  return `${base}.workers`;
}

export function workerSocketPath(base: string, id: number): string {
  return join(workerSocketDir(base), `w${id}.sock`);
}

/** Creates the private worker directory, or checks that an existing one is really ours and private. */
export function prepareWorkerSocketDir(base: string): string {
  const dir = workerSocketDir(base);
  let stat;
  try {
    stat = lstatSync(dir);
  } catch {
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700); // mkdir's mode is filtered by the umask
    return dir;
  }
  if (!stat.isDirectory() || stat.isSymbolicLink()) {
    throw new StartupError('SOCKET_UNUSABLE', `${dir} exists and is not a directory; refusing to use it for worker sockets (check SOCKET_PATH)`);
  }
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new StartupError('SOCKET_UNUSABLE', `${dir} belongs to another user (uid ${stat.uid}); refusing to put worker sockets there (check SOCKET_PATH)`);
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/** Lists the worker sockets left in the private directory. */
export function listWorkerSockets(base: string): string[] {
  const dir = workerSocketDir(base);
  try {
    return readdirSync(dir)
      .filter((name) => /^w\d+\.sock$/.test(name))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** Removes the worker directory on shutdown when it is empty. */
export function removeWorkerSocketDir(base: string): void {
  try {
    rmdirSync(workerSocketDir(base));
  } catch {
    // Not empty (a worker still exiting) or already gone: harmless.
  }
}

/**
 * SOCKET_GROUP: lets a group (say, the operators who run `npm run reload`) use the control
 * socket: mode 0660 and that group. A name is looked up in /etc/group; a number is a gid.
 */
export function applySocketGroup(path: string, group: string): void {
  const gid = /^\d+$/.test(group) ? Number(group) : lookupGroup(group);
  if (gid === null) {
    throw new StartupError('SOCKET_UNUSABLE', `SOCKET_GROUP "${group}" is not a group on this machine (not in /etc/group)`);
  }
  chownSync(path, -1, gid);
  chmodSync(path, 0o660);
}

function lookupGroup(name: string): number | null {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [groupName, , gid] = line.split(':');
      if (groupName === name && gid !== undefined) return Number(gid);
    }
  } catch {
    // No /etc/group: only numeric groups work.
  }
  return null;
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
