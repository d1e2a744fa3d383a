/**
 * The status page in a real browser: Debian's Chromium, headless, driven by puppeteer-core.
 * It must list the PHP workers, and its request-rate chart must move when load arrives. A
 * screenshot goes to test-output/status.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, workers } from './helpers/control.js';
import { ROOT, startServer, type RunningServer } from './helpers/server.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const OUTPUT = join(ROOT, 'test-output');

describe('status page', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error('Chromium is missing: npm run setup installs Debian\'s chromium package');
    server = await startServer({ SOCKET_POOL_MIN: '2', SOCKET_POOL_MAX: '2' });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('is one self-contained page: no request leaves the server', async () => {
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${server.url}/status`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toContain('text/html');
    // Page-side expressions are strings: the tests are type-checked without the DOM library.
    await page.waitForFunction('Number(document.body.dataset.updates || 0) >= 1', { timeout: 10_000 });
    expect(requested.length).toBeGreaterThan(1);
    for (const url of requested) expect(url.startsWith(`${server.url}/status`), url).toBe(true);
  });

  it('lists the PHP workers with their pid and state', async () => {
    const listed = await workers(server.socketPath);
    await page.waitForFunction(`document.querySelectorAll('#workers tbody tr').length === ${listed.length}`, { timeout: 10_000 });
    const rows = await page.$$eval('#workers tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    for (const worker of listed) {
      const row = rows.find((cells) => cells[0] === String(worker.id));
      expect(row, JSON.stringify(rows)).toBeDefined();
      expect(row![1]).toBe(String(worker.pid));
      expect(row![2]).toBe(worker.state);
      expect(row![4]).toMatch(/MiB$/);
    }
  });

  it('draws a request-rate chart that moves under load', async () => {
    const chart = (): Promise<string> => page.evaluate('document.getElementById("chart-rps").toDataURL()') as Promise<string>;
    const latest = (): Promise<number> => page.evaluate('Number(document.getElementById("now-rps").dataset.latest || 0)') as Promise<number>;
    // Quiet first: nothing but the page's own polling.
    await waitFor(async () => (await latest()) === 0, 10_000, 200);
    const quiet = await chart();

    let loading = true;
    const load = (async () => {
      let served = 0;
      while (loading) {
        const batch = await Promise.all(Array.from({ length: 4 }, () => fetch(`${server.url}/api/sleep?ms=20`).then((r) => r.status)));
        served += batch.filter((s) => s === 200).length;
      }
      return served;
    })();
    try {
      const rate = await waitFor(async () => {
        const value = await latest();
        return value >= 10 ? value : undefined;
      }, 15_000, 250);
      expect(rate).toBeGreaterThanOrEqual(10);
      // Two workers busy under load, shown in the table and the page header.
      await page.waitForFunction('document.getElementById("now-workers").textContent === "2 live"', { timeout: 5_000 });
      expect(await chart()).not.toBe(quiet);
      // A few more seconds of load, so the screenshot shows a stretch of it.
      await new Promise((r) => setTimeout(r, 4_000));
      mkdirSync(OUTPUT, { recursive: true });
      const file = join(OUTPUT, 'status.png');
      await page.screenshot({ path: file, fullPage: true });
      console.log(`status page screenshot: ${file}`);
    } finally {
      loading = false;
      expect(await load).toBeGreaterThan(0);
    }
  });
});
