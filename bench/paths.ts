/**
 * Where things are: the repository root (found from this file, compiled or not), the Laravel app
 * the bench serves, the compiled server and the bench's own PHP scripts.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error(`bench: cannot find the repository root (no package.json above ${start})`);
}

/** The repository root: bench/ and dist/bench/ both lead there. */
export const ROOT = findRoot(fileURLToPath(new URL('.', import.meta.url)));
/**
 * The Laravel app every peer serves: the Laravel 12 test app built by `npm run setup` (a stock
 * laravel/laravel 12.12.2 skeleton plus the probe kit test/apps/probes, whose routes the scenarios
 * use: /api/ping, /api/echo, /api/big, /api/upload-size, and the skeleton's public/robots.txt).
 */
export const BENCH_APP = join(ROOT, 'test', 'apps', 'laravel-12');
export const BENCH_APP_LABEL = 'Laravel 12 test app (stock skeleton + probe routes)';
export const BENCH_PUBLIC = join(BENCH_APP, 'public');

/** Why the bench cannot run against BENCH_APP, or null when it is built. */
export function benchAppMissing(): string | null {
  return existsSync(join(BENCH_APP, 'vendor', 'autoload.php')) ? null : `${BENCH_APP} is not built: run \`npm run setup\` (or scripts/setup-test-apps.sh laravel-12)`;
}
export const SERVER_MAIN = join(ROOT, 'dist', 'src', 'main.js');
/** The plain PHP handler our server runs for the `hello` scenario. */
export const HELLO_HANDLER = join(ROOT, 'php', 'handlers', 'hello.php');
/** The one-line script nginx + php-fpm runs for the `hello` scenario. */
export const HELLO_SCRIPT = join(ROOT, 'bench', 'php', 'hello.php');
export const CEILING_SCRIPT = join(ROOT, 'bench', 'php', 'ceiling.php');
/** The compiled load generator, always run as its own process. */
export const LOAD_WORKER = join(ROOT, 'dist', 'bench', 'load-worker.js');
export const DEFAULT_OUT_DIR = join(ROOT, 'bench', 'results');
