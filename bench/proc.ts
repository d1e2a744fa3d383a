/**
 * Reading /proc: one process's stat line, the process table, a process tree's CPU ticks and
 * resident memory. Linux only; the bench measures CPU and memory of each peer's whole tree.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks in user mode. */
  utime: number;
  /** Clock ticks in kernel mode. */
  stime: number;
  /** Clock ticks of children that exited and were waited for. */
  cutime: number;
  cstime: number;
  /** Resident set size in pages. */
  rssPages: number;
}

/**
 * Parses /proc/<pid>/stat. The command name sits in parentheses and may itself contain spaces
 * and parentheses, so the fields are counted from the last ')'.
 */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${JSON.stringify(text.slice(0, 80))}`);
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // After ')': field 3 (state) onwards, space separated.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number): number => {
    const raw = rest[n - 3];
    const value = Number(raw);
    if (raw === undefined || !Number.isFinite(value)) throw new Error(`/proc stat of ${pid}: field ${n} missing or not a number`);
    return value;
  };
  return {
    pid,
    comm,
    state: rest[0] ?? '?',
    ppid: field(4),
    pgrp: field(5),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    rssPages: field(24),
  };
}

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

let clockTicks: number | undefined;
let pageSize: number | undefined;
/** USER_HZ: the unit of the CPU fields in /proc/<pid>/stat. */
export function ticksPerSecond(): number {
  return (clockTicks ??= getconf('CLK_TCK', 100));
}
export function pageBytes(): number {
  return (pageSize ??= getconf('PAGESIZE', 4096));
}

export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // gone, or not Linux
  }
}

/** Every process visible in /proc. */
export function listProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) out.push(stat);
  }
  return out;
}

/** The given roots and all their descendants, from one snapshot of the process table. */
export function processTree(roots: readonly number[], table: readonly ProcStat[] = listProcesses()): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  const byPid = new Map<number, ProcStat>();
  for (const p of table) {
    byPid.set(p.pid, p);
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const seen = new Set<number>();
  const out: ProcStat[] = [];
  const stack = roots.map((pid) => byPid.get(pid)).filter((p): p is ProcStat => p !== undefined);
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    out.push(p);
    for (const child of children.get(p.pid) ?? []) stack.push(child);
  }
  return out;
}

/**
 * CPU ticks used by a tree so far. Each live process counts its own utime+stime plus the
 * cutime+cstime of its children that already exited, so a worker recycled during a measurement
 * is still counted (in its parent) and nothing is counted twice.
 */
export function treeCpuTicks(tree: readonly ProcStat[]): number {
  let ticks = 0;
  for (const p of tree) ticks += p.utime + p.stime + p.cutime + p.cstime;
  return ticks;
}

export function treeRssBytes(tree: readonly ProcStat[]): number {
  let pages = 0;
  for (const p of tree) pages += p.rssPages;
  return pages * pageBytes();
}

export function cpuSeconds(ticks: number): number {
  return ticks / ticksPerSecond();
}

/** Samples a tree's summed RSS on a timer and keeps the peak. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  peakBytes = 0;
  samples = 0;

  constructor(private readonly roots: () => readonly number[], private readonly intervalMs = 250) {}

  sample(): number {
    const rss = treeRssBytes(processTree(this.roots()));
    this.samples++;
    if (rss > this.peakBytes) this.peakBytes = rss;
    return rss;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this.peakBytes;
  }
}

export interface MachineCpu {
  /**
   * Ticks processes ran (user, nice, system). Interrupt and softirq time (loopback networking,
   * large at high request rates) is charged to no process, so it is left out here.
   */
  busyTicks: number;
  /** Every tick of every core: user, nice, system, idle, iowait, irq, softirq, steal. */
  totalTicks: number;
}

/** Parses the first ("cpu") line of /proc/stat: the whole machine's CPU ticks so far. */
export function parseMachineCpu(procStat: string): MachineCpu {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no "cpu" line');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busyTicks = user + nice + system;
  return { busyTicks, totalTicks: busyTicks + idle + iowait + irq + softirq + steal };
}

export function readMachineCpu(): MachineCpu {
  try {
    return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return { busyTicks: 0, totalTicks: 0 };
  }
}

/** CPU ticks of one process (0 when it is gone). */
export function processCpuTicks(pid: number): number {
  const s = readStat(pid);
  return s ? s.utime + s.stime : 0;
}
