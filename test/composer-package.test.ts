/**
 * The php/ Composer package installed for real: a fresh Laravel 12 skeleton from the registry,
 * the package added through a path repository with `composer require`, its provider found by
 * package discovery, and the real server starting its PHP workers as
 * `php artisan laravel-rust:serve` and serving the app.
 *
 * The skeleton's require-dev is dropped (laravel/pint and others need PHP 8.3); sessions and
 * cache use files (the skeleton's default, the database, would need pdo_sqlite).
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type RunningServer } from './helpers/server.js';

const run = promisify(execFile);
const SKELETON = 'laravel/laravel:12.12.2';
const INSTALL_TIMEOUT = 600_000;

let dir = '';
let app = '';

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd,
      timeout: INSTALL_TIMEOUT,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, COMPOSER_NO_INTERACTION: '1', COMPOSER_NO_AUDIT: '1' },
    });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lfd-composer-'));
  app = join(dir, 'app');
  await sh('composer', ['create-project', '--no-interaction', '--no-install', '--no-scripts', SKELETON, app], dir);
  // json_decode without assoc=true keeps {} as {} (an array would become []).
  await sh('php', ['-r', `$f = 'composer.json'; $j = json_decode(file_get_contents($f)); unset($j->{'require-dev'}); file_put_contents($f, json_encode($j, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES)."\\n");`], app);
  const env = readFileSync(join(app, '.env.example'), 'utf8')
    .replace(/^SESSION_DRIVER=.*$/m, 'SESSION_DRIVER=file')
    .replace(/^CACHE_STORE=.*$/m, 'CACHE_STORE=file')
    .replace(/^QUEUE_CONNECTION=.*$/m, 'QUEUE_CONNECTION=sync');
  writeFileSync(join(app, '.env'), env);
  // A copy, not a symlink: what an app gets from the registry.
  await sh('composer', ['config', 'repositories.bridge', JSON.stringify({ type: 'path', url: join(ROOT, 'php'), options: { symlink: false } })], app);
  await sh('composer', ['require', '--no-update', 'laravel-rust/bridge:@dev'], app);
  await sh('composer', ['update', '--no-dev', '--no-interaction', '--no-progress'], app);
  await sh('php', ['artisan', 'key:generate', '--no-interaction'], app);
}, INSTALL_TIMEOUT);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe(`the php/ package installed with Composer into a fresh ${SKELETON}`, () => {
  it('is installed as a copy under vendor/, and artisan lists its command', async () => {
    expect(lstatSync(join(app, 'vendor', 'laravel-rust', 'bridge')).isSymbolicLink()).toBe(false);
    expect(existsSync(join(app, 'vendor', 'laravel-rust', 'bridge', 'src', 'Protocol', 'Worker.php'))).toBe(true);
    const list = await sh('php', ['artisan', 'list', '--raw'], app);
    expect(list).toMatch(/^laravel-rust:serve\s+Serve HTTP requests from the Node front door/m);
  });

  it('publishes its config with vendor:publish', async () => {
    await sh('php', ['artisan', 'vendor:publish', '--tag=laravel-rust-config', '--no-interaction'], app);
    expect(readFileSync(join(app, 'config', 'laravel-rust.php'), 'utf8')).toBe(readFileSync(join(ROOT, 'php', 'config', 'laravel-rust.php'), 'utf8'));
  });

  describe('served by the front door with WORKER_ENTRY=artisan', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer({ LARAVEL_PATH: app, WORKER_ENTRY: 'artisan', SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2' });
    });
    afterAll(async () => {
      if (server) expect(await server.stop()).toBe(0);
    });

    it("answers the skeleton's welcome page and its /up health route", async () => {
      const home = await fetch(`${server.url}/`);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await home.text()).toMatch(/Laravel/);
      expect(home.headers.getSetCookie().some((c) => c.startsWith('laravel-session='))).toBe(true);
      const up = await fetch(`${server.url}/up`);
      expect(up.status).toBe(200);
      expect(await up.text()).toMatch(/Application up/);
    });

    it('runs its PHP workers as `php artisan laravel-rust:serve`', async () => {
      const ready = server.logs.filter((l) => l.msg === 'PHP worker ready');
      expect(ready.length).toBeGreaterThanOrEqual(1);
      for (const line of ready) {
        const cmdline = readFileSync(`/proc/${line['phpPid'] as number}/cmdline`, 'utf8').split('\0');
        expect(cmdline).toEqual(expect.arrayContaining(['artisan', 'laravel-rust:serve']));
      }
    });
  });
});
