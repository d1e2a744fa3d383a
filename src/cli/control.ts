/**
 * `npm run reload` / `npm run status [-- --json]` / `npm run cache:purge -- /prefix`: sends one
 * command (and its argument) to a running server's control socket (found the same way the server
 * finds it: SOCKET_PATH from the environment or `.env`). `status` prints a table of the PHP
 * workers and the pool; `--json` prints the reply as it came, for scripts.
 */
import { connect } from 'node:net';
import { loadConfig } from '../config.js';
import type { StatusReport } from '../metrics/status-view.js';
import { formatStatus } from './status-table.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const words = args.filter((arg) => arg !== '--json');
const command = [words[0] ?? 'status', ...words.slice(1)].join(' ');
const { socketPath } = loadConfig();
const socket = connect(socketPath);
let reply = '';
socket.setEncoding('utf8');
socket.on('connect', () => socket.write(`${command}\n`));
socket.on('data', (chunk: string) => (reply += chunk));
socket.on('error', (err) => {
  process.stderr.write(`cannot reach the server's control socket at ${socketPath}: ${err.message}\nIs the server running with this SOCKET_PATH?\n`);
  process.exit(1);
});
socket.on('end', () => {
  let parsed: { ok?: boolean; error?: string };
  try {
    parsed = JSON.parse(reply) as { ok?: boolean };
  } catch {
    process.stderr.write(`unexpected reply from the server: ${reply}\n`);
    process.exit(1);
  }
  if (command === 'status' && !json && parsed.ok === true && 'pool' in parsed) {
    process.stdout.write(formatStatus(parsed as StatusReport));
  } else if (!json && parsed.ok !== true) {
    process.stderr.write(`${parsed.error ?? reply}\n`);
  } else {
    process.stdout.write(reply);
  }
  process.exit(parsed.ok === true ? 0 : 1);
});
