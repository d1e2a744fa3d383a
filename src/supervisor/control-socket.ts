/**
 * The control socket at SOCKET_PATH. Its presence marks a running server (a second server with
 * the same SOCKET_PATH refuses to start), and it takes one-line commands from the same user
 * (mode 0600): `reload` replaces every PHP worker with zero failed requests, `status` lists them,
 * `cache-purge <path prefix>` drops the micro-cache's entries under a path, `cache-stats` shows
 * its size. `npm run reload` and `npm run cache:purge` are clients of it.
 */
import { chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import type { MicroCache } from '../http/micro-cache.js';
import type { Logger } from '../logger.js';
import type { Supervisor } from './supervisor.js';
import { applySocketGroup } from './socket-files.js';

export interface ControlOptions {
  /** Group allowed to use the socket (mode 0660); null = owner only. */
  group: string | null;
  /** Runs beside the workers' reload (the TLS certificate swap); its result is added to the reply. */
  alsoOnReload?: () => Promise<object>;
  /** The micro-cache for cache-purge / cache-stats; null when it is off. */
  cache?: MicroCache | null;
}

export function listenControlSocket(path: string, supervisor: Supervisor, log: Logger, options: ControlOptions): Promise<Server> {
  const { group } = options;
  const cache = options.cache ?? null;
  const alsoOnReload = options.alsoOnReload ?? (() => Promise.resolve({}));
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      const lines = createInterface({ input: socket });
      lines.on('line', (line) => {
        const command = line.trim();
        const reply = (value: unknown): void => {
          if (!socket.destroyed) socket.end(`${JSON.stringify(value)}\n`);
        };
        if (command === 'reload') {
          log.info('reload requested on the control socket');
          const also = alsoOnReload();
          supervisor.reload().then(
            async (result) => reply({ ok: true, ...result, ...(await also) }),
            async (err: Error) => reply({ ok: false, error: err.message, ...(await also) }),
          );
        } else if (command === 'status') {
          reply({ ok: true, workers: supervisor.status() });
        } else if (command === 'cache-stats' || command.startsWith('cache-purge')) {
          if (cache === null) reply({ ok: false, error: 'the micro-cache is off (CACHE_MAX_MB=0)' });
          else if (command === 'cache-stats') reply({ ok: true, cache: cache.stats() });
          else {
            const prefix = command.slice('cache-purge'.length).trim();
            if (!prefix.startsWith('/')) reply({ ok: false, error: 'cache-purge needs a path prefix starting with "/", e.g. cache-purge /api/posts' });
            else {
              const purged = cache.purge(prefix);
              log.info({ prefix, purged }, 'micro-cache purged on the control socket');
              reply({ ok: true, prefix, purged });
            }
          }
        } else {
          reply({ ok: false, error: `unknown command "${command}" (try: reload, status, cache-purge <prefix>, cache-stats)` });
        }
      });
    });
    server.once('error', reject);
    server.listen(path, () => {
      try {
        chmodSync(path, 0o600);
        if (group !== null) applySocketGroup(path, group);
        resolve(server);
      } catch (err) {
        server.close();
        reject(err);
      }
    });
  });
}
