import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
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
});
