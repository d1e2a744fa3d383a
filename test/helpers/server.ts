/**
 * Starts the real server (the compiled dist/src/main.js, as `npm start` does) with real PHP
 * workers, on a free port and a private socket path, and collects its JSON log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ALL_APPS, DEFAULT_APP, assertAppBuilt } from './apps.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface RunningServer {
  url: string;
  port: number;
  socketPath: string;
  child: ChildProcess;
  logs: LogLine[];
  /** Raw stderr of the server process. */
  stderr: string[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the server on DEFAULT_APP (Laravel 12 + probes) unless env.LARAVEL_PATH names another app. */
export async function startServer(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunningServer> {
  const known = ALL_APPS.find((app) => app.path === (env['LARAVEL_PATH'] ?? DEFAULT_APP.path));
  if (known) assertAppBuilt(known);
  const port = Number(env['HTTP_PORT'] ?? (await freePort()));
  const dir = mkdtempSync(join(tmpdir(), 'lfd-'));
  const socketPath = env['SOCKET_PATH'] ?? join(dir, 'bridge.sock');
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/root',
      HTTP_PORT: String(port),
      SOCKET_PATH: socketPath,
      LOG_DIR: join(dir, 'logs'),
      LARAVEL_PATH: DEFAULT_APP.path,
      LOG_LEVEL: 'info',
      SOCKET_POOL_MIN: '2',
      SOCKET_POOL_MAX: '4',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const watchers = new Set<(line: LogLine) => void>();
  createInterface({ input: child.stdout! }).on('line', (raw) => {
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      line = { level: 30, msg: raw };
    }
    logs.push(line);
    for (const watcher of watchers) watcher(line);
  });
  createInterface({ input: child.stderr! }).on('line', (raw) => stderr.push(raw));

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog = (predicate: (line: LogLine) => boolean, waitMs = 30_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const found = logs.find(predicate);
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        watchers.delete(watcher);
        reject(new Error(`timed out waiting for a log line; last lines:\n${logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr.slice(-10).join('\n')}`));
      }, waitMs);
      const watcher = (line: LogLine): void => {
        if (!predicate(line)) return;
        clearTimeout(timer);
        watchers.delete(watcher);
        resolve(line);
      };
      watchers.add(watcher);
      void exited.then((code) => {
        if (!watchers.has(watcher)) return;
        clearTimeout(timer);
        watchers.delete(watcher);
        reject(new Error(`server exited (code ${code}) before the expected log line; stderr:\n${stderr.join('\n')}\nlogs:\n${logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`));
      });
    });

  await waitForLog((line) => line.msg === 'listening', timeoutMs);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    socketPath,
    child,
    logs,
    stderr,
    waitForLog,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
