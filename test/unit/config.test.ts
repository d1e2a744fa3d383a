import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_APP_PATH, loadConfig, parseSize } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const emptyDir = (): string => mkdtempSync(join(tmpdir(), 'cfg-'));
const load = (env: Record<string, string> = {}, cwd = emptyDir()) => loadConfig({ env, cwd });

function failure(env: Record<string, string>): string {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration defaults (the seed table and our additions)', () => {
  const config = load();
  it.each([
    ['HTTP_PORT', 'httpPort', 8080],
    ['HTTP_HOST', 'httpHost', '127.0.0.1'],
    ['SOCKET_PATH', 'socketPath', '/tmp/rust_php_bridge.sock'],
    ['PHP_PATH', 'phpPath', 'php'],
    ['LOG_LEVEL', 'logLevel', 'info'],
    ['STARTUP_COMMAND', 'startupCommand', 'laravel-rust:serve'],
    ['SOCKET_POOL_MIN', 'poolMin', 2],
    ['SOCKET_POOL_MAX', 'poolMax', 10],
    ['SOCKET_CONNECTION_TIMEOUT', 'connectTimeoutMs', 5000],
    ['SOCKET_HEALTH_CHECK_INTERVAL', 'healthCheckIntervalMs', 30000],
    ['REQUEST_TIMEOUT', 'requestTimeoutMs', 60000],
    ['MAX_BODY_SIZE', 'maxBodySize', 10 * 1024 * 1024],
    ['MAX_QUEUE', 'maxQueue', 1024],
    ['MAX_REQUESTS', 'maxRequests', 100000],
    ['PIPELINE_WINDOW_MS', 'pipelineWindowMs', 10],
    ['WORKER_MEMORY_LIMIT', 'workerMemoryLimitMb', 128],
    ['SHUTDOWN_GRACE', 'shutdownGraceMs', 30000],
    ['WORKER_ENTRY', 'workerEntry', 'auto'],
    ['CACHE_MAX_MB', 'cacheMaxBytes', 0],
    ['CACHE_MAX_ENTRY_SIZE', 'cacheMaxEntrySize', 1024 * 1024],
    ['BODY_MEMORY_MAX', 'bodyMemoryMax', 1024 * 1024],
  ] as const)('%s defaults to %s = %s', (_name, key, value) => {
    expect(config[key]).toBe(value);
  });

  it('LOG_DIR defaults to ./logs under the working directory', () => {
    const cwd = emptyDir();
    expect(load({}, cwd).logDir).toBe(join(cwd, 'logs'));
  });

  it('WORKER_THREADS defaults to 0 (main thread) on machines of up to 4 cores, and to threads above', () => {
    const cores = availableParallelism();
    expect(config.workerThreads).toBe(cores <= 4 ? 0 : Math.min(4, Math.floor(cores / 4)));
  });

  it('LARAVEL_PATH defaults to the current directory when it is a Laravel app', () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, 'artisan'), '');
    mkdirSync(join(cwd, 'bootstrap'));
    writeFileSync(join(cwd, 'bootstrap', 'app.php'), '<?php');
    expect(load({}, cwd)).toMatchObject({ laravelPath: cwd, usingExampleApp: false });
  });

  it('LARAVEL_PATH falls back to the bundled example when the current directory is not an app', () => {
    expect(load()).toMatchObject({ laravelPath: EXAMPLE_APP_PATH, usingExampleApp: true });
  });

  it('the config object is frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
  });
});

describe('valid overrides', () => {
  it('reads every variable', () => {
    const config = load({
      HTTP_PORT: '9000',
      HTTP_HOST: '0.0.0.0',
      SOCKET_PATH: '/run/x/bridge.sock',
      PHP_PATH: '/usr/bin/php8.2',
      LARAVEL_PATH: '/srv/app',
      LOG_LEVEL: 'debug',
      LOG_DIR: '/var/log/bridge',
      STARTUP_COMMAND: 'bridge:work',
      SOCKET_POOL_MIN: '4',
      SOCKET_POOL_MAX: '16',
      SOCKET_CONNECTION_TIMEOUT: '2.5',
      SOCKET_HEALTH_CHECK_INTERVAL: '10',
      WORKER_THREADS: '0',
      REQUEST_TIMEOUT: '5',
      MAX_BODY_SIZE: '2m',
      MAX_QUEUE: '50',
      MAX_REQUESTS: '0',
      WORKER_MEMORY_LIMIT: '256',
      SHUTDOWN_GRACE: '3',
      WORKER_ENTRY: 'artisan',
    });
    expect(config).toMatchObject({
      httpPort: 9000,
      httpHost: '0.0.0.0',
      socketPath: '/run/x/bridge.sock',
      phpPath: '/usr/bin/php8.2',
      laravelPath: '/srv/app',
      logLevel: 'debug',
      logDir: '/var/log/bridge',
      startupCommand: 'bridge:work',
      poolMin: 4,
      poolMax: 16,
      connectTimeoutMs: 2500,
      healthCheckIntervalMs: 10000,
      workerThreads: 0,
      requestTimeoutMs: 5000,
      maxBodySize: 2 * 1024 * 1024,
      maxQueue: 50,
      maxRequests: 0,
      workerMemoryLimitMb: 256,
      shutdownGraceMs: 3000,
      workerEntry: 'artisan',
    });
  });

  it('reads .env from the working directory, with the real environment winning', () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, '.env'), 'HTTP_PORT=9100\nLOG_LEVEL=warn\n');
    expect(load({ LOG_LEVEL: 'error' }, cwd)).toMatchObject({ httpPort: 9100, logLevel: 'error' });
  });

  it('parses sizes like nginx', () => {
    expect(parseSize('X', '512')).toBe(512);
    expect(parseSize('X', '64k')).toBe(65536);
    expect(parseSize('X', '10M')).toBe(10 * 1024 * 1024);
    expect(parseSize('X', '1g')).toBe(1024 ** 3);
  });
});

describe('bad values stop the start with a message naming the variable, the value and what is allowed', () => {
  it.each([
    [{ HTTP_PORT: 'eighty' }, ['HTTP_PORT', 'eighty']],
    [{ HTTP_PORT: '70000' }, ['HTTP_PORT', '70000']],
    [{ LOG_LEVEL: 'loud' }, ['LOG_LEVEL', 'loud', 'trace', 'error']],
    [{ SOCKET_POOL_MIN: '0' }, ['SOCKET_POOL_MIN', '"0"', 'from 1 to']],
    [{ SOCKET_POOL_MIN: '5', SOCKET_POOL_MAX: '2' }, ['SOCKET_POOL_MAX', 'SOCKET_POOL_MIN']],
    [{ SOCKET_CONNECTION_TIMEOUT: 'soon' }, ['SOCKET_CONNECTION_TIMEOUT', 'soon']],
    [{ SOCKET_PATH: 'relative.sock' }, ['SOCKET_PATH', 'absolute', 'relative.sock']],
    [{ WORKER_THREADS: '-1' }, ['WORKER_THREADS', '-1', 'from 0 to 64']],
    [{ MAX_BODY_SIZE: 'lots' }, ['MAX_BODY_SIZE', 'lots', 'k, m or g']],
    [{ REQUEST_TIMEOUT: '-3' }, ['REQUEST_TIMEOUT', '-3', 'seconds']],
    [{ WORKER_ENTRY: 'docker' }, ['WORKER_ENTRY', 'docker', 'artisan']],
    [{ PHP_HANDLER: '/no/such/handler.php' }, ['PHP_HANDLER', '/no/such/handler.php']],
    [{ CACHE_MAX_MB: '-1' }, ['CACHE_MAX_MB', '-1', 'megabytes']],
    [{ CACHE_MAX_ENTRY_SIZE: 'big' }, ['CACHE_MAX_ENTRY_SIZE', 'big', 'k, m or g']],
    [{ BODY_MEMORY_MAX: 'big' }, ['BODY_MEMORY_MAX', 'big', 'k, m or g']],
    [{ SENDFILE_ROOTS: '/no/such/root' }, ['SENDFILE_ROOTS', '/no/such/root', 'does not exist']],
  ])('%o', (env, fragments) => {
    const message = failure(env as Record<string, string>);
    for (const fragment of fragments) expect(message).toContain(fragment);
  });
});

describe('compression settings (COMPRESSION*)', () => {
  it('are on by default: 1k minimum, gzip 5, brotli 4, frozen', () => {
    const { compression } = load();
    expect(compression).toEqual({ minSize: 1024, gzipLevel: 5, brotliQuality: 4 });
    expect(Object.isFrozen(compression)).toBe(true);
  });

  it('read their overrides, and COMPRESSION=false turns them off', () => {
    expect(load({ COMPRESSION_MIN_SIZE: '2k', COMPRESSION_GZIP_LEVEL: '9', COMPRESSION_BROTLI_QUALITY: '0' }).compression).toEqual({ minSize: 2048, gzipLevel: 9, brotliQuality: 0 });
    expect(load({ COMPRESSION: 'false' }).compression).toBeNull();
  });

  it.each([
    [{ COMPRESSION: 'maybe' }, 'COMPRESSION'],
    [{ COMPRESSION_MIN_SIZE: 'big' }, 'COMPRESSION_MIN_SIZE'],
    [{ COMPRESSION_GZIP_LEVEL: '0' }, 'COMPRESSION_GZIP_LEVEL'],
    [{ COMPRESSION_BROTLI_QUALITY: '12' }, 'COMPRESSION_BROTLI_QUALITY'],
  ])('%o is refused with a message naming %s', (env, name) => {
    expect(failure(env)).toContain(name);
  });
});

describe('request bodies on disk and handed-over downloads', () => {
  it('UPLOAD_TMP_DIR defaults to a per-user directory under the system temp dir', () => {
    expect(load().uploadTmpDir).toBe(join(tmpdir(), `laravel-front-door-uploads-${process.getuid?.() ?? 0}`));
  });

  it('SENDFILE_ROOTS defaults to the real paths of the app\'s storage/app and public that exist; "off" turns it off', () => {
    const app = emptyDir();
    mkdirSync(join(app, 'storage', 'app'), { recursive: true });
    expect(load({ LARAVEL_PATH: app }).sendfileRoots).toEqual([join(app, 'storage', 'app')]);
    expect(load({ LARAVEL_PATH: app, SENDFILE_ROOTS: 'off' }).sendfileRoots).toEqual([]);
    const other = emptyDir();
    expect(load({ LARAVEL_PATH: app, SENDFILE_ROOTS: `${other}, ${app}/storage/app` }).sendfileRoots).toEqual([other, join(app, 'storage', 'app')]);
  });
});
