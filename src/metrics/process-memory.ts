/**
 * A PHP worker's resident memory, read from /proc when asked (a scrape, the status view): no
 * timer, no cost between looks. What the operating system charges the process, which is what a
 * memory limit or the OOM killer sees (PHP's own memory_get_usage() is less).
 */
import { readFileSync } from 'node:fs';

/** Resident set size in bytes, or null where /proc is missing or the process is gone. */
export function residentBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
