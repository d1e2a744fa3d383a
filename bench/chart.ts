/**
 * The chart, drawn by hand as SVG: for each scenario a small panel of bars, one per peer, with
 * its own scale (req/s of `hello` and of `upload-1m` differ by orders of magnitude). Top row:
 * requests/s (higher is better); bottom row: p99 latency (lower is better).
 */
import type { RunResult } from './report.js';
import { formatMs, formatNumber } from './report.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
const PANEL_HEIGHT = 200;
const BAR_WIDTH = 34;
const BAR_GAP = 10;
const PANEL_PAD = 24;
const TOP = 70;
const ROW_GAP = 70;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

interface Metric {
  key: 'rps' | 'p99';
  title: string;
  value(r: RunResult): number | null;
  label(v: number): string;
}

const METRICS: Metric[] = [
  { key: 'rps', title: 'requests/s (higher is better)', value: (r) => r.metrics?.requestsPerSec ?? null, label: (v) => formatNumber(v) },
  { key: 'p99', title: 'p99 latency, ms (lower is better)', value: (r) => r.metrics?.latencyMs.p99 ?? null, label: (v) => formatMs(v) },
];

export function renderChart(runs: readonly RunResult[], title = 'npm run bench'): string {
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const peers = [...new Set(runs.map((r) => r.peer))];
  const color = (peer: string): string => COLORS[peers.indexOf(peer) % COLORS.length]!;
  const panelWidth = PANEL_PAD * 2 + peers.length * BAR_WIDTH + (peers.length - 1) * BAR_GAP;
  const width = Math.max(640, 40 + scenarios.length * (panelWidth + 20));
  const height = TOP + METRICS.length * (PANEL_HEIGHT + ROW_GAP) + 20;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  );
  // Legend
  let lx = 20;
  for (const peer of peers) {
    out.push(`<rect x="${lx}" y="38" width="12" height="12" fill="${color(peer)}"/>`, `<text x="${lx + 16}" y="48">${escapeXml(peer)}</text>`);
    lx += 30 + peer.length * 7;
  }

  METRICS.forEach((metric, row) => {
    const rowTop = TOP + row * (PANEL_HEIGHT + ROW_GAP);
    out.push(`<text x="20" y="${rowTop + 14}" font-size="13" font-weight="bold">${escapeXml(metric.title)}</text>`);
    scenarios.forEach((scenario, col) => {
      const x0 = 20 + col * (panelWidth + 20);
      const y0 = rowTop + 24;
      const base = y0 + PANEL_HEIGHT - 30;
      const cells = peers.map((peer) => runs.find((r) => r.scenario === scenario && r.peer === peer));
      const max = Math.max(0, ...cells.map((r) => (r ? (metric.value(r) ?? 0) : 0)));
      const plot = PANEL_HEIGHT - 60;
      out.push(
        `<g data-scenario="${escapeXml(scenario)}" data-metric="${metric.key}">`,
        `<rect x="${x0}" y="${y0}" width="${panelWidth}" height="${PANEL_HEIGHT}" fill="#f8fafc" stroke="#cbd5e1"/>`,
        `<line x1="${x0 + 8}" y1="${base}" x2="${x0 + panelWidth - 8}" y2="${base}" stroke="#64748b"/>`,
        `<text x="${x0 + panelWidth / 2}" y="${base + 20}" text-anchor="middle" font-weight="bold">${escapeXml(scenario)}</text>`,
      );
      cells.forEach((run, i) => {
        if (!run) return; // this peer did not take part at all (not in this scenario's runs)
        const peer = peers[i]!;
        const value = metric.value(run);
        const h = value !== null && max > 0 ? Math.max(1, (value / max) * plot) : 0;
        const bx = x0 + PANEL_PAD + i * (BAR_WIDTH + BAR_GAP);
        const label = value === null ? 'n/a' : metric.label(value);
        out.push(
          `<rect class="bar" data-scenario="${escapeXml(scenario)}" data-peer="${escapeXml(peer)}" data-metric="${metric.key}" data-value="${value ?? ''}" ` +
            `x="${bx}" y="${(base - h).toFixed(1)}" width="${BAR_WIDTH}" height="${h.toFixed(1)}" fill="${color(peer)}">` +
            `<title>${escapeXml(`${scenario} / ${peer}: ${value === null ? `${run.status}: ${run.reason}` : label}`)}</title></rect>`,
          `<text x="${bx + BAR_WIDTH / 2}" y="${(base - h - 4).toFixed(1)}" text-anchor="middle" font-size="10"${value === null ? ' fill="#94a3b8"' : ''}>${escapeXml(label)}</text>`,
        );
      });
      out.push('</g>');
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
