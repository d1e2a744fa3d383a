import { describe, expect, it } from 'vitest';
import { PhpWorker, WorkerStateError, type WorkerState } from '../../src/pool/php-worker.js';

const STATES: WorkerState[] = ['booting', 'idle', 'busy', 'draining', 'stopping', 'exited'];

/** The whole table, written out: a transition added or lost in the code fails here. */
const ALLOWED: Record<WorkerState, WorkerState[]> = {
  booting: ['idle', 'stopping', 'exited'],
  idle: ['busy', 'stopping', 'exited'],
  busy: ['idle', 'draining', 'stopping', 'exited'],
  draining: ['stopping', 'exited'],
  stopping: ['exited'],
  exited: [],
};

/** A worker brought to `state` through allowed steps only. */
function workerIn(state: WorkerState): PhpWorker {
  const path: Record<WorkerState, WorkerState[]> = {
    booting: [],
    idle: ['idle'],
    busy: ['idle', 'busy'],
    draining: ['idle', 'busy', 'draining'],
    stopping: ['stopping'],
    exited: ['exited'],
  };
  const worker = new PhpWorker(1, '/tmp/w1');
  for (const step of path[state]) worker.moveTo(step);
  return worker;
}

describe('PhpWorker state machine', () => {
  const cases = STATES.flatMap((from) => STATES.map((to) => [from, to, ALLOWED[from].includes(to)] as const));

  it.each(cases)('%s → %s allowed: %s', (from, to, allowed) => {
    const worker = workerIn(from);
    expect(worker.state).toBe(from);
    if (allowed) {
      worker.moveTo(to);
      expect(worker.state).toBe(to);
    } else {
      expect(() => worker.moveTo(to)).toThrow(WorkerStateError);
      expect(worker.state).toBe(from);
    }
  });

  it('live (counts toward the pool) and ready (can take requests) by state', () => {
    const live = STATES.filter((s) => workerIn(s).live);
    const ready = STATES.filter((s) => workerIn(s).ready);
    expect(live).toEqual(['booting', 'idle', 'busy']);
    expect(ready).toEqual(['idle', 'busy']);
  });

  it('records when it became idle', () => {
    const worker = workerIn('busy');
    const before = Date.now();
    worker.moveTo('idle');
    expect(worker.idleSince).toBeGreaterThanOrEqual(before);
  });

  it('counts its requests in flight: the current one ending clears the stream mark, a pipelined one handed back does not', () => {
    const worker = workerIn('busy');
    worker.inFlight = 2;
    worker.streaming = true;
    expect(worker.finishOne(false)).toBe(1);
    expect(worker.streaming).toBe(true);
    expect(worker.finishOne()).toBe(0);
    expect(worker.streaming).toBe(false);
    // Never below zero (a health ping's worker handed back twice).
    expect(worker.finishOne()).toBe(0);
  });
});
