/** Talks to a running server's control socket, like `npm run status` / `npm run reload`. */
import { connect } from 'node:net';

export interface WorkerStatus {
  id: number;
  pid: number;
  state: string;
  served: number;
}

export function control<T = unknown>(socketPath: string, command: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        resolve(JSON.parse(reply) as T);
      } catch (err) {
        reject(err);
      }
    });
  });
}

export async function workers(socketPath: string): Promise<WorkerStatus[]> {
  return (await control<{ workers: WorkerStatus[] }>(socketPath, 'status')).workers;
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
