/**
 * Development watch mode (WATCH=true, `npm run dev`): reloads the PHP workers when the app's
 * code, config, routes, views or .env change. Changes are debounced so a `git checkout` that
 * touches a hundred files causes one reload.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

const WATCHED = ['app', 'bootstrap/app.php', 'config', 'routes', 'resources/views', 'database', '.env'];
const DEBOUNCE_MS = 300;

export function watchForChanges(appPath: string, log: Logger, reload: () => void): FSWatcher[] {
  let timer: NodeJS.Timeout | null = null;
  const changed = new Set<string>();
  const watchers: FSWatcher[] = [];
  for (const entry of WATCHED) {
    const path = join(appPath, entry);
    if (!existsSync(path)) continue;
    const watcher = watch(path, { recursive: true }, (_event, file) => {
      // The app's own writes (SQLite files and their journals, logs) are not code changes.
      if (file && /\.sqlite(-journal|-wal|-shm)?$|\.log$/.test(String(file))) return;
      changed.add(join(entry, String(file ?? '')));
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        log.info({ files: [...changed].slice(0, 10) }, 'watch: app files changed, reloading PHP workers');
        changed.clear();
        timer = null;
        reload();
      }, DEBOUNCE_MS);
    });
    watcher.on('error', (err) => log.warn(`watch: ${err.message}`));
    watchers.push(watcher);
  }
  log.info({ paths: WATCHED }, 'watch mode: PHP workers reload when these change');
  return watchers;
}
