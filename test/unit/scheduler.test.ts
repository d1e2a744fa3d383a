import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/errors.js';
import { PhpWorker } from '../../src/pool/php-worker.js';
import { WorkerScheduler, type QueuedAcquire } from '../../src/pool/scheduler.js';

const worker = (id: number): PhpWorker => new PhpWorker(id, `/tmp/w${id}`);
const queued = (value: PhpWorker | QueuedAcquire): QueuedAcquire => {
  if (value instanceof PhpWorker) throw new Error('expected to wait');
  return value;
};
const now = (value: PhpWorker | QueuedAcquire): PhpWorker => {
  if (!(value instanceof PhpWorker)) throw new Error('expected a worker at once');
  return value;
};

describe('WorkerScheduler', () => {
  it('hands out idle workers at once, most recently used first, and marks them busy', () => {
    const s = new WorkerScheduler(10);
    s.offer(worker(1));
    s.offer(worker(2));
    const first = now(s.acquire());
    expect(first.id).toBe(2);
    expect(first.state).toBe('busy');
    s.offer(first);
    expect(first.state).toBe('idle');
    expect(now(s.acquire()).id).toBe(2);
  });

  it('queues requests in arrival order when all workers are busy; a freed worker goes to the oldest, staying busy', async () => {
    const s = new WorkerScheduler(10);
    const w = worker(1);
    s.offer(w);
    const busy = now(s.acquire());
    const a = queued(s.acquire());
    const b = queued(s.acquire());
    expect(s.waiting).toBe(2);
    s.offer(busy);
    expect(await a.promise).toBe(w);
    expect(w.state).toBe('busy');
    s.offer(w);
    expect(await b.promise).toBe(w);
    expect(s.waiting).toBe(0);
  });

  it('rejects with QUEUE_FULL at once when MAX_QUEUE requests already wait', async () => {
    const s = new WorkerScheduler(1);
    s.offer(worker(1));
    s.acquire();
    queued(s.acquire());
    await expect(queued(s.acquire()).promise).rejects.toMatchObject({ code: 'QUEUE_FULL' });
  });

  it('a cancelled wait frees its queue room and never receives a worker', async () => {
    const s = new WorkerScheduler(1);
    const w = worker(1);
    s.offer(w);
    const busy = now(s.acquire());
    const gone = queued(s.acquire());
    gone.cancel();
    expect(s.waiting).toBe(0);
    const next = queued(s.acquire());
    s.offer(busy);
    expect(await next.promise).toBe(w);
    let settled = false;
    void gone.promise.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
  });

  it('asks for more workers when a request has to wait', () => {
    const s = new WorkerScheduler(10);
    const pressure: number[] = [];
    s.on('pressure', (n) => pressure.push(n));
    s.acquire();
    s.acquire();
    expect(pressure).toEqual([1, 2]);
  });

  it('take() reserves one specific idle worker; forget() stops offering a worker', () => {
    const s = new WorkerScheduler(10);
    const a = worker(1);
    const b = worker(2);
    s.offer(a);
    s.offer(b);
    expect(s.take(a)).toBe(true);
    expect(a.state).toBe('busy');
    expect(s.take(a)).toBe(false);
    s.forget(b);
    expect(s.idleCount).toBe(0);
    expect(s.acquire()).not.toBeInstanceOf(PhpWorker);
  });

  it('rejects every waiter on close', async () => {
    const s = new WorkerScheduler(10);
    const a = queued(s.acquire());
    s.close(new BridgeError('SHUTTING_DOWN', 'bye'));
    await expect(a.promise).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    await expect(queued(s.acquire()).promise).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});
