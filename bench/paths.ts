/**
 * Where things are: the repository root (found from this file, compiled or not), the example
 * app, the compiled server and the bench's own PHP scripts.
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
export const EXAMPLE_APP = join(ROOT, 'example');
export const EXAMPLE_PUBLIC = join(EXAMPLE_APP, 'public');
export const SERVER_MAIN = join(ROOT, 'dist', 'src', 'main.js');
/** The plain PHP handler our server runs for the `hello` scenario. */
export const HELLO_HANDLER = join(ROOT, 'php', 'handlers', 'hello.php');
/** The one-line script nginx + php-fpm runs for the `hello` scenario. */
export const HELLO_SCRIPT = join(ROOT, 'bench', 'php', 'hello.php');
export const CEILING_SCRIPT = join(ROOT, 'bench', 'php', 'ceiling.php');
/** The compiled load generator, always run as its own process. */
export const LOAD_WORKER = join(ROOT, 'dist', 'bench', 'load-worker.js');
export const DEFAULT_OUT_DIR = join(ROOT, 'bench', 'results');
