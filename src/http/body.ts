/**
 * Reads a request body from uWS with the size limit enforced while it arrives.
 *
 * uWS hands out each chunk in a buffer that is detached right after the callback, so every chunk
 * is copied; with a Content-Length the copies go straight into one ArrayBuffer of exactly that
 * size, which is then transferred (not copied) to the worker thread.
 */
import type { Uws } from './uws.js';
import { traffic } from '../metrics/traffic.js';

export type BodyResult = { ok: true; body: ArrayBuffer } | { ok: false; tooLarge: boolean };

/**
 * @param declaredLength Content-Length, or -1 when the body is chunked / unknown.
 */
export function readBody(res: Uws.HttpResponse, declaredLength: number, limit: number, done: (result: BodyResult) => void): void {
  if (declaredLength >= 0) {
    const body = new ArrayBuffer(declaredLength);
    const view = new Uint8Array(body);
    let offset = 0;
    let finished = false;
    res.onData((chunk, isLast) => {
      if (finished) return;
      traffic.bytesIn += chunk.byteLength;
      if (offset + chunk.byteLength > declaredLength) {
        finished = true;
        done({ ok: false, tooLarge: false });
        return;
      }
      view.set(new Uint8Array(chunk), offset);
      offset += chunk.byteLength;
      if (isLast) {
        finished = true;
        done(offset === declaredLength ? { ok: true, body } : { ok: false, tooLarge: false });
      }
    });
    return;
  }

  const chunks: Uint8Array[] = [];
  let total = 0;
  let finished = false;
  res.onData((chunk, isLast) => {
    if (finished) return;
    traffic.bytesIn += chunk.byteLength;
    total += chunk.byteLength;
    if (total > limit) {
      finished = true;
      done({ ok: false, tooLarge: true });
      return;
    }
    if (chunk.byteLength > 0) chunks.push(new Uint8Array(chunk.slice(0)));
    if (isLast) {
      finished = true;
      const body = new ArrayBuffer(total);
      const view = new Uint8Array(body);
      let offset = 0;
      for (const part of chunks) {
        view.set(part, offset);
        offset += part.byteLength;
      }
      done({ ok: true, body });
    }
  });
}
