/**
 * Downloads the app hands over (nginx's X-Accel-Redirect): every request tells Laravel it may
 * (`X-Sendfile-Type: X-Sendfile`, php/src/Laravel/RequestFactory.php), so a BinaryFileResponse
 * (`response()->download()`, `->file()`) answers with its head and an `X-Sendfile: <path>`
 * header instead of the bytes. The PHP worker is then free at once, and the front door sends the
 * file itself: conditional requests, a single range, ETag/Last-Modified as for static files
 * (planResponse), backpressure (file-pump.ts). The app's own headers are kept (Content-Type,
 * Content-Disposition, cookies, Cache-Control); those the front door computes from the file
 * replace the app's (Content-Length, ranges and validators).
 *
 * Only files whose real path (symlinks resolved) lies under SENDFILE_ROOTS are sent; anything
 * else is a 502 with a log line, never the file.
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { BridgeError } from '../errors.js';
import type { HeaderPairs } from '../codec/messages.js';
import type { Logger } from '../logger.js';
import { pumpFile } from './file-pump.js';
import { endWithoutBody, forwardedHeaders, statusLine, writeError, type ResponseState } from './respond.js';
import { isInside } from './static-cache.js';
import { conditionalHeaders, planResponse } from './static-files.js';
import type { Uws } from './uws.js';

/** O_NONBLOCK: a FIFO named by the app must not hang a libuv thread. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** The app's headers the front door recomputes from the file it sends. */
const REPLACED = new Set(['content-length', 'content-range', 'accept-ranges', 'etag', 'last-modified', 'content-type']);

/** The file a PHP response hands over, or null. */
export function sendfilePath(headers: HeaderPairs): string | null {
  for (const [name, value] of headers) {
    if (name.length === 10 && name.toLowerCase() === 'x-sendfile') return value;
  }
  return null;
}

export class Sendfile {
  readonly #roots: readonly string[];
  readonly #log: Logger;

  constructor(roots: readonly string[], log: Logger) {
    this.#roots = roots;
    this.#log = log;
  }

  /**
   * Sends `path` for an app response of `status` with `appHeaders`; resolves with the status the
   * client got (499 if it left). `requestHeaders` carry the client's Range / If-* fields.
   */
  async serve(res: Uws.HttpResponse, state: ResponseState, isHead: boolean, status: number, appHeaders: HeaderPairs, path: string, requestHeaders: HeaderPairs): Promise<number> {
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      return this.#refuse(res, state, path, 'the file does not exist', 'SENDFILE_FORBIDDEN');
    }
    if (!this.#allowed(real)) return this.#refuse(res, state, path, `its real path ${real} is outside SENDFILE_ROOTS`, 'SENDFILE_FORBIDDEN');
    let fh: FileHandle;
    try {
      fh = await open(real, OPEN_FLAGS);
    } catch (err) {
      return this.#refuse(res, state, path, `cannot open it: ${(err as Error).message}`, 'SENDFILE_FORBIDDEN');
    }
    try {
      const st = await fh.stat();
      // The file opened may not be the one checked (swapped for a symlink meanwhile): check again.
      const opened = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => real);
      if (!st.isFile() || !this.#allowed(opened)) return this.#refuse(res, state, path, `it is not a regular file under SENDFILE_ROOTS (${opened})`, 'SENDFILE_FORBIDDEN');
      if (state.aborted) return 499;

      const contentType = appHeaders.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? 'application/octet-stream';
      // Ranges and conditional requests apply to the app's 200 (RFC 9110 §14.2, §13.2.1).
      const plan = status === 200 ? planResponse(isHead, conditionalHeaders(requestHeaders), st.size, st.mtimeMs, contentType) : { status, headers: [['Content-Type', contentType]] as HeaderPairs, start: 0, end: st.size };
      const kept = forwardedHeaders(appHeaders).filter(([name]) => !REPLACED.has(name.toLowerCase()));
      const headers: HeaderPairs = [...kept, ...plan.headers];
      const length = plan.end - plan.start;
      const noBody = plan.status === 304 || plan.status === 412 || plan.status === 416;
      if (isHead || noBody || length === 0) {
        if (state.aborted || state.done) return state.aborted ? 499 : plan.status;
        state.done = true;
        res.cork(() => {
          res.writeStatus(statusLine(plan.status));
          for (const [name, value] of headers) res.writeHeader(name, value);
          if (plan.status === 304) endWithoutBody(res, null, state.closeConnection);
          else if (isHead) endWithoutBody(res, length, state.closeConnection);
          else res.end(undefined, state.closeConnection);
        });
        return plan.status;
      }
      return await pumpFile(res, state, fh, { status: plan.status, headers, start: plan.start, end: plan.end }, (reason, sent, headersSent) => {
        this.#log.warn({ file: real, sent, total: length }, `sendfile: ${reason}`);
        return headersSent ? plan.status : writeError(res, state, new BridgeError('INTERNAL', reason));
      });
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  #allowed(real: string): boolean {
    return this.#roots.some((root) => isInside(root, real));
  }

  #refuse(res: Uws.HttpResponse, state: ResponseState, path: string, why: string, code: 'SENDFILE_FORBIDDEN'): number {
    this.#log.error({ file: path, code }, `sendfile: refused the file the app handed over (X-Sendfile): ${why}`);
    if (state.aborted) return 499;
    return writeError(res, state, new BridgeError(code, `X-Sendfile ${path}: ${why}`));
  }
}
