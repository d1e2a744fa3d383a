/**
 * The control socket at SOCKET_PATH. Its presence marks a running server (a second server with
 * the same SOCKET_PATH refuses to start), and it takes one-line commands from the same user
 * (mode 0600): `reload` replaces every PHP worker with zero failed requests, `status` lists them.
 * `npm run reload` is a client of it.
 */
import { chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import type { Logger } from '../logger.js';
import type { Supervisor } from './supervisor.js';
import { applySocketGroup } from './socket-files.js';

/** `status`: the pool view for `npm run status` (src/metrics/status-view.ts); without it, the bare worker list. */
export function listenControlSocket(path: string, supervisor: Supervisor, log: Logger, group: string | null = null, status?: () => object): Promise<Server> {
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
          supervisor.reload().then(
            (result) => reply({ ok: true, ...result }),
            (err: Error) => reply({ ok: false, error: err.message }),
          );
        } else if (command === 'status') {
          reply(status ? { ...status(), ok: true } : { ok: true, workers: supervisor.status() });
        } else {
          reply({ ok: false, error: `unknown command "${command}" (try: reload, status)` });
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
