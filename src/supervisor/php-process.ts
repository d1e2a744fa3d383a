/**
 * One PHP worker process: how it is started, how we learn it is ready, and where its output goes.
 *
 * Readiness comes on file descriptor 3, a pipe the worker writes one JSON line to once Laravel
 * has booted and its socket listens. stdout and stderr are only ever logs: the protocol runs on
 * the Unix socket, so nothing the app prints can corrupt it. The worker's own stderr lines are
 * logged at the level they carry (src/supervisor/php-log-line.ts), anything else there at warn.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { PROJECT_ROOT, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { parsePhpLogLine } from './php-log-line.js';

export const WORKER_SCRIPT = join(PROJECT_ROOT, 'php', 'bin', 'worker.php');
/** Where Composer puts this package inside an app that installed it. */
const INSTALLED_PACKAGE_DIR = join('vendor', 'laravel-rust', 'bridge');

export interface SpawnedWorker {
  readonly id: number;
  readonly child: ChildProcess;
  readonly socketPath: string;
  /** Resolves with the worker's pid once it serves; rejects with the reason it could not start. */
  readonly ready: Promise<number>;
  /** The last lines the worker wrote to stderr (its boot error, when it fails). */
  readonly recentErrors: string[];
}

/** The command line for a worker, following WORKER_ENTRY. */
export function workerCommand(config: Config): { args: string[]; cwd: string; entry: 'script' | 'artisan' } {
  // A long-lived worker is where opcache and the JIT pay off: the in-process Laravel loop
  // (bench/php/ceiling.php) measured about half the CPU per request with opcache.jit=tracing.
  const jit = config.phpJit === 'off' ? ['-d', 'opcache.jit=off'] : ['-d', 'opcache.jit_buffer_size=64M', '-d', `opcache.jit=${config.phpJit}`];
  // The front door enforces MAX_BODY_SIZE; PHP's own limits follow it, so Laravel's
  // ValidatePostSize (post_max_size) and UploadedFile's messages (upload_max_filesize) agree with
  // it instead of the CLI php.ini's 8M/2M. Uploads live in UPLOAD_TMP_DIR (ini_get tells apps).
  const bodyLimits = ['-d', `post_max_size=${config.maxBodySize}`, '-d', `upload_max_filesize=${config.maxBodySize}`, '-d', `upload_tmp_dir=${config.uploadTmpDir}`];
  const phpArgs = ['-d', 'opcache.enable_cli=1', ...jit, '-d', 'display_errors=stderr', ...bodyLimits];
  const installed = existsSync(join(config.laravelPath, INSTALLED_PACKAGE_DIR));
  const useArtisan = config.phpHandler === null && (config.workerEntry === 'artisan' || (config.workerEntry === 'auto' && installed));
  if (useArtisan) {
    return { args: [...phpArgs, 'artisan', config.startupCommand], cwd: config.laravelPath, entry: 'artisan' };
  }
  return { args: [...phpArgs, WORKER_SCRIPT], cwd: config.laravelPath, entry: 'script' };
}

export function spawnPhpWorker(config: Config, id: number, socketPath: string, log: Logger): SpawnedWorker {
  const { args, cwd } = workerCommand(config);
  const child = spawn(config.phpPath, args, {
    cwd,
    env: {
      ...process.env,
      LARAVEL_PATH: config.laravelPath,
      STARTUP_COMMAND: config.startupCommand,
      BRIDGE_SOCKET: socketPath,
      BRIDGE_APP: config.phpHandler === null ? 'laravel' : 'plain',
      BRIDGE_HANDLER: config.phpHandler ?? '',
      BRIDGE_MAX_REQUESTS: String(config.maxRequests),
      BRIDGE_MEMORY_LIMIT_MB: String(config.workerMemoryLimitMb),
      BRIDGE_PARENT_PID: String(process.pid),
      BRIDGE_SENDFILE: config.sendfileRoots.length > 0 ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C or SIGHUP sent to the terminal's group reaches the server,
    // which then stops or reloads the workers in order, instead of killing them mid-request.
    // A worker whose server died without stopping it notices (BRIDGE_PARENT_PID) and exits.
    detached: true,
  });

  const workerLog = log.child({ worker: id });
  const recentErrors: string[] = [];
  forwardLines(child.stdout, (line) => workerLog.info({ stream: 'stdout' }, line));
  forwardLines(child.stderr, (line) => {
    recentErrors.push(line);
    if (recentErrors.length > 20) recentErrors.shift();
    // The worker's own lines carry their level ("[php-worker PID] [error] …"); the rest is warn.
    const { level, message, pid } = parsePhpLogLine(line);
    workerLog[level](pid === null ? { stream: 'stderr' } : { stream: 'stderr', phpPid: pid }, message);
  });

  const ready = new Promise<number>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      settle(() => reject(new Error(`did not become ready within ${config.workerBootTimeoutMs} ms`)));
      child.kill('SIGKILL');
    }, config.workerBootTimeoutMs);

    const readyPipe = child.stdio[3] as Readable | null;
    if (readyPipe) {
      forwardLines(readyPipe, (line) => {
        try {
          const message = JSON.parse(line) as { ready?: boolean; pid?: number };
          if (message.ready) settle(() => resolve(message.pid ?? child.pid ?? 0));
        } catch {
          workerLog.warn({ line }, 'unreadable readiness line from PHP worker');
        }
      });
    }
    child.once('error', (err) => settle(() => reject(new Error(`cannot start "${config.phpPath}": ${err.message}`))));
    child.once('exit', (code, signal) => {
      settle(() => {
        const why = recentErrors.slice(-5).join(' | ') || 'no output';
        reject(new Error(`exited before it was ready (${signal ?? `code ${code}`}): ${why}`));
      });
    });
  });
  // A worker that never gets ready is handled by the supervisor; this keeps Node from flagging it.
  ready.catch(() => undefined);

  return { id, child, socketPath, ready, recentErrors };
}

function forwardLines(stream: Readable | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.length > 0) onLine(line.length > 8192 ? `${line.slice(0, 8192)}…` : line);
  });
}
