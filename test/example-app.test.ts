/**
 * The example app `npm start` serves (example/, Laravel 12): its users API on SQLite and its
 * Blade page, through the real server. (The other suites run against test/apps/.)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type RunningServer } from './helpers/server.js';

const EXAMPLE = join(ROOT, 'example');
let server: RunningServer;

beforeAll(async () => {
  for (const file of ['vendor/autoload.php', '.env', 'database/database.sqlite']) {
    if (!existsSync(join(EXAMPLE, file))) throw new Error(`example/${file} is missing: run \`npm run setup\` (or scripts/setup-test-apps.sh example)`);
  }
  // No LARAVEL_PATH: from the repository root the server falls back to example/, as `npm start` does.
  server = await startServer({ LARAVEL_PATH: '', SOCKET_POOL_MIN: '1', SOCKET_POOL_MAX: '2' });
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

interface User {
  id: number;
  name: string;
  email: string;
  created_at: string;
}

describe('the example app (npm start)', () => {
  it('is the one served when LARAVEL_PATH is unset', () => {
    expect(JSON.stringify(server.logs)).toContain(EXAMPLE.replace(/\/$/, ''));
  });

  it('GET /api/users lists the seeded users', async () => {
    const res = await fetch(`${server.url}/api/users`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const { data } = (await res.json()) as { data: User[] };
    expect(data.slice(0, 2).map((u) => [u.name, u.email])).toEqual([
      ['Ada Lovelace', 'ada@example.com'],
      ['Alan Turing', 'alan@example.com'],
    ]);
    expect(Object.keys(data[0]!)).toEqual(['id', 'name', 'email', 'created_at']);
  });

  it('POST /api/users creates a user (201), GET /api/users/{id} shows it', async () => {
    const email = `grace-${Date.now()}@example.com`;
    const res = await fetch(`${server.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Grace Hopper', email }),
    });
    expect(res.status).toBe(201);
    const created = ((await res.json()) as { data: User }).data;
    expect(created).toMatchObject({ name: 'Grace Hopper', email });
    const one = await fetch(`${server.url}/api/users/${created.id}`);
    expect(one.status).toBe(200);
    expect(((await one.json()) as { data: User }).data.email).toBe(email);
  });

  it('invalid input: 422 with the validation errors, as JSON without asking for it', async () => {
    const res = await fetch(`${server.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', email: 'ada@example.com' }),
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: Record<string, string[]> };
    expect(Object.keys(body.errors).sort()).toEqual(['email', 'name']);
  });

  it('an unknown user: 404 JSON', async () => {
    const res = await fetch(`${server.url}/api/users/999999`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
  });

  it('GET / renders the Blade page on Laravel 12', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('Laravel behind the Node front door');
    expect(html).toMatch(/Laravel 12\.\d+\.\d+ on PHP 8\.\d/);
  });

  it('has none of the test probes', async () => {
    expect((await fetch(`${server.url}/api/ping`)).status).toBe(404);
  });
});
