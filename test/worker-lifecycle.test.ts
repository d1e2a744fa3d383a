/**
 * The worker record's life through the supervisor and the scheduler, with a fake PHP worker
 * (test/fixtures/fake-php.mjs, a real process speaking the frame protocol on a real socket):
 * boot, serve, the health check's memory recycle, a crash while busy, a kill, and a retire
 * while a response is still streaming.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { PhpConnection, type ExchangeOutcome, type ResponseHandler } from '../src/pool/connection.js';
import type { PhpWorker } from '../src/pool/php-worker.js';
import { WorkerScheduler } from '../src/pool/scheduler.js';
import { replacementLead, Supervisor } from '../src/supervisor/supervisor.js';
import type { RequestHead } from '../src/codec/messages.js';
import { ROOT } from './helpers/server.js';

const FAKE_PHP = join(ROOT, 'test', 'fixtures', 'fake-php.mjs');
const running: Supervisor[] = [];

afterEach(async () => {
  for (const supervisor of running.splice(0)) await supervisor.stop(2_000);
});

function start(env: Record<string, string> = {}): { supervisor: Supervisor; scheduler: WorkerScheduler } {
  const dir = mkdtempSync(join(tmpdir(), 'lfd-life-'));
  const config = loadConfig({
    cwd: dir,
    env: {
      PATH: process.env['PATH'],
      PHP_PATH: FAKE_PHP,
      LARAVEL_PATH: join(ROOT, 'example'),
      SOCKET_PATH: join(dir, 'bridge.sock'),
      SOCKET_POOL_MIN: '1',
      SOCKET_POOL_MAX: '1',
      SOCKET_HEALTH_CHECK_INTERVAL: '0',
      ...env,
    },
  });
  const scheduler = new WorkerScheduler({ maxQueue: 16, pipelineWindowMs: 0 });
  const supervisor = new Supervisor(config, scheduler, pino({ level: 'silent' }));
  running.push(supervisor);
  return { supervisor, scheduler };
}

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const idleWorker = (supervisor: Supervisor): PhpWorker | undefined => [...supervisor.workers()].find((w) => w.state === 'idle');

async function acquire(scheduler: WorkerScheduler): Promise<PhpWorker> {
  const got = scheduler.acquire();
  return 'promise' in got ? got.promise : got;
}

const head = (uri: string): RequestHead => ({
  method: 'GET', uri, headers: [], remote_addr: '127.0.0.1', remote_port: 0, server_addr: '127.0.0.1', server_port: 80, https: false, protocol: 'HTTP/1.1', time: 0,
});

/** A consumer that records what arrives; `onFirstChunk` runs once. */
function recorder(onFirstChunk?: () => void): ResponseHandler & { body: string; ended: boolean; error: string | null } {
  const r = {
    body: '',
    ended: false,
    error: null as string | null,
    onHead: () => undefined,
    onBody(chunk: Buffer) {
      const first = r.body === '';
      r.body += chunk.toString();
      if (first) onFirstChunk?.();
    },
    onEnd: () => {
      r.ended = true;
    },
    onError: (err: { code: string }) => {
      r.error = err.code;
    },
  };
  return r;
}

async function exchange(worker: PhpWorker, uri: string, handler: ResponseHandler): Promise<ExchangeOutcome> {
  const conn = await PhpConnection.open(worker.socketPath, 2_000);
  try {
    return await conn.exchange(head(uri), null, handler);
  } finally {
    conn.close();
  }
}

describe('the worker record through supervisor and scheduler (fake PHP worker)', () => {
  it('boots to idle, serves while busy, and goes back to idle with its request counted', async () => {
    const { supervisor, scheduler } = start();
    await supervisor.start();
    const worker = await until('an idle worker', () => idleWorker(supervisor));
    expect(worker.pid).toBeGreaterThan(0);
    const busy = await acquire(scheduler);
    expect(busy).toBe(worker);
    expect(worker.state).toBe('busy');
    const r = recorder();
    const outcome = await exchange(worker, '/ok', r);
    expect(r.body).toMatch(/^fake ok \d+$/);
    expect(outcome).toEqual({ kind: 'done', stopping: false });
    supervisor.settle(worker, outcome);
    expect(worker.state).toBe('idle');
    expect(worker.served).toBe(1);
  });

  it('a worker the health check finds over WORKER_MEMORY_LIMIT is stopped and replaced (it used to sit out of rotation for good)', async () => {
    // The fake worker reads FAKE_MEMORY from the environment the supervisor passes on.
    process.env['FAKE_MEMORY'] = String(512 * 1024 * 1024);
    const { supervisor } = start({ WORKER_MEMORY_LIMIT: '128' });
    try {
      await supervisor.start();
    } finally {
      delete process.env['FAKE_MEMORY'];
    }
    const first = await until('an idle worker', () => idleWorker(supervisor));
    await supervisor.healthCheck();
    expect(first.leaveReason).toBe('memory');
    await until('the old worker to exit', () => first.state === 'exited');
    const next = await until('a replacement', () => idleWorker(supervisor));
    expect(next.id).not.toBe(first.id);
    expect(supervisor.liveCount).toBe(1);
  });

  it('a healthy ping hands the worker back idle, without counting a request', async () => {
    const { supervisor } = start();
    await supervisor.start();
    const worker = await until('an idle worker', () => idleWorker(supervisor));
    await supervisor.healthCheck();
    expect(worker.state).toBe('idle');
    expect(worker.served).toBe(0);
  });

  it('a crash while busy: the exchange is broken, the worker killed and replaced', async () => {
    const { supervisor, scheduler } = start();
    await supervisor.start();
    const worker = await acquire(scheduler);
    const r = recorder();
    const outcome = await exchange(worker, '/exit', r);
    expect(outcome.kind).toBe('broken');
    expect(r.error).toBe('WORKER_CRASHED');
    supervisor.settle(worker, outcome);
    expect(['stopping', 'exited']).toContain(worker.state);
    await until('the crashed worker to be gone', () => worker.state === 'exited');
    const next = await until('a replacement', () => idleWorker(supervisor));
    expect(next.id).not.toBe(worker.id);
  });

  it('a worker killed mid-request (its request timed out) is not handed back when the exchange ends', async () => {
    const { supervisor, scheduler } = start();
    await supervisor.start();
    const worker = await acquire(scheduler);
    const pending = exchange(worker, '/stream?chunks=40', recorder());
    await new Promise((resolve) => setTimeout(resolve, 100));
    supervisor.kill(worker, 'timeout', 'test: ran past REQUEST_TIMEOUT');
    expect(worker.state).toBe('stopping');
    const outcome = await pending;
    expect(outcome.kind).toBe('broken');
    supervisor.settle(worker, outcome);
    expect(worker.served).toBe(0);
    expect(worker.leaveReason).toBe('timeout');
    await until('a replacement', () => idleWorker(supervisor));
  });

  it('a worker retired while streaming finishes the stream, then stops', async () => {
    const { supervisor, scheduler } = start();
    await supervisor.start();
    const worker = await acquire(scheduler);
    const r = recorder(() => supervisor.retire(worker, 'reload'));
    const outcome = await exchange(worker, '/stream?chunks=6', r);
    expect(worker.state).toBe('draining');
    expect(r.ended).toBe(true);
    expect(r.body.trim().split('\n')).toEqual(['piece 1', 'piece 2', 'piece 3', 'piece 4', 'piece 5', 'piece 6']);
    supervisor.settle(worker, outcome);
    expect(worker.state).toBe('stopping');
    await until('the retired worker to exit', () => worker.state === 'exited');
    await until('a replacement', () => idleWorker(supervisor));
    expect(worker.served).toBe(1);
  });

  it('a worker nearing MAX_REQUESTS has its replacement booted before it recycles, so the pool is never a worker short', async () => {
    // MAX_REQUESTS=5: the replacement boots after the 4th request (replacementLead(5) = 1).
    expect(replacementLead(5)).toBe(1);
    expect(replacementLead(100_000)).toBe(1_000);
    const { supervisor, scheduler } = start({ MAX_REQUESTS: '5' });
    await supervisor.start();
    const old = await until('an idle worker', () => idleWorker(supervisor));
    for (let i = 1; i <= 4; i++) {
      const worker = await acquire(scheduler);
      expect(worker).toBe(old);
      supervisor.settle(worker, await exchange(worker, '/ok', recorder()));
      if (i < 4) expect(supervisor.liveCount).toBe(1);
    }
    // Booting beside the old worker, which still serves.
    expect(supervisor.liveCount).toBe(2);
    const fresh = await until('the replacement ready', () => [...supervisor.workers()].find((w) => w !== old && w.state === 'idle'));
    expect(old.state).toBe('idle');
    // The 5th request is the old worker's last (the fake worker says so with /stop, as PHP does
    // at MAX_REQUESTS). Reserved by name: the scheduler would hand out the fresh worker first.
    expect(scheduler.take(old)).toBe(true);
    supervisor.settle(old, await exchange(old, '/stop', recorder()));
    expect(old.state).toBe('stopping');
    expect(old.leaveReason).toBe('recycled');
    // The replacement serves at once, and no third worker is started for the old one's exit.
    expect(supervisor.readyCount).toBe(1);
    await until('the old worker gone', () => ![...supervisor.workers()].includes(old));
    expect(supervisor.liveCount).toBe(1);
    expect(await acquire(scheduler)).toBe(fresh);
  });
});
