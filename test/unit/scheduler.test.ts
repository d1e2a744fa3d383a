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

  describe('pipelining', () => {
    const pipelining = (maxQueue = 10, cpuFull = (): boolean => true, depth = 1, spreadUpTo?: number): WorkerScheduler =>
      new WorkerScheduler({ maxQueue, pipelineWindowMs: 50, pipelineDepth: depth, cpuFull, ...(spreadUpTo === undefined ? {} : { spreadUpTo }) });
    // Every request here is of a quick route answering in 1 ms on average (the second argument of acquire), unless a test says otherwise.
    const quick = (s: WorkerScheduler, urgent = false, ms = 1): PhpWorker | QueuedAcquire => s.acquire(urgent, ms);

    it('with no idle worker, sends the request behind the busy worker where it starts soonest, and asks for more workers', () => {
      const s = pipelining();
      const pressure: number[] = [];
      s.on('pressure', (n) => pressure.push(n));
      s.offer(worker(1));
      s.offer(worker(2));
      const first = now(quick(s, false, 40)); // 40 ms expected
      const second = now(quick(s, false, 2)); // 2 ms expected: the sooner start
      expect(first.inFlight).toBe(1);
      const behind = now(quick(s));
      expect(behind).toBe(second);
      expect(second.inFlight).toBe(2);
      expect(second.behind).toEqual([1]);
      // PIPELINE_DEPTH 1: the second is full, the first takes the next one.
      expect(now(quick(s))).toBe(first);
      expect(first.inFlight).toBe(2);
      queued(quick(s));
      expect(s.waiting).toBe(1);
      expect(pressure).toEqual([0, 0, 1]);
    });

    it('up to PIPELINE_DEPTH behind one worker, while the expected start stays within the window', () => {
      const s = pipelining(10, () => true, 3);
      const w = worker(1);
      s.offer(w);
      now(quick(s, false, 10));
      // Expected starts: 10, 35, then 60 ms (not within the 50 ms window).
      expect(now(quick(s, false, 25))).toBe(w);
      expect(now(quick(s, false, 25))).toBe(w);
      queued(quick(s));
      expect(w.inFlight).toBe(3);
      expect(w.behind).toEqual([25, 25]);

      const t = pipelining(10, () => true, 3);
      const x = worker(2);
      t.offer(x);
      now(quick(t));
      now(quick(t));
      now(quick(t));
      now(quick(t));
      // Depth 3 reached although the expected start (3 ms) is well within the window.
      queued(quick(t));
      expect(x.inFlight).toBe(4);
    });

    it('with the CPU not full, only where the request is expected to start within a tenth of the window', () => {
      let full = false;
      const s = pipelining(10, () => full, 8);
      const w = worker(1);
      s.offer(w);
      now(quick(s, false, 2));
      expect(now(quick(s, false, 2))).toBe(w); // starts in about 2 ms: under 5
      expect(now(quick(s, false, 2))).toBe(w); // about 4 ms
      queued(quick(s)); // about 6 ms: queued (the pool may grow)
      full = true;
      // Full now, but one is queued already: the newcomer queues behind it (arrival order).
      queued(quick(s));
      expect(w.inFlight).toBe(3);
      expect(s.waiting).toBe(2);
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

    it('when the current request ends, the first pipelined one is current and the oldest waiters go behind it', async () => {
      const s = pipelining(10, () => true, 2);
      const w = worker(1);
      s.offer(w);
      now(quick(s, false, 1));
      now(quick(s, false, 3));
      now(quick(s, false, 5));
      const waiting = queued(quick(s, false, 7));
      s.release(w);
      expect(await waiting.promise).toBe(w);
      expect(w.inFlight).toBe(3);
      expect(w.currentEstimate).toBe(3);
      expect(w.behind).toEqual([5, 7]);
      s.release(w);
      s.release(w);
      s.release(w);
      expect(w.inFlight).toBe(0);
      expect(w.state).toBe('idle');
    });

    it('requests handed back (RETRY) leave the worker with its current request and take nothing new; they go ahead of the queue', async () => {
      const s = pipelining(10, () => true, 2);
      const w = worker(1);
      s.offer(w);
      now(quick(s));
      now(quick(s));
      now(quick(s));
      s.streaming(w);
      const older = queued(quick(s));
      s.release(w, false);
      s.release(w, false);
      expect(w.inFlight).toBe(1);
      expect(w.behind).toEqual([]);
      expect(w.streaming).toBe(true);
      const retried = queued(quick(s, true));
      expect(s.waiting).toBe(2);
      // The stream ends: the retried request gets the worker before the one that waited longer,
      // which goes behind it.
      s.release(w);
      expect(await retried.promise).toBe(w);
      expect(w.streaming).toBe(false);
      expect(await older.promise).toBe(w);
      expect(w.inFlight).toBe(2);
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

    it('never behind a request of a route not known to be quick, current or pipelined', () => {
      const s = pipelining(10, () => true, 4);
      const w = worker(1);
      s.offer(w);
      now(s.acquire(false, null)); // a slow (or unmeasured) route
      queued(quick(s));
      expect(w.inFlight).toBe(1);

      const t = pipelining(10, () => true, 4);
      const x = worker(2);
      t.offer(x);
      now(quick(t));
      expect(now(t.acquire(false, null))).toBe(x); // an unknown route may go behind a quick one...
      queued(quick(t)); // ...but nothing goes behind it
      expect(x.inFlight).toBe(2);
    });

    it('never with a window of 0', () => {
      const off = new WorkerScheduler({ maxQueue: 10, pipelineWindowMs: 0, pipelineDepth: 8 });
      const x = worker(2);
      off.offer(x);
      now(off.acquire(false, 1));
      queued(off.acquire(false, 1));
      expect(off.pipelines).toBe(false);
      expect(x.inFlight).toBe(1);
    });

    it('past `spreadUpTo` busy workers, a request goes behind a busy one before it wakes an idle one', () => {
      const s = pipelining(10, () => true, 4, 2);
      const [a, b, c] = [worker(1), worker(2), worker(3)];
      s.offer(c);
      s.offer(b);
      s.offer(a);
      expect(now(quick(s))).toBe(a);
      expect(now(quick(s))).toBe(b);
      // Two busy (the core count here): the third goes behind one of them, c stays asleep.
      const third = now(quick(s));
      expect([a, b]).toContain(third);
      expect(third.inFlight).toBe(2);
      expect(c.state).toBe('idle');
      // A request that cannot be pipelined (slow current requests everywhere) wakes c.
      const t = pipelining(10, () => true, 4, 1);
      const [x, y] = [worker(4), worker(5)];
      t.offer(y);
      t.offer(x);
      now(t.acquire(false, null));
      expect(now(quick(t))).toBe(y);
    });

    it('a request that arrives later never passes one queued: the freed worker takes the oldest, the next goes behind it', async () => {
      let full = false;
      const s = pipelining(10, () => full);
      const w = worker(1);
      s.offer(w);
      now(quick(s, false, 30));
      const first = queued(quick(s)); // the CPU had room: 30 ms is more than a tenth of the window
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
