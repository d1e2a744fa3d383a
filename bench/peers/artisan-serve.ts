/**
 * `php artisan serve` as the floor: PHP's built-in server on a free loopback port with
 * PHP_CLI_SERVER_WORKERS processes, in the app's public/ folder, with CLI defaults (no opcache).
 *
 * It runs `php -S` directly, as artisan serve does under its supervising parent, but with
 * bench/php/artisan-router.php in place of the app's server.php: the same routing and
 * public/index.php, plus a Content-Length header, without which the built-in server ends each
 * Laravel response by closing the connection and autocannon cannot read the responses at all.
 * It serves the Laravel app only (no plain handler).
 */
import { join } from 'node:path';
import { BENCH_APP, ROOT } from '../paths.js';
import { freePort, waitForHttp } from '../net.js';
import { startProcess } from '../processes.js';
import type { PeerDriver, RunningPeer } from './types.js';
import { findExecutable } from './which.js';

export const ARTISAN_ROUTER = join(ROOT, 'bench', 'php', 'artisan-router.php');

export interface ArtisanServeOptions {
  /** PHP_CLI_SERVER_WORKERS: processes of the built-in server. */
  workers: number;
  appPath?: string;
  startTimeoutMs?: number;
}

export async function startArtisanServe(options: ArtisanServeOptions): Promise<RunningPeer> {
  const appPath = options.appPath ?? BENCH_APP;
  const port = await freePort();
  const php = process.env['PHP_PATH'] ?? 'php';
  const server = startProcess('artisan serve', php, ['-S', `127.0.0.1:${port}`, ARTISAN_ROUTER], {
    cwd: join(appPath, 'public'),
    env: { ...process.env, PHP_CLI_SERVER_WORKERS: String(options.workers) },
    group: true,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = (): Promise<void> => server.stop('SIGTERM', 3_000);
  try {
    await waitForHttp(`${baseUrl}/robots.txt`, {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      failed: () => (server.hasExited() ? `php -S exited during start:\n  ${server.output.slice(-12).join('\n  ')}` : null),
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { label: 'artisan-serve', baseUrl, rootPids: () => [server.pid], stop };
}

export function artisanServeDriver(options: { poolMax: number }): PeerDriver {
  return {
    kind: 'artisan-serve',
    label: 'artisan-serve',
    missing: () => (findExecutable(process.env['PHP_PATH'] ?? 'php') ? null : 'php is not installed: run npm run setup (or apt-get install php8.2-cli)'),
    unsupported: (scenario) =>
      scenario.app === 'hello' ? 'artisan serve runs the Laravel app only, not a plain PHP handler' : scenario.app === 'laravel-cached' ? 'artisan serve has no response cache' : null,
    start: () => startArtisanServe({ workers: options.poolMax }),
  };
}
