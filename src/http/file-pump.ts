/**
 * Sends bytes [plan.start, plan.end) of an open file to uWS with backpressure: the one read loop
 * behind static files (src/http/static-files.ts) and downloads the app hands over
 * (src/http/sendfile.ts). It reads the next chunk only once uWS took the last (BodyWriter), so one
 * CHUNK-sized buffer per response is all the memory it holds, whatever the file's size.
 */
import type { FileHandle } from 'node:fs/promises';
import type { HeaderPairs } from '../codec/messages.js';
import { BodyWriter } from './body-writer.js';
import { statusLine, writeCloseHeader, type ResponseState } from './respond.js';
import type { Uws } from './uws.js';

/** Read size when streaming a file. */
export const CHUNK = 64 * 1024;

export interface FilePlan {
  status: number;
  headers: HeaderPairs;
  /** `start` inclusive, `end` exclusive; end > start. */
  start: number;
  end: number;
}

/**
 * Resolves with the status once the body is sent (499 if the client left). When the file
 * shrinks or a read fails, `cut(reason, sent)` is told: before the head went out it answers
 * (and returns the status); after, the connection is cut here, so a short body is never taken
 * for a whole one, and the plan's status is returned.
 */
export function pumpFile(res: Uws.HttpResponse, state: ResponseState, fh: FileHandle, plan: FilePlan, cut: (reason: string, sent: number, headersSent: boolean) => number): Promise<number> {
  const total = plan.end - plan.start;
  return new Promise<number>((resolve) => {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, total));
    let position = plan.start;
    let headersSent = false;
    let settled = false;
    const settle = (status: number): void => {
      if (settled) return;
      settled = true;
      state.onAbort = undefined;
      resolve(status);
    };
    state.onAbort = () => settle(499);
    const writer = new BodyWriter(res, state, total, () => void pump());

    const fail = (reason: string): void => {
      const status = cut(reason, position - plan.start, headersSent);
      if (headersSent) {
        writer.abort();
        settle(plan.status);
      } else {
        settle(status);
      }
    };

    const pump = async (): Promise<void> => {
      while (!settled) {
        // The last piece may have gone out in the writer's drain, which then resumes us: done.
        if (writer.complete) {
          settle(plan.status);
          return;
        }
        let bytesRead: number;
        try {
          ({ bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, plan.end - position), position));
        } catch (err) {
          if (!settled) fail(`read failed: ${(err as Error).message}`);
          return;
        }
        if (settled) return; // aborted while reading
        if (bytesRead === 0) {
          fail('file shrank while being sent');
          return;
        }
        position += bytesRead;
        let ok = true;
        res.cork(() => {
          if (!headersSent) {
            headersSent = true;
            res.writeStatus(statusLine(plan.status));
            writeCloseHeader(res, state);
            for (const [name, value] of plan.headers) res.writeHeader(name, value);
          }
          ok = writer.write(buffer.subarray(0, bytesRead));
        });
        if (writer.complete) {
          settle(plan.status);
          return;
        }
        if (!ok) return; // the writer's drain resumes the pump (the buffer is not reused until then)
      }
    };

    void pump();
  });
}
