/**
 * Our server: `node dist/src/main.js` on a free loopback port, with a private socket path and
 * log folder, serving the bench's Laravel app (or the plain `hello` handler with PHP_HANDLER).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_APP, HELLO_HANDLER, ROOT, SERVER_MAIN } from '../paths.js';
import { freePort, waitForHttp } from '../net.js';
import { makeTempDir, removeTempDir, startProcess } from '../processes.js';
import type { App, PeerDriver, RunningPeer } from './types.js';
import { findExecutable } from './which.js';

export interface OursOptions {
  poolMax: number;
  /** WORKER_THREADS; undefined = the server's default. */
  threads?: number;
  /** Extra environment for the server (wins over the bench's defaults). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export function oursLabel(threads?: number): string {
  return threads === undefined ? 'ours' : `ours (threads=${threads})`;
}

export async function startOurs(app: App, options: OursOptions): Promise<RunningPeer> {
  const port = await freePort();
  const dir = makeTempDir('bench-ours-');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    SOCKET_PATH: join(dir, 'bridge.sock'),
    LOG_DIR: join(dir, 'logs'),
    LARAVEL_PATH: BENCH_APP,
    SOCKET_POOL_MAX: String(options.poolMax),
    // info logs every request: keep the server's stdout quiet while it is measured.
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    ...options.env,
  };
  if (options.threads !== undefined) env['WORKER_THREADS'] = String(options.threads);
  if (app === 'hello') env['PHP_HANDLER'] = HELLO_HANDLER;
  else delete env['PHP_HANDLER'];
  // The cached scenario: the micro-cache on (64 MB unless CACHE_MAX_MB says otherwise); off for every other one.
  if (app === 'laravel-cached') env['CACHE_MAX_MB'] = process.env['CACHE_MAX_MB'] || '64';
  else delete env['CACHE_MAX_MB'];
  if (Number(env['SOCKET_POOL_MIN'] ?? '2') > options.poolMax) env['SOCKET_POOL_MIN'] = String(options.poolMax);

  const label = oursLabel(options.threads);
  const server = startProcess(label, process.execPath, [SERVER_MAIN], { cwd: ROOT, env, group: true });
  let listening = false;
  server.onLine((line) => {
    if (line.includes('"msg":"listening"')) listening = true;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await server.stop('SIGTERM', 15_000);
    removeTempDir(dir);
  };
  try {
    await waitForHttp(`${baseUrl}/`, {
      timeoutMs: options.startTimeoutMs ?? 60_000,
      ready: () => listening,
      failed: () => (server.hasExited() ? `our server exited during start:\n  ${server.output.slice(-12).join('\n  ')}` : null),
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { label, baseUrl, rootPids: () => [server.pid], stop };
}

export function oursDriver(options: OursOptions): PeerDriver {
  return {
    kind: 'ours',
    label: oursLabel(options.threads),
    missing() {
      if (!existsSync(SERVER_MAIN)) return `${SERVER_MAIN} is missing: run npm run build`;
      if (!findExecutable(process.env['PHP_PATH'] ?? 'php')) return 'php is not installed: run npm run setup (or apt-get install php8.2-cli)';
      return null;
    },
    // Every scenario: a missing plain handler or a 404 for static files shows up in the check.
    unsupported: () => null,
    start: (app) => startOurs(app, options),
  };
}
