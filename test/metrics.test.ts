/**
 * METRICS_PATH against the real server, real PHP workers and the Laravel 12 app: the values
 * change as requests are made, read back through a Prometheus text-format parser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workers, waitFor } from './helpers/control.js';
import { scrape, type Scrape } from './helpers/metrics.js';
import { startServer, type RunningServer } from './helpers/server.js';

describe('metrics: requests, bytes, queue, workers, errors', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2', MAX_BODY_SIZE: '4k', REQUEST_TIMEOUT: '2', SOCKET_HEALTH_CHECK_INTERVAL: '0' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is Prometheus text from prom-client, answered by the front door', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(response.headers.get('content-type')).toContain('version=0.0.4');
    const metrics = await scrape(server.url);
    for (const name of [
      'frontdoor_http_requests_total',
      'frontdoor_http_request_duration_seconds',
      'frontdoor_http_request_body_bytes_total',
      'frontdoor_http_response_body_bytes_total',
      'frontdoor_queue_waiting_requests',
      'frontdoor_queue_wait_seconds',
      'frontdoor_php_workers',
      'frontdoor_php_worker_resident_memory_bytes',
      'frontdoor_php_worker_requests_total',
      'frontdoor_php_worker_exits_total',
      'frontdoor_errors_total',
      'frontdoor_event_loop_utilization_ratio',
      'nodejs_eventloop_lag_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(metrics.has(name), name).toBe(true);
    }
    // A request to PHP must not be what answered it: the log has no request line for it.
    expect(server.logs.some((line) => line.msg === 'request' && line['path'] === '/metrics')).toBe(false);
  });

  it('counts requests by method, status class and route, with latency, bytes and queue waits', async () => {
    const before = await scrape(server.url);
    let received = 0;
    for (let i = 0; i < 3; i++) received += (await (await fetch(`${server.url}/api/ping`)).arrayBuffer()).byteLength;
    const robots = await fetch(`${server.url}/robots.txt`);
    expect(robots.status).toBe(200);
    received += (await robots.arrayBuffer()).byteLength;
    const echo = await fetch(`${server.url}/api/echo`, { method: 'POST', body: 'x'.repeat(1000), headers: { 'content-type': 'text/plain' } });
    expect(echo.status).toBe(200);
    received += (await echo.arrayBuffer()).byteLength;
    const tooLarge = await fetch(`${server.url}/api/echo`, { method: 'POST', body: 'x'.repeat(8000) });
    expect(tooLarge.status).toBe(413);
    received += (await tooLarge.arrayBuffer()).byteLength;
    const after = await scrape(server.url);

    const delta = (name: string, labels: Record<string, string> = {}): number => after.value(name, labels) - before.value(name, labels);
    expect(delta('frontdoor_http_requests_total', { method: 'GET', status_class: '2xx', route: 'php' })).toBe(3);
    expect(delta('frontdoor_http_requests_total', { method: 'GET', status_class: '2xx', route: 'static' })).toBe(1);
    expect(delta('frontdoor_http_requests_total', { method: 'POST', status_class: '2xx', route: 'php' })).toBe(1);
    expect(delta('frontdoor_http_requests_total', { method: 'POST', status_class: '4xx', route: 'frontdoor' })).toBe(1);
    expect(delta('frontdoor_http_requests_total')).toBe(6);

    const latency = (scrapeOf: Scrape, route: string) => scrapeOf.histogram('frontdoor_http_request_duration_seconds', { route });
    expect(latency(after, 'php').count - latency(before, 'php').count).toBe(4);
    expect(latency(after, 'php').sum).toBeGreaterThan(latency(before, 'php').sum);
    expect(latency(after, 'static').count - latency(before, 'static').count).toBe(1);
    expect(latency(after, 'frontdoor').count - latency(before, 'frontdoor').count).toBe(1);

    // Only the accepted body was read; the 413 was refused before its body was read.
    expect(delta('frontdoor_http_request_body_bytes_total')).toBe(1000);
    expect(delta('frontdoor_http_response_body_bytes_total')).toBeGreaterThanOrEqual(received);
    expect(after.histogram('frontdoor_queue_wait_seconds').count - before.histogram('frontdoor_queue_wait_seconds').count).toBe(4);
    expect(delta('frontdoor_errors_total', { code: 'BODY_TOO_LARGE', status: '413' })).toBe(1);
  });

  it('shows the queue depth and the busy workers while requests wait, and how long they waited', async () => {
    const before = await scrape(server.url);
    const slow = Array.from({ length: 4 }, () => fetch(`${server.url}/api/sleep?ms=700`).then((r) => r.status));
    const during = await waitFor(async () => {
      const m = await scrape(server.url);
      return m.value('frontdoor_queue_waiting_requests') === 2 ? m : undefined;
    }, 5_000, 20);
    expect(during.value('frontdoor_php_workers', { state: 'busy' })).toBe(2);
    expect(during.value('frontdoor_php_workers', { state: 'idle' })).toBe(0);
    expect(during.value('frontdoor_http_in_flight_requests')).toBe(4);
    expect(await Promise.all(slow)).toEqual([200, 200, 200, 200]);
    const after = await scrape(server.url);
    expect(after.value('frontdoor_queue_waiting_requests')).toBe(0);
    const waits = after.histogram('frontdoor_queue_wait_seconds');
    const waitsBefore = before.histogram('frontdoor_queue_wait_seconds');
    expect(waits.count - waitsBefore.count).toBe(4);
    // Two of them waited for a whole 700 ms request.
    expect(waits.sum - waitsBefore.sum).toBeGreaterThan(2 * 0.6);
  });

  it('reports each PHP worker: state, resident memory and requests served, as the control socket does', async () => {
    const metrics = await scrape(server.url);
    const listed = await workers(server.socketPath);
    expect(metrics.value('frontdoor_php_workers', { state: 'idle' })).toBe(listed.filter((w) => w.state === 'idle').length);
    for (const worker of listed) {
      expect(metrics.value('frontdoor_php_worker_requests_total', { worker: String(worker.id) })).toBe(worker.served);
      // A booted Laravel worker is tens of megabytes.
      expect(metrics.value('frontdoor_php_worker_resident_memory_bytes', { worker: String(worker.id) })).toBeGreaterThan(10 * 1024 * 1024);
    }
    expect(metrics.samples('frontdoor_php_worker_requests_total').length).toBe(listed.length);
  });

  it('counts a 504 as a front-door 5xx by cause and the killed worker as a timeout exit', async () => {
    const before = await scrape(server.url);
    const response = await fetch(`${server.url}/api/sleep?ms=4000`);
    expect(response.status).toBe(504);
    const after = await waitFor(async () => {
      const m = await scrape(server.url);
      return m.value('frontdoor_php_worker_exits_total', { reason: 'timeout' }) > before.value('frontdoor_php_worker_exits_total', { reason: 'timeout' }) ? m : undefined;
    });
    expect(after.value('frontdoor_errors_total', { code: 'REQUEST_TIMEOUT', status: '504' }) - before.value('frontdoor_errors_total', { code: 'REQUEST_TIMEOUT' })).toBe(1);
    expect(after.value('frontdoor_http_requests_total', { method: 'GET', status_class: '5xx', route: 'php' }) - before.value('frontdoor_http_requests_total', { method: 'GET', status_class: '5xx', route: 'php' })).toBe(1);
    expect(after.value('frontdoor_php_worker_exits_total', { reason: 'timeout' }) - before.value('frontdoor_php_worker_exits_total', { reason: 'timeout' })).toBe(1);
  });

  it('measures event-loop lag and utilisation', async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    const metrics = await scrape(server.url);
    const utilisation = metrics.value('frontdoor_event_loop_utilization_ratio');
    expect(utilisation).toBeGreaterThan(0);
    expect(utilisation).toBeLessThanOrEqual(1);
    expect(metrics.value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});

describe('metrics with a worker thread: per-thread in-flight, recycles and crashes by reason', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ WORKER_THREADS: '1', SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '1', MAX_REQUESTS: '3', SOCKET_HEALTH_CHECK_INTERVAL: '0' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('counts in-flight exchanges in the thread and combines them on the main thread', async () => {
    const idle = await scrape(server.url);
    const threads = idle.samples('frontdoor_thread_in_flight_requests');
    expect(threads.length).toBe(1);
    expect(threads[0]!.value).toBe(0);
    const exchangesBefore = idle.value('frontdoor_thread_exchanges_total');
    const slow = fetch(`${server.url}/api/sleep?ms=800`);
    await waitFor(async () => (await scrape(server.url)).value('frontdoor_thread_in_flight_requests') === 1, 5_000, 20);
    expect((await slow).status).toBe(200);
    const after = await scrape(server.url);
    expect(after.value('frontdoor_thread_in_flight_requests')).toBe(0);
    expect(after.value('frontdoor_thread_exchanges_total') - exchangesBefore).toBe(1);
  });

  it('counts a worker that recycles itself after MAX_REQUESTS as max_requests, and a killed one as crash', async () => {
    const [first] = await workers(server.socketPath);
    // The sleep above was its first request; two more reach MAX_REQUESTS=3.
    expect(first!.served).toBe(1);
    for (let i = 0; i < 2; i++) expect((await fetch(`${server.url}/api/ping`)).status).toBe(200);
    const recycled = await waitFor(async () => {
      const m = await scrape(server.url);
      return m.value('frontdoor_php_worker_exits_total', { reason: 'max_requests' }) === 1 ? m : undefined;
    });
    expect(recycled.value('frontdoor_php_worker_exits_total', { reason: 'crash' })).toBe(0);

    const replacement = await waitFor(async () => (await workers(server.socketPath)).find((w) => w.id !== first!.id && w.state === 'idle'));
    process.kill(replacement.pid, 'SIGKILL');
    await waitFor(async () => (await scrape(server.url)).value('frontdoor_php_worker_exits_total', { reason: 'crash' }) === 1);
  });
});
