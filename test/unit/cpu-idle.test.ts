import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CpuIdleMeter } from '../../src/supervisor/cpu-idle.js';

describe('CpuIdleMeter', () => {
  it('reads less idle CPU while this process keeps a core busy', async () => {
    const meter = new CpuIdleMeter();
    await new Promise((resolve) => setTimeout(resolve, 300));
    meter.idleShare();
    const until = Date.now() + 400;
    while (Date.now() < until) {
      // Spin: one core fully busy for the whole window.
    }
    const share = meter.idleShare();
    expect(share).toBeGreaterThanOrEqual(0);
    // One of N cores busy leaves at most (N-1)/N idle (plus a margin for the kernel's accounting).
    expect(share).toBeLessThan((availableParallelism() - 1) / availableParallelism() + 0.1);
  });

  describe('the first windows of a load', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('a window older than two seconds (the quiet before a load) is restarted and reads as no room, and so does the next one', () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const meter = new CpuIdleMeter();
      vi.advanceTimersByTime(60_000); // an hour's quiet would read as all idle
      expect(meter.idleShare()).toBe(0);
      vi.advanceTimersByTime(300);
      // The lower of the last two windows: the restarted one counts as none.
      expect(meter.idleShare()).toBe(0);
      vi.advanceTimersByTime(300);
      const share = meter.idleShare();
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
    });
  });
});
