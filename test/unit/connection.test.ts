/**
 * PhpConnection against a fake PHP worker process (test/fixtures/fake-php.mjs) on a real Unix
 * socket: a consumer that throws is our bug, so its request fails with INTERNAL while the
 * connection — and the worker — stay in service; a worker's bad bytes break the exchange.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestHead } from '../../src/codec/messages.js';
import { PhpConnection, type ResponseHandler } from '../../src/pool/connection.js';
import type { BridgeError } from '../../src/errors.js';

const FAKE = new URL('../fixtures/fake-php.mjs', import.meta.url).pathname;
let fake: ChildProcess;
let socketPath: string;

beforeAll(async () => {
  socketPath = join(mkdtempSync(join(tmpdir(), 'lfd-conn-')), 'w.sock');
  fake = spawn(process.execPath, [FAKE], { env: { ...process.env, BRIDGE_SOCKET: socketPath }, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  await new Promise<void>((resolve) => fake.stdio[3]!.once('data', () => resolve()));
});
afterAll(() => {
  fake.kill('SIGKILL');
});

const head = (uri: string): RequestHead => ({
  method: 'GET', uri, headers: [], remote_addr: '127.0.0.1', remote_port: 0, server_addr: '127.0.0.1', server_port: 80, https: false, protocol: 'HTTP/1.1', time: 0,
});

function collect(throwIn?: 'onHead' | 'onBody' | 'onEnd'): ResponseHandler & { body: string; ended: boolean; errors: BridgeError[] } {
  const r = {
    body: '',
    ended: false,
    errors: [] as BridgeError[],
    onHead() {
      if (throwIn === 'onHead') throw new TypeError('bug in a consumer');
    },
    onBody(chunk: Buffer) {
      if (throwIn === 'onBody') throw new TypeError('bug in a consumer');
      r.body += chunk.toString();
    },
    onEnd() {
      if (throwIn === 'onEnd') throw new TypeError('bug in a consumer');
      r.ended = true;
    },
    onError(err: BridgeError) {
      r.errors.push(err);
    },
  };
  return r;
}

describe('PhpConnection (fake PHP worker)', () => {
  it.each(['onHead', 'onBody'] as const)('a consumer throwing in %s fails its request with INTERNAL; the connection serves the next one', async (where) => {
    const conn = await PhpConnection.open(socketPath, 2000);
    const broken = collect(where);
    const outcome = await conn.exchange(head('/stream?chunks=3'), null, broken);
    expect(outcome).toEqual({ kind: 'done', stopping: false });
    expect(broken.errors.map((e) => e.code)).toEqual(['INTERNAL']);
    expect(broken.errors[0]!.message).toContain('bug in a consumer');
    expect(conn.closed).toBe(false);
    const next = collect();
    expect(await conn.exchange(head('/ok'), null, next)).toEqual({ kind: 'done', stopping: false });
    expect(next.body).toMatch(/^fake ok/);
    expect(next.errors).toEqual([]);
    conn.close();
  });

  it('a consumer throwing in onEnd: the exchange is still done and the connection in step', async () => {
    const conn = await PhpConnection.open(socketPath, 2000);
    expect(await conn.exchange(head('/ok'), null, collect('onEnd'))).toEqual({ kind: 'done', stopping: false });
    const next = collect();
    await conn.exchange(head('/ok'), null, next);
    expect(next.ended).toBe(true);
    conn.close();
  });

  it('bytes that break the protocol end the exchange as broken, with the frame error', async () => {
    const conn = await PhpConnection.open(socketPath, 2000);
    const r = collect();
    const outcome = await conn.exchange(head('/wrong-id'), null, r);
    expect(outcome.kind).toBe('broken');
    expect(r.errors.map((e) => e.code)).toEqual(['FRAME_WRONG_REQUEST_ID']);
    expect(conn.closed).toBe(true);
  });

  describe('requests pipelined behind another', () => {
    it('are written at once, together, and answered in order', async () => {
      const conn = await PhpConnection.open(socketPath, 2000);
      const order: string[] = [];
      const handlers = [collect(), collect(), collect(), collect()];
      const uris = ['/slow?ms=150', '/ok', '/slow?ms=20', '/reads'];
      const outcomes = uris.map((uri, i) => conn.exchange(head(uri), null, handlers[i]!).then((o) => (order.push(uri), o)));
      for (const outcome of outcomes) expect(await outcome).toEqual({ kind: 'done', stopping: false });
      expect(order).toEqual(uris);
      for (const handler of handlers.slice(0, 3)) expect(handler.body).toMatch(/^fake ok/);
      // Sent in the same turn of the event loop: one write, so the worker read them all at once.
      expect(handlers[3]!.body).toBe('reads 1');
      conn.close();
    });

    it('are handed back unrun (retry) when the worker streams the one before them; the stream is untouched', async () => {
      const conn = await PhpConnection.open(socketPath, 2000);
      const stream = collect();
      const behind = collect();
      const behindToo = collect();
      const streamed = conn.exchange(head('/stream?chunks=3'), null, stream);
      const retried = conn.exchange(head('/ok'), null, behind);
      expect(await conn.exchange(head('/ok'), null, behindToo)).toEqual({ kind: 'retry' });
      expect(await retried).toEqual({ kind: 'retry' });
      expect(behind.body).toBe('');
      expect(behind.errors).toEqual([]);
      expect(behindToo.body).toBe('');
      expect(await streamed).toEqual({ kind: 'done', stopping: false });
      expect(stream.body).toBe('piece 1\npiece 2\npiece 3\n');
      conn.close();
    });

    it('is handed back when the connection closes under the one before it; only that one fails', async () => {
      const conn = await PhpConnection.open(socketPath, 2000);
      const broken = collect();
      const behind = collect();
      const first = conn.exchange(head('/truncated'), null, broken);
      const second = conn.exchange(head('/ok'), null, behind);
      expect((await first).kind).toBe('broken');
      expect(await second).toEqual({ kind: 'retry' });
      expect(broken.errors).toHaveLength(1);
      expect(behind.errors).toEqual([]);
      // Reserved on this worker after its connection closed: never sent, so handed back too.
      expect(await conn.exchange(head('/ok'), null, collect())).toEqual({ kind: 'retry' });
    });
  });
});

describe('PhpConnection: a worker that stops after its response', () => {
  it('answers the current request and hands the pipelined one back', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lfd-conn-stop-')), 'w.sock');
    const child = spawn(process.execPath, [FAKE], { env: { ...process.env, BRIDGE_SOCKET: path }, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    await new Promise<void>((resolve) => child.stdio[3]!.once('data', () => resolve()));
    const conn = await PhpConnection.open(path, 2000);
    const last = collect();
    const behind = collect();
    const first = conn.exchange(head('/stop'), null, last);
    const second = conn.exchange(head('/ok'), null, behind);
    expect(await first).toEqual({ kind: 'done', stopping: true });
    expect(last.ended).toBe(true);
    expect(await second).toEqual({ kind: 'retry' });
    expect(behind.errors).toEqual([]);
    child.kill('SIGKILL');
  });
});
