/**
 * The connections one thread holds: one per PHP worker, opened on first use and dropped when
 * the worker goes away. A PHP worker id is never reused, so a stale entry can never point a
 * request at a replacement process.
 */
import { PhpConnection } from './connection.js';

export class ConnectionTable {
  readonly #connections = new Map<number, PhpConnection>();
  readonly #opening = new Map<number, Promise<PhpConnection>>();
  readonly #connectTimeoutMs: number;

  constructor(connectTimeoutMs: number) {
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  /** The open connection to worker `workerId`, connecting to `socketPath` if there is none. */
  get(workerId: number, socketPath: string): PhpConnection | Promise<PhpConnection> {
    const existing = this.#connections.get(workerId);
    if (existing !== undefined && !existing.closed) return existing;
    const opening = this.#opening.get(workerId);
    if (opening !== undefined) return opening;

    const promise = PhpConnection.open(socketPath, this.#connectTimeoutMs).then(
      (conn) => {
        this.#opening.delete(workerId);
        this.#connections.set(workerId, conn);
        conn.onClose(() => {
          if (this.#connections.get(workerId) === conn) this.#connections.delete(workerId);
        });
        return conn;
      },
      (err: unknown) => {
        this.#opening.delete(workerId);
        throw err;
      },
    );
    this.#opening.set(workerId, promise);
    return promise;
  }

  /** Drops (and closes) the connection to a worker that has been retired or killed. */
  forget(workerId: number): void {
    const conn = this.#connections.get(workerId);
    this.#connections.delete(workerId);
    conn?.close();
  }

  closeAll(): void {
    for (const conn of this.#connections.values()) conn.close();
    this.#connections.clear();
  }
}
