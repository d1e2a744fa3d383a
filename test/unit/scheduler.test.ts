import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/errors.js';
import { WorkerScheduler, type QueuedAcquire, type WorkerSlot } from '../../src/pool/scheduler.js';

const slot = (id: number): WorkerSlot => ({ id, pid: 1000 + id, socketPath: `/tmp/w${id}`, served: 0, idleSince: 0, state: 'idle' });
const queued = (value: WorkerSlot | QueuedAcquire): QueuedAcquire => {
  if (!('promise' in value)) throw new Error('expected to wait');
  return value;
};

describe('WorkerScheduler', () => {
  it('hands out idle workers at once, most recently used first', () => {
    const s = new WorkerScheduler(10);
    s.add(slot(1));
    s.add(slot(2));
    const first = s.acquire() as WorkerSlot;
    expect(first.id).toBe(2);
    s.release(first);
    expect((s.acquire() as WorkerSlot).id).toBe(2);
  });

  it('queues requests in arrival order when all workers are busy', async () => {
    const s = new WorkerScheduler(10);
    const w = slot(1);
    s.add(w);
    const busy = s.acquire() as WorkerSlot;
    const a = queued(s.acquire());
    const b = queued(s.acquire());
    expect(s.waiting).toBe(2);
    s.release(busy);
    expect(await a.promise).toBe(w);
    s.release(w);
    expect(await b.promise).toBe(w);
    expect(s.waiting).toBe(0);
  });

  it('rejects with QUEUE_FULL at once when MAX_QUEUE requests already wait', async () => {
    const s = new WorkerScheduler(1);
    s.add(slot(1));
    s.acquire();
    queued(s.acquire());
    await expect(queued(s.acquire()).promise).rejects.toMatchObject({ code: 'QUEUE_FULL' });
  });

  it('a cancelled wait frees its queue room and never receives a worker', async () => {
    const s = new WorkerScheduler(1);
    const w = slot(1);
    s.add(w);
    const busy = s.acquire() as WorkerSlot;
    const gone = queued(s.acquire());
    gone.cancel();
    expect(s.waiting).toBe(0);
    const next = queued(s.acquire());
    s.release(busy);
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

  it('retires a busy worker when its request ends, and an idle one at once', () => {
    const s = new WorkerScheduler(10);
    const removed: number[] = [];
    s.on('removed', (w) => removed.push(w.id));
    s.add(slot(1));
    s.add(slot(2));
    const busy = s.acquire() as WorkerSlot;
    s.retire(busy.id);
    expect(removed).toEqual([]);
    s.release(busy);
    expect(removed).toEqual([busy.id]);
    s.retire(1);
    expect(removed).toEqual([2, 1]);
    expect(s.size).toBe(0);
  });

  it('drops a worker that announced it stops, instead of reusing it', () => {
    const s = new WorkerScheduler(10);
    s.add(slot(1));
    const w = s.acquire() as WorkerSlot;
    s.release(w, true);
    expect(s.size).toBe(0);
    expect('promise' in s.acquire()).toBe(true);
  });

  it('rejects every waiter on close', async () => {
    const s = new WorkerScheduler(10);
    const a = queued(s.acquire());
    s.close(new BridgeError('SHUTTING_DOWN', 'bye'));
    await expect(a.promise).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    await expect(queued(s.acquire()).promise).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});
