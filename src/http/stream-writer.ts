/**
 * Writes a streamed response (StreamedResponse, downloads, server-sent events) to the client as
 * PHP produces it. Chunks arrive from a thread over a MessagePort; each is acknowledged only
 * once uWS has taken it without backpressure (or after onWritable drained it), so the thread's
 * credit window bounds memory whatever the client's speed.
 *
 * With a Content-Length from the app the body goes out with tryEnd (the VideoStreamer pattern),
 * otherwise with chunked transfer encoding via write().
 */
import type { MessagePort } from 'node:worker_threads';
import { BridgeError, toBridgeError } from '../errors.js';
import type { HeaderPairs } from '../codec/messages.js';
import type { StreamControl, StreamMessage } from '../threads/stream-relay.js';
import { declaredLength, forwardedHeaders, statusLine, type ResponseState } from './respond.js';
import type { Uws } from './uws.js';

export type StreamOutcome = { ok: true; stopping: boolean; bytes: number } | { ok: false; error: BridgeError; bytes: number; stopping?: boolean };

export function pipeStream(
  res: Uws.HttpResponse,
  state: ResponseState,
  isHead: boolean,
  status: number,
  headers: HeaderPairs,
  port: MessagePort,
  idleTimeoutMs: number,
  done: (outcome: StreamOutcome) => void,
): void {
  const totalSize = declaredLength(headers) ?? -1;
  const noBody = isHead || status === 204 || status === 304;
  let bytes = 0;
  let finished = false;
  let cancelled = false;
  /** tryEnd mode: chunks not yet fully taken by uWS, in order; the head one may be half written. */
  const queue: Array<{ data: ArrayBuffer; skip: number }> = [];
  let headOffset = 0;
  /** write mode: bytes uWS accepted into its backpressure buffer, acknowledged once it drains. */
  let drainAck = 0;
  let ended = false;
  let endPending: { stopping: boolean } | null = null;

  const send = (message: StreamControl): void => {
    if (!finished) port.postMessage(message);
  };
  const cancel = (): void => {
    if (cancelled) return;
    cancelled = true;
    send({ t: 'cancel' });
  };
  const finish = (outcome: StreamOutcome): void => {
    if (finished) return;
    finished = true;
    clearTimeout(idleTimer);
    port.close();
    state.onAbort = undefined;
    done(outcome);
  };

  let idleTimer = setTimeout(onIdle, idleTimeoutMs);
  function onIdle(): void {
    cancel();
    if (!state.aborted && !state.done) {
      state.done = true;
      res.close();
    }
    finish({ ok: false, error: new BridgeError('REQUEST_TIMEOUT', `streamed response produced nothing for ${idleTimeoutMs} ms`), bytes });
  }

  state.onAbort = (): void => {
    cancel();
    // Nothing more can be written: release what is held back so the PHP side can run to its end.
    for (const item of queue) send({ t: 'ack', n: item.data.byteLength });
    queue.length = 0;
    if (drainAck > 0) send({ t: 'ack', n: drainAck });
    drainAck = 0;
    if (endPending !== null) complete(endPending.stopping);
  };
  res.cork(() => {
    res.writeStatus(statusLine(status));
    for (const [name, value] of forwardedHeaders(headers)) res.writeHeader(name, value);
  });

  const writable = (): boolean => !state.aborted && !state.done;

  /** tryEnd mode: pushes queued chunks until uWS pushes back. Returns false when blocked. */
  const pump = (): boolean => {
    while (queue.length > 0 && writable()) {
      const item = queue[0]!;
      const data = item.skip > 0 ? item.data.slice(item.skip) : item.data;
      headOffset = res.getWriteOffset();
      const [ok, responded] = res.tryEnd(data, totalSize);
      if (responded) {
        ended = true;
        state.done = true; // uWS has finished the response: no further call on res is allowed
      }
      if (!ok) return false;
      queue.shift();
      send({ t: 'ack', n: item.data.byteLength });
    }
    if (queue.length === 0 && endPending !== null) {
      const { stopping } = endPending;
      endPending = null;
      complete(stopping);
    }
    return true;
  };

  const complete = (stopping: boolean): void => {
    if (writable()) {
      state.done = true;
      res.cork(() => {
        if (noBody) {
          // See respond.ts: endWithoutBody(n > 0) leaves the response unfinished in uWS 20.30.
          if (isHead && totalSize > 0) res.writeHeader('Content-Length', String(totalSize));
          res.endWithoutBody();
        }
        else if (totalSize < 0) res.end();
        else if (!ended) {
          if (totalSize === 0) res.end();
          else res.close(); // the app sent less than its Content-Length: do not pass it off as whole
        }
      });
    }
    finish({ ok: true, stopping, bytes });
  };

  res.onWritable((offset) => {
    if (!writable()) return true;
    if (totalSize < 0) {
      if (drainAck > 0) send({ t: 'ack', n: drainAck });
      drainAck = 0;
      return true;
    }
    const item = queue[0];
    if (item) item.skip += offset - headOffset;
    let ok = true;
    res.cork(() => {
      ok = pump();
    });
    return ok;
  });

  port.on('message', (message: StreamMessage) => {
    if (finished) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(onIdle, idleTimeoutMs);

    if (message.t === 'chunk') {
      const length = message.data.byteLength;
      bytes += length;
      if (!writable() || noBody || ended) {
        send({ t: 'ack', n: length });
        return;
      }
      if (totalSize >= 0) {
        queue.push({ data: message.data, skip: 0 });
        if (queue.length === 1) res.cork(() => void pump());
        return;
      }
      // write() keeps whatever it cannot send in uWS's own buffer, in order; the ack waits for it to drain.
      let ok = true;
      res.cork(() => {
        ok = res.write(message.data);
      });
      if (ok && drainAck === 0) send({ t: 'ack', n: length });
      else drainAck += length;
      return;
    }

    if (message.t === 'end') {
      if (queue.length > 0 && writable()) {
        endPending = { stopping: message.stopping };
        return;
      }
      complete(message.stopping);
      return;
    }

    // The worker failed mid-stream: the status line is already out, so cut the connection, as
    // nginx does, rather than let the client take a truncated body for a whole one.
    if (writable()) {
      state.done = true;
      res.close();
    }
    finish({ ok: false, error: toBridgeError(message.error), bytes, stopping: message.stopping });
  });
}
