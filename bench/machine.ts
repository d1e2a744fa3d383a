/** What the numbers were measured on. */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { findBinaries } from './peers/nginx-fpm.js';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  totalMemoryBytes: number;
  kernel: string;
  node: string;
  php: string;
  nginx: string;
  phpFpm: string;
  /** 1-minute load average when the run started: a busy machine gives lower numbers. */
  loadAverageAtStart: number;
}

/** First line a binary prints for its version (stdout, or stderr as nginx does). */
function versionOf(command: string | null, args: string[]): string {
  if (!command) return 'not installed';
  const res = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  if (res.error) return 'not installed';
  const text = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim();
  return text.split('\n')[0]?.trim() || 'unknown';
}

export function machineInfo(): MachineInfo {
  const bins = findBinaries();
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemoryBytes: totalmem(),
    kernel: release(),
    node: process.version,
    php: versionOf(process.env['PHP_PATH'] ?? 'php', ['-r', 'echo "PHP ", PHP_VERSION;']),
    nginx: bins ? versionOf(bins.nginx, ['-v']) : 'not installed',
    phpFpm: bins ? versionOf(bins.fpm, ['-v']) : 'not installed',
    loadAverageAtStart: loadavg()[0] ?? 0,
  };
}
