/**
 * Every process the bench starts goes through here, so that all of them (servers, their
 * process groups, load workers) are stopped at the end of a run, on error and on Ctrl-C.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** In its own process group (killed as a group). */
  group: boolean;
  /** The last lines of stdout and stderr, for error messages. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Calls fn for each stdout line. */
  onLine(fn: (line: string) => void): void;
  /** `signal` to the process (not the group), then SIGKILL to the whole group after graceMs. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const live = new Set<ManagedProcess>();
const KEEP_LINES = 60;

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Own process group: a server that forks workers. */
  group?: boolean;
  /** Pipe stdin (the load worker's handshake). */
  stdin?: boolean;
}

export function startProcess(name: string, command: string, args: string[], options: StartOptions = {}): ManagedProcess {
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: options.group ?? false,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  };
  const child = spawn(command, args, spawnOptions);
  const output: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  const keep = (line: string): void => {
    output.push(line);
    if (output.length > KEEP_LINES) output.shift();
  };
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      keep(`${name}: ${err.message}`);
      exitedFlag = true;
      resolve({ code: -1, signal: null });
    });
  });
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      keep(line);
      for (const fn of listeners) fn(line);
    });
  }
  if (child.stderr) createInterface({ input: child.stderr }).on('line', keep);

  const managed: ManagedProcess = {
    name,
    child,
    pid: child.pid ?? -1,
    group: options.group ?? false,
    output,
    exited,
    hasExited: () => exitedFlag,
    onLine: (fn) => listeners.push(fn),
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
      if (!exitedFlag) {
        signalProcess(managed, signal, false);
        const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
        await Promise.race([exited, timer]);
      }
      // Whatever is left of the group (forked workers of a server that died, or a stuck one).
      signalProcess(managed, 'SIGKILL', true);
      if (!exitedFlag) await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      live.delete(managed);
    },
  };
  void exited.then(() => {
    if (!managed.group) live.delete(managed);
  });
  live.add(managed);
  return managed;
}

function signalProcess(p: ManagedProcess, signal: NodeJS.Signals, wholeGroup: boolean): void {
  if (p.pid <= 0) return;
  try {
    if (wholeGroup && p.group) process.kill(-p.pid, signal);
    else if (!p.hasExited()) process.kill(p.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops everything still running, servers and load workers alike. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop('SIGTERM', 5_000)));
}

const tempDirs = new Set<string>();

/** A private directory under /tmp (configs, sockets, logs), removed at the latest when the bench exits. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Last resort on process exit: SIGKILL to everything and remove the temporary directories (synchronous). */
export function killAllNow(): void {
  for (const p of live) signalProcess(p, 'SIGKILL', true);
  for (const p of live) signalProcess(p, 'SIGKILL', false);
  live.clear();
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  tempDirs.clear();
}

export function liveProcessCount(): number {
  return live.size;
}

/** Stops everything on Ctrl-C / SIGTERM / a crash, and kills leftovers at exit. */
export function installCleanupHandlers(log: (message: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      killAllNow();
      process.exit(130);
    }
    stopping = true;
    log(`\n${signal}: stopping every process the bench started...`);
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', killAllNow);
}
