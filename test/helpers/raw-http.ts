/** A raw TCP client, for requests no well-behaved HTTP client would send. */
import { connect, type Socket } from 'node:net';

export interface RawResult {
  /** Everything the server sent. */
  response: string;
  /** Status code of the first response, or null when none came. */
  status: number | null;
  closed: boolean;
  ms: number;
}

export function rawRequest(port: number, chunks: Array<string | Buffer>, options: { gapMs?: number; waitMs?: number } = {}): Promise<RawResult> {
  const { gapMs = 0, waitMs = 5000 } = options;
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let response = '';
    let settled = false;
    const done = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(response);
      resolve({ response, status: match ? Number(match[1]) : null, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (data) => (response += data.toString('latin1')));
    socket.on('error', () => done(true));
    socket.on('close', () => done(true));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}
