/**
 * `npm run reload` / `npm run status` / `npm run cache:purge -- /prefix`: sends one command (and
 * its argument) to a running server's control socket (found the same way the server finds it:
 * SOCKET_PATH from the environment or `.env`).
 */
import { connect } from 'node:net';
import { loadConfig } from '../config.js';

const command = [process.argv[2] ?? 'status', ...process.argv.slice(3)].join(' ');
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
  process.stdout.write(reply);
  try {
    process.exit((JSON.parse(reply) as { ok?: boolean }).ok ? 0 : 1);
  } catch {
    process.exit(1);
  }
});
