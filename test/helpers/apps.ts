/**
 * The Laravel apps the end-to-end suites run against (built by `npm run setup`, see
 * scripts/setup-test-apps.sh): stock `laravel/laravel` skeletons created by Composer plus the
 * probe kit (test/apps/probes), and Debian's Laravel 8 as the oldest target.
 *
 * Matrix suites (bridge, differential, state-isolation, uploads, streaming) run once per app in
 * LARAVEL_APPS; the others use DEFAULT_APP. `TEST_LARAVEL=12,8` narrows the matrix for a local
 * run; by default every app runs. An app that is not built fails its suite (never skips).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LaravelApp {
  /** Folder name under test/apps/, and the label of the suite. */
  name: string;
  /** Laravel major version. */
  version: number;
  /** Absolute path of the app. */
  path: string;
}

const app = (version: number): LaravelApp => ({ name: `laravel-${version}`, version, path: join(ROOT, 'test', 'apps', `laravel-${version}`) });

/** Every Laravel version the project supports and CI tests, newest first. */
export const ALL_APPS: readonly LaravelApp[] = [app(12), app(11), app(10), app(8)];

/** The app of the suites that are not about Laravel versions: the newest. */
export const DEFAULT_APP: LaravelApp = ALL_APPS[0]!;

function selected(): LaravelApp[] {
  const raw = process.env['TEST_LARAVEL']?.trim();
  if (!raw) return [...ALL_APPS];
  const wanted = raw.split(',').map((v) => v.trim().replace(/^laravel-/, '')).filter((v) => v !== '');
  const unknown = wanted.filter((v) => !ALL_APPS.some((a) => String(a.version) === v));
  if (unknown.length) throw new Error(`TEST_LARAVEL=${raw}: unknown version(s) ${unknown.join(', ')}; known: ${ALL_APPS.map((a) => a.version).join(', ')}`);
  return ALL_APPS.filter((a) => wanted.includes(String(a.version)));
}

/** The apps the matrix suites run against (all, or those named by TEST_LARAVEL). */
export const LARAVEL_APPS: readonly LaravelApp[] = selected();

/**
 * Throws, with what to do, when the app is not built (call it in the suite's beforeAll).
 * Laravel 8's app is committed but needs its database and Debian's framework.
 */
export function assertAppBuilt(app: LaravelApp): void {
  const missing: string[] = [];
  if (!existsSync(join(app.path, 'artisan'))) missing.push(app.path);
  else if (!existsSync(join(app.path, 'vendor', 'autoload.php'))) missing.push(join(app.path, 'vendor/autoload.php'));
  else if (!existsSync(join(app.path, 'database', 'database.sqlite'))) missing.push(join(app.path, 'database/database.sqlite'));
  if (app.version === 8 && !existsSync('/usr/share/php/Illuminate/autoload.php')) missing.push("Debian's php-laravel-framework");
  if (missing.length) {
    throw new Error(`the Laravel ${app.version} test app is not built (missing ${missing.join(', ')}): run \`npm run setup\` (or scripts/setup-test-apps.sh ${app.name})`);
  }
}
