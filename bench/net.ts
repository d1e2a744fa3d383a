/** Free loopback ports and waiting for a server to answer HTTP. */
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface WaitOptions {
  timeoutMs: number;
  /** Stops waiting at once when this returns a reason (the process died). */
  failed?: () => string | null;
  /** Resolves early when set to true from outside (a "listening" log line). */
  ready?: () => boolean;
}

/** Resolves when `url` answers HTTP at all (any status), rejects on timeout or failure. */
export async function waitForHttp(url: string, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const reason = options.failed?.();
    if (reason) throw new Error(reason);
    if (options.ready?.()) return;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`nothing answered on ${url} within ${Math.round(options.timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
