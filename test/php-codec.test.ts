/**
 * The PHP codec against the same vectors the TypeScript codec passes, and a fuzz run of the PHP
 * decoder: both scripts print "N passed, M failed" and exit non-zero on any failure.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/server.js';

function runPhp(script: string): string {
  return execFileSync('php', [join(ROOT, 'php', 'tests', script)], { encoding: 'utf8', timeout: 60_000 });
}

describe('PHP frame codec', () => {
  it('passes the shared vectors byte for byte', () => {
    const out = runPhp('vectors.php');
    const match = /(\d+) passed, (\d+) failed/.exec(out);
    expect(match, out).not.toBeNull();
    expect(Number(match![2])).toBe(0);
    expect(Number(match![1])).toBeGreaterThanOrEqual(23);
  });

  it('turns random bytes into a typed FrameException, never a crash or a hang', () => {
    const out = runPhp('fuzz-decoder.php');
    const match = /(\d+) passed, (\d+) failed/.exec(out);
    expect(match, out).not.toBeNull();
    expect(Number(match![2])).toBe(0);
    expect(Number(match![1])).toBeGreaterThan(1000);
  });
});
