/**
 * `npm run status` as text: the PHP workers as a table, then the pool and queue figures and
 * the last exits. Pure formatting of the control socket's reply (src/metrics/status-view.ts).
 */
import type { StatusReport } from '../metrics/status-view.js';

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatStatus(report: StatusReport): string {
  const workers = table(
    ['ID', 'PID', 'STATE', 'REQUESTS', 'MEMORY', 'AGE', 'LEAVING'],
    report.workers.map((w) => [String(w.id), w.pid === null ? '-' : String(w.pid), w.state, String(w.served), formatBytes(w.memoryBytes), formatAge(w.ageMs), w.leaveReason ?? '-']),
    new Set([0, 1, 3, 4, 5]),
  );
  const p = report.pool;
  const lines = [
    `PHP workers: ${p.live} live (min ${p.min}, max ${p.max}): ${p.idle} idle, ${p.busy} busy, ${p.booting} booting, ${p.leaving} leaving`,
    `Queue: ${p.waiting} waiting (max ${p.maxQueue}); ${p.inFlight} requests in flight; ${p.threads === 0 ? 'no worker threads (sockets on the main thread)' : `${p.threads} worker threads`}; up ${formatAge(report.uptimeMs)}`,
    '',
    workers,
  ];
  if (report.threads.length > 0) {
    lines.push('', table(['THREAD', 'IN FLIGHT', 'EXCHANGES'], report.threads.map((t) => [String(t.threadId), String(t.inFlight), String(t.exchanges)]), new Set([0, 1, 2])));
  }
  if (report.recentExits.length > 0) {
    lines.push(
      '',
      'Recent exits:',
      table(
        ['WHEN', 'ID', 'PID', 'REASON', 'REQUESTS', 'AGE'],
        [...report.recentExits].reverse().map((e) => [new Date(e.at).toISOString().slice(11, 19), String(e.id), e.pid === null ? '-' : String(e.pid), e.reason, String(e.served), formatAge(e.ageMs)]),
        new Set([1, 2, 4, 5]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
