/**
 * `npm run status` against a running pool: the table of PHP workers and the pool figures, and
 * `--json` for scripts (src/cli/control.ts over the control socket).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control, waitFor } from './helpers/control.js';
import { ROOT, startServer, type RunningServer } from './helpers/server.js';

const run = promisify(execFile);
const CLI = join(ROOT, 'dist', 'src', 'cli', 'control.js');

interface StatusJson {
  ok: boolean;
  pool: { min: number; max: number; live: number; idle: number; busy: number; waiting: number; maxQueue: number };
  workers: { id: number; pid: number; state: string; served: number; memoryBytes: number; ageMs: number; leaveReason: string | null }[];
  recentExits: { id: number; reason: string; served: number }[];
}

describe('npm run status', () => {
  let server: RunningServer;
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'], HOME: process.env['HOME'], SOCKET_PATH: server.socketPath });
  const status = async (...args: string[]): Promise<string> => (await run(process.execPath, [CLI, 'status', ...args], { env: env(), cwd: ROOT })).stdout;

  beforeAll(async () => {
    server = await startServer({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '3', MAX_QUEUE: '77' });
    await waitFor(async () => (await control<StatusJson>(server.socketPath, 'status')).workers.filter((w) => w.state === 'idle').length === 2);
    for (let i = 0; i < 5; i++) await fetch(`${server.url}/api/ping`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('--json gives the workers with memory and age, and the pool and queue figures', async () => {
    const report = JSON.parse(await status('--json')) as StatusJson;
    expect(report.ok).toBe(true);
    expect(report.pool).toMatchObject({ min: 2, max: 3, live: 2, idle: 2, busy: 0, waiting: 0, maxQueue: 77 });
    expect(report.workers).toHaveLength(2);
    expect(report.workers.reduce((sum, w) => sum + w.served, 0)).toBe(5);
    for (const worker of report.workers) {
      expect(worker.state).toBe('idle');
      expect(worker.pid).toBeGreaterThan(0);
      expect(worker.memoryBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(worker.ageMs).toBeGreaterThan(0);
      expect(worker.leaveReason).toBeNull();
    }
  });

  it('prints a table: one row per worker with id, pid, state, requests, memory, age, and the pool', async () => {
    const report = JSON.parse(await status('--json')) as StatusJson;
    const text = await status();
    const lines = text.split('\n');
    const header = lines.findIndex((line) => /^\s*ID\s+PID\s+STATE\s+REQUESTS\s+MEMORY\s+AGE\s+LEAVING$/.test(line));
    expect(header, text).toBeGreaterThanOrEqual(0);
    for (const worker of report.workers) {
      const row = lines.slice(header + 1).find((line) => line.trim().split(/\s+/)[0] === String(worker.id));
      expect(row, text).toBeDefined();
      const cells = row!.trim().split(/\s{2,}/);
      expect(cells[1]).toBe(String(worker.pid));
      expect(cells[2]).toBe('idle');
      expect(cells[3]).toBe(String(worker.served));
      expect(cells[4]).toMatch(/^\d+\.\d MiB$/);
      expect(cells[5]).toMatch(/^\d+(s|m\d\ds)$/);
      expect(cells[6]).toBe('-');
    }
    expect(text).toMatch(/PHP workers: 2 live \(min 2, max 3\): 2 idle, 0 busy/);
    expect(text).toMatch(/Queue: 0 waiting \(max 77\)/);
  });

  it('lists the workers that left and why, after a reload', async () => {
    const before = JSON.parse(await status('--json')) as StatusJson;
    expect((await control<{ ok: boolean }>(server.socketPath, 'reload')).ok).toBe(true);
    const after = await waitFor(async () => {
      const report = JSON.parse(await status('--json')) as StatusJson;
      return report.recentExits.length === 2 ? report : undefined;
    });
    expect(after.recentExits.map((e) => e.reason)).toEqual(['reload', 'reload']);
    expect(after.recentExits.map((e) => e.id).sort()).toEqual(before.workers.map((w) => w.id).sort());
    const text = await status();
    expect(text).toContain('Recent exits:');
    expect(text.split('\n').filter((line) => /\sreload\s/.test(line))).toHaveLength(2);
  });

  it('works as npm run status, and fails clearly when no server listens', async () => {
    const viaNpm = await run('npm', ['run', '--silent', 'status'], { env: env(), cwd: ROOT });
    expect(viaNpm.stdout).toMatch(/ID\s+PID\s+STATE/);
    const missing = run(process.execPath, [CLI, 'status'], { env: { ...env(), SOCKET_PATH: `${server.socketPath}.absent` }, cwd: ROOT });
    await expect(missing).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("cannot reach the server's control socket") });
  });
});
