/**
 * The status page at STATUS_PATH, in the spirit of HAProxy's stats page: one self-contained
 * HTML document (inline CSS and JS, charts drawn by hand on canvas, no external assets, no
 * build step) that polls STATUS_PATH?json every second and redraws the worker table and the
 * charts from the front door's ring of per-second samples (src/metrics/samples.ts).
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Front door status</title>
<style>
  :root { --fg: #1d2430; --muted: #6b7585; --line: #dde2ea; --bg: #f6f7f9; --card: #fff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { padding: 12px 20px; background: #243042; color: #fff; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0; }
  header .fig { color: #c9d3e3; }
  header .fig b { color: #fff; font-weight: 600; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
  .card h2 { font-size: 13px; margin: 0 0 6px; display: flex; justify-content: space-between; }
  .card h2 .now { color: var(--muted); font-weight: normal; }
  canvas { width: 100%; height: 160px; display: block; }
  .legend { display: flex; gap: 12px; color: var(--muted); font-size: 12px; margin-top: 4px; }
  .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 600; }
  td.num, th.num { text-align: right; }
  .state { padding: 1px 6px; border-radius: 3px; font-size: 12px; }
  .state.idle { background: #dff3e4; } .state.busy { background: #ffe9c2; } .state.booting { background: #dde9ff; }
  .state.draining, .state.stopping { background: #f6d9d9; }
  #error { color: #b42318; }
</style>
</head>
<body>
<header>
  <h1>Front door</h1>
  <span class="fig">uptime <b id="uptime">–</b></span>
  <span class="fig">workers <b id="pool-live">–</b> (min <b id="pool-min">–</b>, max <b id="pool-max">–</b>)</span>
  <span class="fig">idle <b id="pool-idle">–</b> busy <b id="pool-busy">–</b> booting <b id="pool-booting">–</b> leaving <b id="pool-leaving">–</b></span>
  <span class="fig">queue <b id="pool-waiting">–</b> / <b id="pool-maxqueue">–</b></span>
  <span class="fig">in flight <b id="pool-inflight">–</b></span>
  <span class="fig">threads <b id="pool-threads">–</b></span>
  <span class="fig" id="error"></span>
</header>
<main>
  <section class="charts">
    <div class="card"><h2>Requests / s <span class="now" id="now-rps"></span></h2><canvas id="chart-rps"></canvas></div>
    <div class="card"><h2>Latency (ms) <span class="now" id="now-latency"></span></h2><canvas id="chart-latency"></canvas>
      <div class="legend"><span><i style="background:#2f6fdd"></i>p50</span><span><i style="background:#e0902a"></i>p90</span><span><i style="background:#c2352f"></i>p99</span></div></div>
    <div class="card"><h2>Queue depth <span class="now" id="now-queue"></span></h2><canvas id="chart-queue"></canvas></div>
    <div class="card"><h2>PHP workers by state <span class="now" id="now-workers"></span></h2><canvas id="chart-workers"></canvas>
      <div class="legend"><span><i style="background:#3aa35b"></i>idle</span><span><i style="background:#e0902a"></i>busy</span><span><i style="background:#2f6fdd"></i>booting</span><span><i style="background:#c2352f"></i>draining / stopping</span></div></div>
  </section>
  <section class="card">
    <h2>PHP workers</h2>
    <table id="workers"><thead><tr><th class="num">id</th><th class="num">pid</th><th>state</th><th class="num">requests</th><th class="num">memory</th><th class="num">age</th><th>leaving because</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="card" id="threads-card" hidden>
    <h2>Worker threads</h2>
    <table id="threads"><thead><tr><th class="num">thread</th><th class="num">in flight</th><th class="num">exchanges</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="card">
    <h2>Recent exits</h2>
    <table id="exits"><thead><tr><th>when</th><th class="num">id</th><th class="num">pid</th><th>reason</th><th class="num">requests</th><th class="num">age</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
"use strict";
const WINDOW = 300; // seconds shown
const $ = (id) => document.getElementById(id);
const fmtBytes = (b) => b == null ? "–" : b >= 1048576 ? (b / 1048576).toFixed(1) + " MiB" : (b / 1024).toFixed(0) + " KiB";
const fmtAge = (ms) => { const s = Math.floor(ms / 1000); return s >= 3600 ? Math.floor(s / 3600) + "h" + String(Math.floor(s % 3600 / 60)).padStart(2, "0") + "m" : s >= 60 ? Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s" : s + "s"; };
const fmtNum = (v) => v >= 100 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2);
function cell(text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; }
function rows(tbody, items, render) { tbody.replaceChildren(...items.map((item) => { const tr = document.createElement("tr"); render(tr, item); return tr; })); }

/** Draws lines (or stacked areas) of the last WINDOW samples on a canvas, with a y scale. */
function chart(canvas, series, stacked) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== w * dpr || canvas.height !== h * dpr) { canvas.width = w * dpr; canvas.height = h * dpr; }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const left = 40, right = 6, top = 6, bottom = 16;
  const n = series.length ? series[0].values.length : 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const s of series) { sum = stacked ? sum + s.values[i] : Math.max(sum, s.values[i]); }
    max = Math.max(max, sum);
  }
  max = max <= 0 ? 1 : niceCeil(max);
  const x = (i) => left + (w - left - right) * (WINDOW - n + i) / (WINDOW - 1);
  const y = (v) => top + (h - top - bottom) * (1 - v / max);
  ctx.strokeStyle = "#e6e9ef"; ctx.fillStyle = "#6b7585"; ctx.font = "11px system-ui, sans-serif"; ctx.lineWidth = 1;
  for (let g = 0; g <= 4; g++) {
    const v = max * g / 4, gy = Math.round(y(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(left, gy); ctx.lineTo(w - right, gy); ctx.stroke();
    ctx.fillText(fmtNum(v), 2, gy + 4);
  }
  ctx.fillText("-" + WINDOW / 60 + " min", left, h - 3);
  ctx.fillText("now", w - right - 22, h - 3);
  if (n === 0) return;
  const base = new Array(n).fill(0);
  for (const s of series) {
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const v = stacked ? base[i] + s.values[i] : s.values[i];
      if (i === 0) ctx.moveTo(x(i), y(v)); else ctx.lineTo(x(i), y(v));
    }
    if (stacked) {
      for (let i = n - 1; i >= 0; i--) ctx.lineTo(x(i), y(base[i]));
      ctx.closePath(); ctx.fillStyle = s.color; ctx.globalAlpha = 0.75; ctx.fill(); ctx.globalAlpha = 1;
      for (let i = 0; i < n; i++) base[i] += s.values[i];
    } else {
      ctx.strokeStyle = s.color; ctx.lineWidth = 1.5; ctx.stroke();
    }
  }
}
function niceCeil(v) { const p = Math.pow(10, Math.floor(Math.log10(v))); for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p; return 10 * p; }
const last = (a) => a.length ? a[a.length - 1] : 0;

function render(s) {
  $("uptime").textContent = fmtAge(s.uptimeMs);
  const p = s.pool;
  for (const [id, v] of [["live", p.live], ["min", p.min], ["max", p.max], ["idle", p.idle], ["busy", p.busy], ["booting", p.booting], ["leaving", p.leaving], ["waiting", p.waiting], ["maxqueue", p.maxQueue], ["inflight", p.inFlight], ["threads", p.threads]]) $("pool-" + id).textContent = v;
  rows($("workers").tBodies[0], s.workers, (tr, w) => {
    tr.dataset.workerId = w.id;
    const st = document.createElement("span"); st.className = "state " + w.state; st.textContent = w.state;
    const td = document.createElement("td"); td.append(st);
    tr.append(cell(w.id, "num"), cell(w.pid ?? "–", "num"), td, cell(w.served, "num"), cell(fmtBytes(w.memoryBytes), "num"), cell(fmtAge(w.ageMs), "num"), cell(w.leaveReason ?? ""));
  });
  $("threads-card").hidden = s.threads.length === 0;
  rows($("threads").tBodies[0], s.threads, (tr, t) => tr.append(cell(t.threadId, "num"), cell(t.inFlight, "num"), cell(t.exchanges, "num")));
  rows($("exits").tBodies[0], s.recentExits.slice().reverse(), (tr, e) => tr.append(cell(new Date(e.at).toLocaleTimeString()), cell(e.id, "num"), cell(e.pid ?? "–", "num"), cell(e.reason), cell(e.served, "num"), cell(fmtAge(e.ageMs), "num")));
  const q = s.series, from = Math.max(0, q.t.length - WINDOW), cut = (a) => a.slice(from);
  const leaving = cut(q.draining).map((v, i) => v + cut(q.stopping)[i]);
  chart($("chart-rps"), [{ values: cut(q.rps), color: "#2f6fdd" }], false);
  chart($("chart-latency"), [{ values: cut(q.p50), color: "#2f6fdd" }, { values: cut(q.p90), color: "#e0902a" }, { values: cut(q.p99), color: "#c2352f" }], false);
  chart($("chart-queue"), [{ values: cut(q.queue), color: "#8a4fd8" }], false);
  chart($("chart-workers"), [{ values: cut(q.idle), color: "#3aa35b" }, { values: cut(q.busy), color: "#e0902a" }, { values: cut(q.booting), color: "#2f6fdd" }, { values: leaving, color: "#c2352f" }], true);
  $("now-rps").textContent = fmtNum(last(q.rps)) + " req/s";
  $("now-rps").dataset.latest = last(q.rps);
  $("now-latency").textContent = "p50 " + fmtNum(last(q.p50)) + " · p99 " + fmtNum(last(q.p99));
  $("now-queue").textContent = String(last(q.queue));
  $("now-workers").textContent = p.live + " live";
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

async function poll() {
  try {
    const response = await fetch(location.pathname + "?json", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    $("error").textContent = "";
  } catch (err) {
    $("error").textContent = "not updating: " + err.message;
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
`;
