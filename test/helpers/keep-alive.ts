/** One raw keep-alive connection: send a request, read the next whole response, see when the server closes it. */
import { connect, type Socket } from 'node:net';

export interface KeepAliveConnection {
  /** Writes `request` and resolves with the next response (head and a Content-Length body). */
  send(request: string, timeoutMs?: number): Promise<string>;
  /** Resolves when the connection is closed (by the server, unless `destroy` was called). */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  destroy(): void;
}

export async function openKeepAlive(port: number): Promise<KeepAliveConnection> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffered = '';
  let isClosed = false;
  let waiting: ((response: string) => void) | null = null;
  const closed = new Promise<void>((resolve) => socket.once('close', () => ((isClosed = true), resolve())));
  socket.on('error', () => undefined);
  socket.on('data', (data) => {
    buffered += data.toString('latin1');
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1 || waiting === null) return;
    const length = /content-length: (\d+)/i.exec(buffered.slice(0, end));
    const total = end + 4 + (length ? Number(length[1]) : 0);
    if (buffered.length < total) return;
    const response = buffered.slice(0, total);
    buffered = buffered.slice(total);
    const resolve = waiting;
    waiting = null;
    resolve(response);
  });
  return {
    send: (request, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no response on the kept-alive connection')), timeoutMs);
        waiting = (response) => {
          clearTimeout(timer);
          resolve(response);
        };
        socket.write(request);
      }),
    closed,
    get isClosed() {
      return isClosed;
    },
    destroy: () => socket.destroy(),
  };
}
