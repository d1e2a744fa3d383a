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
    const s = new WorkerScheduler({ maxQueue: 10, pipelineWindowMs: 0 });
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
    const s = new WorkerScheduler({ maxQueue: 10, pipelineWindowMs: 0 });
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
    const s = new WorkerScheduler({ maxQueue: 1, pipelineWindowMs: 0 });
    s.offer(worker(1));
    s.acquire();
    queued(s.acquire());
    await expect(queued(s.acquire()).promise).rejects.toMatchObject({ code: 'QUEUE_FULL' });
  });

  it('a cancelled wait frees its queue room and never receives a worker', async () => {
    const s = new WorkerScheduler({ maxQueue: 1, pipelineWindowMs: 0 });
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
    const s = new WorkerScheduler({ maxQueue: 10, pipelineWindowMs: 0 });
    const pressure: number[] = [];
    s.on('pressure', (n) => pressure.push(n));
    s.acquire();
    s.acquire();
    expect(pressure).toEqual([1, 2]);
  });

  it('take() reserves one specific idle worker; forget() stops offering a worker', () => {
    const s = new WorkerScheduler({ maxQueue: 10, pipelineWindowMs: 0 });
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
    const s = new WorkerScheduler({ maxQueue: 10, pipelineWindowMs: 0 });
    const a = queued(s.acquire());
    s.close(new BridgeError('SHUTTING_DOWN', 'bye'));
    await expect(a.promise).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    await expect(queued(s.acquire()).promise).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });

  describe('pipelining one deep', () => {
    const pipelining = (maxQueue = 10, when = (): boolean => true): WorkerScheduler => new WorkerScheduler({ maxQueue, pipelineWindowMs: 50, pipelineWhen: when });
    // Every request here is of a quick route (the second argument of acquire), unless a test says otherwise.
    const quick = (s: WorkerScheduler, urgent = false): PhpWorker | QueuedAcquire => s.acquire(urgent, true);

    it('with no idle worker, sends the request behind the busy worker whose request began last, and asks for more workers', () => {
      const s = pipelining();
      const pressure: number[] = [];
      s.on('pressure', (n) => pressure.push(n));
      s.offer(worker(1));
      s.offer(worker(2));
      const first = now(quick(s));
      const second = now(quick(s));
      expect(first.inFlight).toBe(1);
      const behind = now(quick(s));
      expect(behind).toBe(second);
      expect(second.inFlight).toBe(2);
      expect(now(quick(s))).toBe(first);
      expect(first.inFlight).toBe(2);
      // One deep only: the next one waits in the queue.
      queued(quick(s));
      expect(s.waiting).toBe(1);
      expect(pressure).toEqual([0, 0, 1]);
    });

    it('never pipelines behind a streamed response, a draining worker or one answering a health ping', () => {
      const s = pipelining();
      const [a, b, c] = [worker(1), worker(2), worker(3)];
      s.offer(a);
      s.offer(b);
      s.offer(c);
      expect(s.take(c)).toBe(true);
      now(quick(s)); // b
      now(quick(s)); // a
      s.streaming(b);
      a.moveTo('draining');
      queued(quick(s));
      expect(s.waiting).toBe(1);
      expect(a.inFlight).toBe(1);
      expect(b.inFlight).toBe(1);
      expect(c.inFlight).toBe(1);
    });

    it('when the current request ends, the pipelined one is current and the next waiter goes behind it', async () => {
      const s = pipelining();
      const w = worker(1);
      s.offer(w);
      now(quick(s));
      now(quick(s));
      const waiting = queued(quick(s));
      s.release(w);
      expect(await waiting.promise).toBe(w);
      expect(w.inFlight).toBe(2);
      s.release(w);
      s.release(w);
      expect(w.inFlight).toBe(0);
      expect(w.state).toBe('idle');
    });

    it('a request handed back (RETRY) leaves the worker with its current request and takes nothing new; it goes ahead of the queue', async () => {
      const s = pipelining();
      const w = worker(1);
      s.offer(w);
      now(quick(s));
      now(quick(s));
      s.streaming(w);
      const older = queued(quick(s));
      s.release(w, false);
      expect(w.inFlight).toBe(1);
      expect(w.streaming).toBe(true);
      const retried = queued(quick(s, true));
      expect(s.waiting).toBe(2);
      // The stream ends: the retried request gets the worker before the one that waited longer.
      s.release(w);
      expect(await retried.promise).toBe(w);
      expect(w.streaming).toBe(false);
      s.release(w);
      expect(await older.promise).toBe(w);
    });

    it('never behind a request that began more than PIPELINE_WINDOW_MS ago (a slow one collects none)', async () => {
      const s = pipelining();
      const w = worker(1);
      s.offer(w);
      now(quick(s));
      await new Promise((resolve) => setTimeout(resolve, 80));
      const waiting = queued(quick(s));
      expect(w.inFlight).toBe(1);
      // Its next request is young again: the waiter goes behind it.
      s.release(w);
      expect(await waiting.promise).toBe(w);
      expect(now(quick(s))).toBe(w);
      expect(w.inFlight).toBe(2);
    });

    it('never behind a request of a route not known to be quick', () => {
      const s = pipelining();
      const w = worker(1);
      s.offer(w);
      now(s.acquire(false, false)); // a slow (or unmeasured) route
      queued(quick(s));
      expect(w.inFlight).toBe(1);
    });

    it('never while the CPU has room (the supervisor says), nor with a window of 0', () => {
      let full = false;
      const s = pipelining(10, () => full);
      const w = worker(1);
      s.offer(w);
      now(quick(s));
      queued(quick(s));
      expect(w.inFlight).toBe(1);
      full = true;
      // Full now, but one is queued already: the newcomer queues behind it (arrival order).
      queued(quick(s));
      expect(w.inFlight).toBe(1);
      expect(s.waiting).toBe(2);
      const off = new WorkerScheduler({ maxQueue: 10, pipelineWindowMs: 0 });
      const x = worker(2);
      off.offer(x);
      now(off.acquire());
      queued(off.acquire());
      expect(off.pipelines).toBe(false);
      expect(x.inFlight).toBe(1);
    });

    it('a request that arrives later never passes one queued: the freed worker takes the oldest, the next goes behind it', async () => {
      let full = false;
      const s = pipelining(10, () => full);
      const w = worker(1);
      s.offer(w);
      now(quick(s));
      const first = queued(quick(s)); // the CPU had room: queued, not pipelined
      full = true;
      const second = queued(quick(s));
      const third = queued(quick(s));
      s.release(w);
      expect(await first.promise).toBe(w);
      expect(await second.promise).toBe(w);
      expect(w.inFlight).toBe(2);
      expect(s.waiting).toBe(1);
      // The pipelined one becomes current; the third goes behind it.
      s.release(w);
      expect(await third.promise).toBe(w);
      expect(w.inFlight).toBe(2);
      expect(s.waiting).toBe(0);
    });

    it('a retried request is queued even when MAX_QUEUE is reached', async () => {
      const s = pipelining(1);
      const w = worker(1);
      s.offer(w);
      now(quick(s));
      now(quick(s));
      queued(quick(s));
      await expect(queued(quick(s)).promise).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      const retried = queued(quick(s, true));
      expect(s.waiting).toBe(2);
      retried.cancel();
    });
  });
});
