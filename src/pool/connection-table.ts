/**
 * The connections one thread holds: one per PHP worker, opened on first use and dropped when
 * the worker goes away. A PHP worker id is never reused, so a stale entry can never point a
 * request at a replacement process.
 */
import { BridgeError } from '../errors.js';
import type { RequestHead } from '../codec/messages.js';
import { PhpConnection, type ExchangeOutcome, type ResponseHandler } from './connection.js';

/** Closed connections remembered (worker ids are never reused, so only the latest few matter). */
const CLOSED_KEPT = 64;

export class ConnectionTable {
  readonly #connections = new Map<number, PhpConnection>();
  /**
   * Connections that closed under a worker that is leaving (it recycled, crashed or was killed):
   * a request reserved on it before its fate was settled gets this closed connection, which hands
   * the request back unrun (RETRY), instead of a new connection to a socket that is gone.
   */
  readonly #closed = new Map<number, PhpConnection>();
  readonly #opening = new Map<number, Promise<PhpConnection>>();
  readonly #connectTimeoutMs: number;

  constructor(connectTimeoutMs: number) {
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  /** The open connection to worker `workerId`, connecting to `socketPath` if there is none. */
  get(workerId: number, socketPath: string): PhpConnection | Promise<PhpConnection> {
    const existing = this.#connections.get(workerId) ?? this.#closed.get(workerId);
    if (existing !== undefined) return existing;
    const opening = this.#opening.get(workerId);
    if (opening !== undefined) return opening;

    const promise = PhpConnection.open(socketPath, this.#connectTimeoutMs).then(
      (conn) => {
        this.#opening.delete(workerId);
        this.#connections.set(workerId, conn);
        conn.onClose(() => {
          if (this.#connections.get(workerId) !== conn) return;
          this.#connections.delete(workerId);
          this.#closed.set(workerId, conn);
          if (this.#closed.size > CLOSED_KEPT) this.#closed.delete(this.#closed.keys().next().value!);
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

  /**
   * One exchange with worker `workerId` over this table's connection to it (opened first if
   * need be). Never rejects: a worker that cannot be reached is a `broken` outcome, and the
   * handler hears of it.
   */
  async exchange(workerId: number, socketPath: string, head: RequestHead, body: Uint8Array | null, handler: ResponseHandler): Promise<ExchangeOutcome> {
    const found = this.get(workerId, socketPath);
    if (!(found instanceof Promise)) return found.exchange(head, body, handler);
    let conn: PhpConnection;
    try {
      conn = await found;
    } catch (err) {
      const error = err instanceof BridgeError ? err : new BridgeError('WORKER_CONNECT_FAILED', String(err), { cause: err });
      handler.onError(error);
      return { kind: 'broken', error };
    }
    return conn.exchange(head, body, handler);
  }

  /** Drops (and closes) the connection to a worker that has been retired or killed. */
  forget(workerId: number): void {
    const conn = this.#connections.get(workerId);
    this.#connections.delete(workerId);
    this.#closed.delete(workerId);
    conn?.close();
  }

  closeAll(): void {
    for (const conn of this.#connections.values()) conn.close();
    this.#connections.clear();
    this.#closed.clear();
  }
}
