import { describe, expect, it } from 'vitest';
import {
  cpuSeconds,
  pageBytes,
  parseMachineCpu,
  parseStat,
  processCpuTicks,
  processTree,
  readMachineCpu,
  readStat,
  ticksPerSecond,
  treeCpuTicks,
  treeRssBytes,
  type ProcStat,
} from '../../bench/proc.js';

// A real line from /proc/<pid>/stat (fields 1..52).
const NODE_LINE =
  '4242 (node) S 4200 4242 4200 34816 4242 4194560 12033 0 0 0 150 37 2 5 20 0 11 0 1234567 1112539136 20480 18446744073709551615 1 1 0 0 0 0 0 16781312 134234626 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('/proc/<pid>/stat parsing', () => {
  it('reads pid, name, parent, CPU ticks and RSS pages', () => {
    const s = parseStat(NODE_LINE);
    expect(s).toEqual({ pid: 4242, comm: 'node', state: 'S', ppid: 4200, pgrp: 4242, utime: 150, stime: 37, cutime: 2, cstime: 5, rssPages: 20480 });
  });

  it('copes with spaces and parentheses in the command name', () => {
    const line = NODE_LINE.replace('(node)', '(php-fpm: pool (bench) x)');
    const s = parseStat(line);
    expect(s.comm).toBe('php-fpm: pool (bench) x');
    expect(s.ppid).toBe(4200);
    expect(s.utime).toBe(150);
    expect(s.rssPages).toBe(20480);
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseStat('nonsense')).toThrow(/not a \/proc stat line/);
    expect(() => parseStat('12 (x) S 1')).toThrow(/field/);
  });

  it('reads this very process', () => {
    const s = readStat(process.pid);
    expect(s?.pid).toBe(process.pid);
    expect(s?.rssPages).toBeGreaterThan(0);
    expect(readStat(2 ** 30)).toBeNull();
    expect(ticksPerSecond()).toBeGreaterThan(0);
    expect(pageBytes()).toBeGreaterThan(0);
  });
});

describe('process trees', () => {
  const p = (pid: number, ppid: number, utime = 0, stime = 0, rssPages = 0, cutime = 0, cstime = 0): ProcStat => ({
    pid,
    comm: `p${pid}`,
    state: 'S',
    ppid,
    pgrp: pid,
    utime,
    stime,
    cutime,
    cstime,
    rssPages,
  });
  const table = [p(1, 0), p(10, 1, 100, 10, 1000, 40, 5), p(11, 10, 7, 3, 200), p(12, 10, 1, 1, 300), p(13, 12, 2, 0, 50), p(20, 1, 999, 999, 9999)];

  it('collects roots and all their descendants, nothing else', () => {
    expect(processTree([10], table).map((x) => x.pid).sort()).toEqual([10, 11, 12, 13]);
    expect(processTree([12, 20], table).map((x) => x.pid).sort()).toEqual([12, 13, 20]);
    expect(processTree([404], table)).toEqual([]);
  });

  it('sums CPU ticks including children that already exited (cutime, cstime)', () => {
    const tree = processTree([10], table);
    expect(treeCpuTicks(tree)).toBe(100 + 10 + 40 + 5 + 7 + 3 + 1 + 1 + 2);
    expect(cpuSeconds(ticksPerSecond() * 3)).toBe(3);
  });

  it('sums RSS in bytes', () => {
    expect(treeRssBytes(processTree([10], table))).toBe((1000 + 200 + 300 + 50) * pageBytes());
  });

  it('finds this process in the live process table', () => {
    const tree = processTree([process.pid]);
    expect(tree[0]?.pid).toBe(process.pid);
  });
});

describe('/proc/stat (the whole machine)', () => {
  it('counts process time as busy and every column in the total', () => {
    const text = 'cpu  100 5 20 1000 7 3 11 2 0 0\ncpu0 50 2 10 500 3 1 5 1 0 0\nintr 12345\n';
    expect(parseMachineCpu(text)).toEqual({ busyTicks: 125, totalTicks: 125 + 1000 + 7 + 3 + 11 + 2 });
    expect(() => parseMachineCpu('intr 1')).toThrow(/cpu/);
  });

  it('reads this machine and this process', () => {
    const m = readMachineCpu();
    expect(m.totalTicks).toBeGreaterThan(m.busyTicks);
    expect(processCpuTicks(process.pid)).toBeGreaterThanOrEqual(0);
    expect(processCpuTicks(2 ** 30)).toBe(0);
  });
});
