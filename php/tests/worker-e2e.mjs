// End-to-end checks of php/bin/worker.php over its real Unix socket, with Node's compiled codec
// (dist/src/codec; run `npx tsc -p .` in the repository root first if dist/ is missing).
//
//   node php/tests/worker-e2e.mjs            plain mode (fixtures/echo-handler.php, hello.php)
//   LARAVEL_PATH=/work/main/example node php/tests/worker-e2e.mjs laravel
//   node php/tests/worker-e2e.mjs state      state reset between requests: runs a throwaway copy of
//                                            the example app (LARAVEL_PATH) with the probe routes of
//                                            fixtures/state-*-routes.php appended
//
// Prints one line per check and finally "N passed, M failed"; exit code 0 only when M == 0.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, statSync, rmSync, mkdtempSync, writeFileSync, cpSync, mkdirSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { encodeFrame, FrameType, FrameFlags } = await import(join(root, 'dist/src/codec/frame.js'));
const { encodeRequest, decodeHello, decodeResponseHead, decodePong, decodeWorkerError } = await import(join(root, 'dist/src/codec/messages.js'));
const { FrameReader } = await import(join(root, 'dist/src/codec/reader.js'));

const WORKER = join(root, 'php', 'bin', 'worker.php');
const tmp = mkdtempSync(join(tmpdir(), 'bridge-e2e-'));
/** Every process this script starts, killed at the end whatever happens. */
const started = [];
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : ` — ${detail}`}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a worker; resolves once its readiness line arrives on fd 3. */
function startWorker(env, { readyFd = true } = {}) {
  const socket = env.BRIDGE_SOCKET ?? join(tmp, `w${Math.random().toString(36).slice(2, 8)}.sock`);
  const child = spawn('php', ['-d', 'display_errors=stderr', WORKER], {
    env: { ...process.env, BRIDGE_SOCKET: socket, BRIDGE_PARENT_PID: String(process.pid), ...env },
    stdio: ['ignore', 'pipe', 'pipe', readyFd ? 'pipe' : 'ignore'],
  });
  const worker = { child, socket, stdout: '', stderr: '', ready: null, exit: null };
  started.push(child);
  child.stdout.on('data', (d) => (worker.stdout += d));
  child.stderr.on('data', (d) => (worker.stderr += d));
  worker.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((worker.exit = { code, signal }))));
  worker.readyPromise = new Promise((resolve, reject) => {
    if (!readyFd) {
      const poll = setInterval(() => {
        if (existsSync(socket)) { clearInterval(poll); resolve({ ready: true, socket }); }
      }, 20);
      worker.exited.then(() => { clearInterval(poll); reject(new Error(`exited: ${worker.stderr}`)); });
      return;
    }
    let buf = '';
    child.stdio[3].on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve((worker.ready = JSON.parse(buf.slice(0, nl))));
    });
    worker.exited.then(() => reject(new Error(`exited before ready: ${JSON.stringify(worker.exit)} ${worker.stderr}`)));
  });
  worker.readyPromise.catch(() => undefined); // awaited where it matters
  return worker;
}

/** One connection: reads HELLO, then request()/ping() one at a time. */
function open(socketPath) {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const reader = new FrameReader();
    const conn = { sock, hello: null, frames: [], waiters: [], closed: false, nextId: 1 };
    const deliver = () => {
      while (conn.waiters.length && (conn.frames.length || conn.closed)) {
        const w = conn.waiters.shift();
        if (conn.frames.length) w.resolve(conn.frames.shift());
        else w.resolve(null);
      }
    };
    sock.on('data', (chunk) => {
      try {
        reader.push(chunk, (f) => {
          const frame = { ...f, payload: Buffer.from(f.payload) };
          if (!conn.hello) { conn.hello = decodeHello(frame.payload); resolve(conn); return; }
          conn.frames.push(frame);
        });
      } catch (e) { conn.error = e; sock.destroy(); }
      deliver();
    });
    sock.on('error', (e) => { if (!conn.hello) reject(e); conn.error = e; });
    sock.on('close', () => { conn.closed = true; deliver(); if (!conn.hello) reject(new Error('closed before HELLO')); });
    conn.next = (timeoutMs = 5000) => new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('timed out waiting for a frame')), timeoutMs);
      conn.waiters.push({ resolve: (f) => { clearTimeout(t); res(f); } });
      deliver();
    });
    conn.request = async (head, body = null, timeoutMs = 10000) => {
      const id = conn.nextId++;
      sock.write(encodeRequest(id, fullHead(head), body));
      return conn.readResponse(id, timeoutMs);
    };
    conn.readResponse = async (id, timeoutMs = 10000) => {
      const res = { id, status: 0, headers: [], chunks: [], frames: [], stopping: false, error: null };
      for (;;) {
        const f = await conn.next(timeoutMs);
        if (f === null) throw new Error('connection closed mid-response');
        res.frames.push(f);
        if (f.id !== id) throw new Error(`frame for id ${f.id}, expected ${id}`);
        if (f.type === FrameType.ERROR) { res.error = decodeWorkerError(f.payload); res.stopping = !!(f.flags & FrameFlags.WORKER_STOPPING); return res; }
        if (f.type === FrameType.RESPONSE_HEAD) { const h = decodeResponseHead(f.payload); res.status = h.status; res.headers = h.headers; }
        else if (f.type === FrameType.RESPONSE_BODY) res.chunks.push(f.payload);
        else throw new Error(`unexpected frame type ${f.type}`);
        if (f.flags & FrameFlags.END) {
          res.stopping = !!(f.flags & FrameFlags.WORKER_STOPPING);
          res.body = Buffer.concat(res.chunks);
          res.text = res.body.toString('utf8');
          return res;
        }
      }
    };
    conn.ping = async () => {
      const id = conn.nextId++;
      sock.write(encodeFrame(FrameType.PING, FrameFlags.NONE, id));
      const f = await conn.next();
      return { frame: f, pong: f && f.type === FrameType.PONG ? decodePong(f.payload) : null };
    };
    conn.close = () => sock.end();
    conn.waitClosed = (ms = 3000) => new Promise((res) => {
      if (conn.closed) return res(true);
      const t = setTimeout(() => res(false), ms);
      sock.on('close', () => { clearTimeout(t); res(true); });
    });
  });
}

function fullHead(head) {
  return {
    method: 'GET', uri: '/', headers: [['host', '127.0.0.1:8080']],
    remote_addr: '127.0.0.1', remote_port: 50000, server_addr: '127.0.0.1', server_port: 8080,
    https: false, protocol: 'HTTP/1.1', time: Date.now() / 1000, ...head,
  };
}
const header = (res, name) => res.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
const sha1 = (b) => createHash('sha1').update(b).digest('hex');

async function stop(worker, signal = 'SIGTERM') {
  if (worker.exit) return worker.exit;
  worker.child.kill(signal);
  return Promise.race([worker.exited, sleep(5000).then(() => { worker.child.kill('SIGKILL'); return { code: null, signal: 'timeout' }; })]);
}

// ---------------------------------------------------------------------------------------------
async function plainTests() {
  const handler = join(here, 'fixtures', 'echo-handler.php');

  // hello.php: the benchmark handler.
  {
    const w = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: join(root, 'php', 'handlers', 'hello.php') });
    const ready = await w.readyPromise;
    check('ready line on fd 3', ready.ready === true && ready.pid === w.child.pid && ready.socket === w.socket, JSON.stringify(ready));
    const mode = statSync(w.socket).mode & 0o777;
    check('socket file is 0600', mode === 0o600, mode.toString(8));
    const c = await open(w.socket);
    check('HELLO {protocol 1, pid, app plain}', c.hello.protocol === 1 && c.hello.pid === w.child.pid && c.hello.app === 'plain', JSON.stringify(c.hello));
    const r = await c.request({ uri: '/' });
    check('hello.php → 200 text/plain "hello"', r.status === 200 && r.text === 'hello' && header(r, 'content-type')[0] === 'text/plain', JSON.stringify([r.status, r.headers, r.text]));
    check('small response = RESPONSE_HEAD + one RESPONSE_BODY with END', r.frames.length === 2 && r.frames[1].flags === FrameFlags.END);
    // quick throughput probe (sequential round trips on one connection)
    const n = 5000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await c.request({ uri: '/' });
    const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
    console.log(`     (hello.php: ${n} sequential round trips, ${us.toFixed(1)} µs each, ~${Math.round(1e6 / us)}/s on one connection)`);
    c.close();
    const exit = await stop(w);
    check('SIGTERM while idle → exit 0', exit.code === 0, JSON.stringify(exit));
    check('socket file removed on exit', !existsSync(w.socket));
    check('nothing on stdout', w.stdout === '', w.stdout);
  }

  const w = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler });
  await w.readyPromise;
  const a = await open(w.socket);
  const b = await open(w.socket);
  {
    const r = await a.request({ method: 'POST', uri: '/echo?x=1&y=2', headers: [['host', 'h'], ['accept', 'a'], ['accept', 'b']] }, Buffer.from('body!'));
    const j = JSON.parse(r.text);
    check('request head fields reach the handler', j.method === 'POST' && j.path === '/echo' && j.query === 'x=1&y=2' && j.body_length === 5 && j.headers.length === 3 && j.remote[1] === 50000, r.text);

    let ok = true;
    for (let i = 0; i < 20; i++) {
      const [x, y] = await Promise.all([a.request({ uri: `/a${i}` }), sleep(1).then(() => b.request({ uri: `/b${i}` }))]);
      ok &&= JSON.parse(x.text).path === `/a${i}` && JSON.parse(y.text).path === `/b${i}`;
    }
    check('two connections interleaved, each gets its own responses', ok);

    const big = Buffer.alloc(2 * 1024 * 1024 + 123, 7);
    const rb = await b.request({ method: 'POST', uri: '/upload' }, big);
    const jb = JSON.parse(rb.text);
    check('2 MiB request body (3 REQUEST_BODY frames) arrives whole', jb.body_length === big.length && jb.body_sha1 === sha1(big), rb.text.slice(0, 200));

    const rbig = await a.request({ uri: '/big?bytes=2500000' });
    check('2.5 MB response body: 3 RESPONSE_BODY frames ≤ 1 MiB, END on the last', rbig.body.length === 2500000 && rbig.frames.length === 4 && rbig.frames.slice(1).every((f) => f.payload.length <= 1048576) && rbig.frames[3].flags === FrameFlags.END && rbig.frames[1].flags === 0);

    const rhuge = await a.request({ uri: '/big?bytes=9000000' });
    check('9 MB response body (frame-by-frame write path)', rhuge.body.length === 9000000 && rhuge.frames.length === 10);

    const e = await a.request({ uri: '/empty' });
    check('empty body → RESPONSE_HEAD with END only', e.frames.length === 1 && e.frames[0].type === FrameType.RESPONSE_HEAD && e.frames[0].flags === FrameFlags.END && e.status === 204);

    const m = await a.request({ uri: '/map-headers' });
    check('name=>value header maps are sent as string pairs', m.status === 201 && JSON.stringify(m.headers) === JSON.stringify([['X-One', '1'], ['X-Two', 'a'], ['X-Two', 'b'], ['X-Num', '5']]), JSON.stringify(m.headers));

    const bh = await a.request({ uri: '/bad-header' });
    check('a response that cannot be encoded → ERROR frame, worker keeps serving', bh.error?.code === 'APP_ERROR' && JSON.parse((await a.request({ uri: '/ok' })).text).path === '/ok', JSON.stringify(bh.error));

    const before = w.stderr.length;
    const s = await a.request({ uri: '/stdout' });
    await sleep(50);
    const logged = w.stderr.slice(before);
    check('echo output stays out of the response', s.status === 200 && s.text === 'after stdout', s.text);
    check('echo output logged on stderr as [stdout] lines', logged.includes('[stdout] stray output line 1\n') && logged.includes('[stdout] line 2 (continued)\n'), logged);

    const t = await a.request({ uri: '/throw' });
    check('handler exception → ERROR APP_ERROR, no stack trace in the frame', t.error?.code === 'APP_ERROR' && t.error.message.includes('kaboom') && !t.error.message.includes('#0') && t.frames[0].flags & FrameFlags.END, JSON.stringify(t.error));
    await sleep(50);
    check('handler exception logged with its trace on stderr', /kaboom secret[^]*#0 /.test(w.stderr));

    const st = await a.request({ uri: '/stream' });
    check('streamed response: a body frame per write, then an empty END frame', st.text === 'chunk 0\nchunk 1\nchunk 2\n' && st.frames.length === 5 && st.frames[4].payload.length === 0 && st.frames[4].flags === FrameFlags.END, JSON.stringify(st.frames.map((f) => [f.type, f.flags, f.payload.length])));
    const sf = await a.request({ uri: '/stream-fail' });
    check('stream that throws after its head → ERROR frame ends the response', sf.status === 200 && sf.error?.code === 'APP_ERROR' && sf.chunks.length === 1);

    const p = await b.ping();
    check('PING → PONG {memory, requests} with the same id', p.frame.type === FrameType.PONG && p.frame.id === b.nextId - 1 && p.pong.memory > 0 && p.pong.requests >= 40, JSON.stringify(p.pong));

    b.sock.write(encodeFrame(FrameType.CANCEL, FrameFlags.NONE, 999));
    const after = await b.request({ uri: '/after-cancel' });
    check('CANCEL while idle is ignored', JSON.parse(after.text).path === '/after-cancel');

    // Garbage on one connection: that connection is closed, the other keeps working.
    const g = await open(w.socket);
    g.sock.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    check('garbage bytes → the worker closes that connection', await g.waitClosed());
    const ok2 = await a.request({ uri: '/still-alive' });
    check('other connections keep working after garbage', JSON.parse(ok2.text).path === '/still-alive');
    check('garbage logged as a protocol error', w.stderr.includes('FRAME_BAD_MAGIC'));

    // A body frame with another request id → connection closed.
    const h = await open(w.socket);
    const head = Buffer.from(JSON.stringify(fullHead({ method: 'POST', uri: '/x' })));
    h.sock.write(Buffer.concat([encodeFrame(FrameType.REQUEST_HEAD, 0, 5, head), encodeFrame(FrameType.REQUEST_BODY, FrameFlags.END, 6, Buffer.from('zz'))]));
    check('REQUEST_BODY with another id → connection closed', await h.waitClosed());
    check('wrong id logged as FRAME_WRONG_REQUEST_ID', w.stderr.includes('FRAME_WRONG_REQUEST_ID'));

    // A truncated frame followed by silence must not wedge the worker for the others forever:
    // (the stalled connection times out after 30 s; here we only check that closing it is fine)
    const tr = await open(w.socket);
    tr.sock.write(encodeFrame(FrameType.PING, 0, 1).subarray(0, 7));
    tr.sock.end();
    await sleep(100);
    const ok3 = await a.request({ uri: '/after-truncated' });
    check('a peer that closes inside a frame only loses its own connection', JSON.parse(ok3.text).path === '/after-truncated');

    // A REQUEST_HEAD whose JSON is broken.
    const bj = await open(w.socket);
    bj.sock.write(encodeFrame(FrameType.REQUEST_HEAD, FrameFlags.END, 1, Buffer.from('{nope')));
    check('REQUEST_HEAD with invalid JSON → connection closed', await bj.waitClosed());

    // Live socket: a second worker on the same path refuses to start.
    const w2 = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler, BRIDGE_SOCKET: w.socket });
    const exit2 = await w2.exited;
    check('second worker on a live socket exits 1 with a clear message', exit2.code === 1 && /already listening/.test(w2.stderr), w2.stderr);
    const ok4 = await a.request({ uri: '/not-stolen' });
    check('the live worker keeps its socket', JSON.parse(ok4.text).path === '/not-stolen' && existsSync(w.socket));

    // SIGTERM during a slow request: it completes, then the worker exits 0.
    const slow = a.request({ uri: '/sleep?ms=400' });
    await sleep(100);
    w.child.kill('SIGTERM');
    const sr = await slow;
    const ex = await Promise.race([w.exited, sleep(3000).then(() => null)]);
    check('SIGTERM mid-request: the request completes', sr.text === 'slept', sr.text);
    check('... then exit 0 and the socket file is gone', ex?.code === 0 && !existsSync(w.socket), JSON.stringify(ex));
  }

  // A peer that stalls inside a frame is cut off after BRIDGE_IO_TIMEOUT; the others then go on.
  {
    const ws = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler, BRIDGE_IO_TIMEOUT: '0.5' });
    await ws.readyPromise;
    const stalled = await open(ws.socket);
    const other = await open(ws.socket);
    stalled.sock.write(encodeFrame(FrameType.PING, 0, 1).subarray(0, 7));
    await sleep(50);
    const t0 = Date.now();
    const r = await other.request({ uri: '/after-stall' });
    const waited = Date.now() - t0;
    check('a peer stalled inside a frame is closed after BRIDGE_IO_TIMEOUT; the others are then served',
      (await stalled.waitClosed(2000)) && JSON.parse(r.text).path === '/after-stall' && waited < 1500 && /read timed out/.test(ws.stderr),
      `${waited} ms ${ws.stderr.slice(-300)}`);
    other.close();
    await stop(ws);
  }

  // MAX_REQUESTS=3: the third response carries WORKER_STOPPING; then exit 0.
  {
    const w3 = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler, BRIDGE_MAX_REQUESTS: '3' });
    await w3.readyPromise;
    const c = await open(w3.socket);
    const r1 = await c.request({ uri: '/1' });
    const r2 = await c.request({ uri: '/2' });
    const p = await c.ping();
    const r3 = await c.request({ uri: '/3' });
    check('MAX_REQUESTS=3: responses 1 and 2 without WORKER_STOPPING', !r1.stopping && !r2.stopping && p.pong.requests === 2);
    check('MAX_REQUESTS=3: 3rd response has END|WORKER_STOPPING on its last frame', r3.stopping && r3.frames.at(-1).flags === (FrameFlags.END | FrameFlags.WORKER_STOPPING));
    const ex = await Promise.race([w3.exited, sleep(3000).then(() => null)]);
    check('... and the worker exits 0, socket removed', ex?.code === 0 && !existsSync(w3.socket), JSON.stringify(ex));
  }

  // exit() or a fatal error inside a request: Node still gets ERROR + WORKER_STOPPING.
  for (const [path, what] of [['/exit', 'exit()'], ['/fatal', 'a fatal error (memory exhausted)']]) {
    const wx = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler });
    await wx.readyPromise;
    const c = await open(wx.socket);
    const r = await c.request({ uri: path });
    const ex = await Promise.race([wx.exited, sleep(3000).then(() => null)]);
    check(`${what} during a request → ERROR APP_ERROR with END|WORKER_STOPPING, socket removed`,
      r.error?.code === 'APP_ERROR' && r.frames.at(-1).flags === (FrameFlags.END | FrameFlags.WORKER_STOPPING) && ex !== null && !existsSync(wx.socket),
      JSON.stringify([r.error, ex, wx.stderr.slice(-400)]));
  }

  // Memory limit: a response after crossing it carries WORKER_STOPPING.
  {
    const w4 = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler, BRIDGE_MEMORY_LIMIT_MB: '20' });
    await w4.readyPromise;
    const c = await open(w4.socket);
    let stoppedAt = 0;
    for (let i = 1; i <= 5; i++) {
      const r = await c.request({ uri: '/memory' });
      if (r.stopping) { stoppedAt = i; break; }
    }
    check('memory limit 20 MB: WORKER_STOPPING once memory passes it', stoppedAt >= 1 && stoppedAt <= 3, `stopped at ${stoppedAt}`);
    const ex = await Promise.race([w4.exited, sleep(3000).then(() => null)]);
    check('... then exit 0', ex?.code === 0);
  }

  // Stale socket file: removed at start.
  {
    const stale = join(tmp, 'stale.sock');
    const srv = createServer();
    await new Promise((r) => srv.listen(stale, r));
    // Leave the file behind without a listener: close the fd but keep the path (Node unlinks on close, so recreate by hard kill in a child).
    await new Promise((r) => srv.close(r));
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    await new Promise((r) => child.on('exit', r));
    const wasThere = existsSync(stale);
    const w5 = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler, BRIDGE_SOCKET: stale });
    await w5.readyPromise;
    const c = await open(stale);
    const r = await c.request({ uri: '/x' });
    check('stale socket file from a dead process is replaced', wasThere && r.status === 200 && w5.stderr.includes('removed stale socket'), w5.stderr);
    c.close();
    await stop(w5);

    writeFileSync(join(tmp, 'regular'), 'data');
    const w6 = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler, BRIDGE_SOCKET: join(tmp, 'regular') });
    const e6 = await w6.exited;
    check('a path that is a regular file is never removed', e6.code === 1 && existsSync(join(tmp, 'regular')) && /not a socket/.test(w6.stderr), w6.stderr);
  }

  // No fd 3: starts anyway.
  {
    const w7 = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler }, { readyFd: false });
    await w7.readyPromise;
    const c = await open(w7.socket);
    const r = await c.request({ uri: '/no-fd3' });
    check('without fd 3 the worker starts and serves', r.status === 200 && w7.stdout === '');
    c.close();
    await stop(w7);
  }

  // BRIDGE_PARENT_PID: the worker exits when its parent dies.
  {
    const sock = join(tmp, 'orphan.sock');
    // sh starts php in the background, prints php's pid, waits until told to die.
    const sh = spawn('sh', ['-c', `BRIDGE_PARENT_PID=$$ php ${WORKER} & echo $!; sleep 30`], {
      env: { ...process.env, BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler, BRIDGE_SOCKET: sock },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const phpPid = await new Promise((r) => sh.stdout.once('data', (d) => r(Number(String(d).trim()))));
    for (let i = 0; i < 50 && !existsSync(sock); i++) await sleep(50);
    sh.kill('SIGKILL');
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await sleep(100);
      try { process.kill(phpPid, 0); } catch { gone = true; }
    }
    check('BRIDGE_PARENT_PID: worker exits within ~2 s after its parent dies', gone && !existsSync(sock));
  }

  // Bad configuration fails with a message and exit 1.
  {
    const w8 = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: join(tmp, 'missing.php') });
    const e8 = await w8.exited;
    check('missing handler file → exit 1 with a message', e8.code === 1 && w8.stderr.includes('missing.php'), w8.stderr);
    const w9 = startWorker({ BRIDGE_APP: 'plain', BRIDGE_HANDLER: handler, BRIDGE_MAX_REQUESTS: 'lots' });
    const e9 = await w9.exited;
    check('invalid BRIDGE_MAX_REQUESTS → exit 1 naming the variable', e9.code === 1 && w9.stderr.includes('BRIDGE_MAX_REQUESTS'), w9.stderr);
  }
}

// ---------------------------------------------------------------------------------------------
async function laravelTests() {
  const app = process.env.LARAVEL_PATH ?? join(root, 'example');
  const w = startWorker({ BRIDGE_APP: 'laravel', LARAVEL_PATH: app });
  const t0 = Date.now();
  await w.readyPromise;
  console.log(`     (Laravel at ${app} booted in ${Date.now() - t0} ms)`);
  const c = await open(w.socket);
  const c2 = await open(w.socket);
  check('HELLO app laravel', c.hello.app === 'laravel');

  const ping = await c.request({ uri: '/api/ping' });
  check('GET /api/ping → 200 JSON {"pong":true}', ping.status === 200 && ping.text === '{"pong":true}' && /application\/json/.test(header(ping, 'content-type')[0]), `${ping.status} ${ping.text}`);

  const n = 2000;
  let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await c.request({ uri: '/api/ping' });
  const us = Number(process.hrtime.bigint() - t) / 1000 / n;
  console.log(`     (/api/ping: ${n} sequential round trips, ${us.toFixed(0)} µs each, ~${Math.round(1e6 / us)}/s per worker)`);

  const echo = await c.request({
    method: 'POST', uri: '/api/echo?a=1&b[]=2&b[]=3',
    headers: [['host', 'example.test:8080'], ['content-type', 'application/json'], ['x-test', 'one'], ['x-test', 'two'], ['cookie', 'c1=v1'], ['cookie', 'c2=hello%20world']],
  }, Buffer.from(JSON.stringify({ name: 'Ada', n: 1 })));
  const e = JSON.parse(echo.text);
  check('POST JSON: input() sees the JSON body', e.input?.name === 'Ada' && e.input?.a === '1', JSON.stringify(e.input));
  check('query parsed (nested b[])', JSON.stringify(e.query) === JSON.stringify({ a: '1', b: ['2', '3'] }), JSON.stringify(e.query));
  check('repeated headers joined, cookies parsed from joined Cookie', e.headers['x-test']?.[0] === 'one, two' && e.cookies.c1 === 'v1' && e.cookies.c2 === 'hello world', JSON.stringify([e.headers['x-test'], e.cookies]));
  check('$_SERVER mapping (SERVER_NAME without port, SERVER_PORT, CONTENT_LENGTH, REQUEST_URI)',
    e.server.SERVER_NAME === 'example.test' && e.server.SERVER_PORT === '8080' && e.server.CONTENT_LENGTH === String(JSON.stringify({ name: 'Ada', n: 1 }).length) && e.server.REQUEST_URI === '/api/echo?a=1&b[]=2&b[]=3' && e.url === 'http://example.test:8080/api/echo', JSON.stringify([e.server, e.url]));
  check('remote address', e.ip === '127.0.0.1' && e.secure === false);

  const https = await c.request({ uri: '/api/echo', https: true, server_port: 443, headers: [['host', 'secure.test']] });
  const eh = JSON.parse(https.text);
  check('https → HTTPS=on, secure(), https:// URLs', eh.secure === true && eh.server.HTTPS === 'on' && eh.url === 'https://secure.test/api/echo', JSON.stringify([eh.secure, eh.url]));

  const form = await c.request({ method: 'POST', uri: '/api/echo', headers: [['host', 'h'], ['content-type', 'application/x-www-form-urlencoded']] }, Buffer.from('x=1&y[]=a&y[]=b'));
  const ef = JSON.parse(form.text);
  check('form-urlencoded body → request input', ef.input?.x === '1' && JSON.stringify(ef.input?.y) === '["a","b"]', JSON.stringify(ef.input));

  const put = await c.request({ method: 'PUT', uri: '/api/echo', headers: [['host', 'h'], ['content-type', 'application/x-www-form-urlencoded']] }, Buffer.from('p=1'));
  check('form-urlencoded PUT → input (like Symfony createFromGlobals)', JSON.parse(put.text).input?.p === '1', put.text);

  const boundary = '----bridgeBoundary42';
  const fileBody = Buffer.from('file-content-\u00e9\n');
  const mp = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="tags[]"\r\n\r\nt1\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="tags[]"\r\n\r\nt2\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="doc"; filename="C:\\dir\\a.txt"\r\nContent-Type: text/plain\r\n\r\n`), fileBody, Buffer.from('\r\n'),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="pics[]"; filename="p1.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`), Buffer.from([0, 1, 2, 13, 10, 45, 45]), Buffer.from('\r\n'),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="empty"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n`),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  const up = await c.request({ method: 'POST', uri: '/api/echo', headers: [['host', 'h'], ['content-type', `multipart/form-data; boundary=${boundary}`]] }, mp);
  if (up.error || up.status !== 200) console.log('     multipart response:', up.status, up.error, w.stderr.slice(-3000));
  const eu = JSON.parse(up.text ?? '{}');
  check('multipart: fields (incl. arrays) → input', eu.input?.title === 'hello' && JSON.stringify(eu.input?.tags) === '["t1","t2"]', JSON.stringify(eu.input));
  check('multipart: files → valid UploadedFiles with name, size, content',
    eu.files?.doc?.name === 'a.txt' && eu.files.doc.size === fileBody.length && eu.files.doc.sha1 === sha1(fileBody) && eu.files.doc.error === 0 && eu.files.pics?.[0]?.size === 7,
    JSON.stringify(eu.files));
  check('multipart: raw content empty (like php://input under fpm)', eu.body.length === 0);

  const hdr = await c.request({ uri: '/api/headers', headers: [['host', 'h'], ['x-test', 'echoed']] });
  const cookies = header(hdr, 'set-cookie');
  check('several Set-Cookie headers survive as separate pairs', cookies.length === 2 && cookies[0].startsWith('a=1') && cookies[1].startsWith('b=2') && cookies.every((v) => /samesite=lax/i.test(v)), JSON.stringify(cookies));
  check('repeated response header values stay separate (X-Multi)', JSON.stringify(header(hdr, 'x-multi')) === '["one","two"]' && header(hdr, 'x-echo')[0] === 'echoed', JSON.stringify(hdr.headers));

  const boom = await c.request({ uri: '/api/boom' });
  check('/api/boom → 500 with no stack trace or secret in the body', boom.status === 500 && !/secret detail|#0 |\.php/.test(boom.text), `${boom.status} ${boom.text.slice(0, 200)}`);

  const counts = [];
  for (let i = 0; i < 3; i++) counts.push(JSON.parse((await c.request({ uri: '/api/counter' })).text).count);
  counts.push(JSON.parse((await c2.request({ uri: '/api/counter' })).text).count);
  check('/api/counter grows across requests and connections (same process)', counts[1] === counts[0] + 1 && counts[2] === counts[1] + 1 && counts[3] === counts[2] + 1, JSON.stringify(counts));

  const before = w.stderr.length;
  const so = await c.request({ uri: '/api/stdout' });
  await sleep(50);
  check('/api/stdout: JSON response intact, stray output on stderr', so.text === '{"ok":true}' && w.stderr.slice(before).includes('[stdout] stray output'), so.text);

  const big = await c.request({ uri: '/api/big?bytes=3000000' });
  check('/api/big 3 MB → body frames ≤ 1 MiB', big.body.length === 3000000 && big.frames.length === 4);

  const upload = Buffer.alloc(2 * 1024 * 1024, 9);
  const us2 = await c.request({ method: 'POST', uri: '/api/upload-size', headers: [['host', 'h'], ['content-type', 'application/octet-stream']] }, upload);
  check('2 MiB raw upload → getContent() length and sha1', JSON.parse(us2.text).length === upload.length && JSON.parse(us2.text).sha1 === sha1(upload), us2.text);

  const head = await c.request({ method: 'HEAD', uri: '/api/ping' });
  check('HEAD → no body', head.status === 200 && head.frames.length === 1);

  const nf = await c.request({ uri: '/nope-not-a-route' });
  check('unknown route → 404', nf.status === 404);

  // Session: cookie round trip, no bleed between clients.
  const s1 = await c.request({ uri: '/session' });
  const sessionCookie = header(s1, 'set-cookie').find((v) => /_session=/.test(v));
  const jar = sessionCookie ? sessionCookie.split(';')[0] : '';
  const s2 = await c.request({ uri: '/session', headers: [['host', 'h'], ['cookie', jar]] });
  const s3 = await c2.request({ uri: '/session' });
  const s4 = await c.request({ uri: '/session', headers: [['host', 'h'], ['cookie', jar]] });
  check('session: same cookie continues (1, 2, 3)', JSON.parse(s1.text).visits === 1 && JSON.parse(s2.text).visits === 2 && JSON.parse(s4.text).visits === 3, [s1.text, s2.text, s4.text].join(' '));
  check('session: a client without the cookie starts fresh (no bleed)', JSON.parse(s3.text).visits === 1, s3.text);

  const home = await c.request({ uri: '/' });
  check('GET / (Blade view) → 200 HTML', home.status === 200 && /<html/i.test(home.text));

  c.close();
  c2.close();
  const exit = await stop(w);
  check('Laravel worker: SIGTERM → exit 0', exit.code === 0, JSON.stringify(exit) + w.stderr.slice(-500));
  check('Laravel worker: nothing on stdout', w.stdout === '', w.stdout);
  if (process.env.E2E_VERBOSE) console.log(w.stderr);
}


// ---------------------------------------------------------------------------------------------
async function stateTests() {
  const source = process.env.LARAVEL_PATH ?? join(root, 'example');
  const app = join(tmp, 'app');
  cpSync(source, app, { recursive: true, filter: (src) => !/\/(storage|\.git|node_modules)(\/|$)/.test(src.slice(source.length)) });
  for (const d of ['app', 'logs', 'framework/cache/data', 'framework/sessions', 'framework/views', 'framework/testing']) mkdirSync(join(app, 'storage', d), { recursive: true });
  appendFileSync(join(app, 'routes', 'api.php'), `\nrequire ${JSON.stringify(join(here, 'fixtures', 'state-api-routes.php'))};\n`);
  appendFileSync(join(app, 'routes', 'web.php'), `\nrequire ${JSON.stringify(join(here, 'fixtures', 'state-web-routes.php'))};\n`);
  writeFileSync(join(app, 'config', 'laravel-rust.php'), "<?php\nreturn ['flush' => ['bridge.flushed']];\n");

  const w = startWorker({ BRIDGE_APP: 'laravel', LARAVEL_PATH: app });
  await w.readyPromise;
  const c = await open(w.socket);
  const get = async (uri, headers = [['host', 'app.test']], conn = c) => {
    const r = await conn.request({ uri, headers });
    if (r.error || r.status >= 500) console.log(`     ${uri}: ${r.status} ${JSON.stringify(r.error)} ${r.text?.slice(0, 300)}\n${w.stderr.slice(-2000)}`);
    return r;
  };
  const json = async (uri, headers) => JSON.parse((await get(uri, headers)).text);

  check('app sees runningInConsole() === false (as under php-fpm)', (await json('/api/state/console')).console === false);

  await json('/api/state/locale/set');
  const loc = await json('/api/state/locale/get');
  check('locale reset after App::setLocale()/Carbon::setLocale()', loc.app === 'en' && loc.translator === 'en' && loc.carbon === 'en', JSON.stringify(loc));

  await json('/api/state/config/set');
  const cfg = await json('/api/state/config/get');
  check('config changes made in a request are rolled back', cfg.name !== 'Changed' && cfg.custom === null, JSON.stringify(cfg));

  const q = await json('/api/state/cookie/queue');
  const qc = await json('/api/state/cookie/count');
  const web = await get('/state/web-cookie');
  check('queued cookies flushed after the request', q.queued === 1 && qc.queued === 0 && !header(web, 'set-cookie').some((v) => v.startsWith('leaked=')), JSON.stringify([q, qc, header(web, 'set-cookie')]));

  const login = await json('/api/state/auth/login');
  const after = await json('/api/state/auth/check');
  check('auth guards forgotten: the next request is a guest', login.check === true && after.check === false && after.user === null, JSON.stringify([login, after]));

  await json('/api/state/terminating');
  await json('/api/state/terminating');
  const t = await json('/api/state/terminated');
  check('app()->terminating() callbacks from a request do not pile up', t.ran === 2, JSON.stringify(t));

  const u1 = await json('/api/state/url?x=1', [['host', 'one.test:8080']]);
  const u2 = await json('/api/state/url', [['host', 'two.test']]);
  check('URL generator follows each request (host, query)', u1.full === 'http://one.test:8080/api/state/url?x=1' && u2.current === 'http://two.test/api/state/url' && u2.route === 'http://two.test/x', JSON.stringify([u1, u2]));

  const p1 = await json('/api/state/paginator?page=3');
  const p2 = await json('/api/state/paginator');
  check('paginator resolves page/path from the current request', p1.page === 3 && p2.page === 1 && p2.path === 'http://app.test/api/state/paginator', JSON.stringify([p1, p2]));

  const db1 = await json('/api/state/db/begin');
  const db2 = await json('/api/state/db/level');
  await sleep(50);
  check('a transaction left open by a request is rolled back', db1.level === 1 && db2.level === 0 && w.stderr.includes('left a transaction open'), JSON.stringify([db1, db2]));

  await json('/api/state/flush/bind');
  const fl = await json('/api/state/flush/check');
  check("config('laravel-rust.flush') instances are forgotten, others kept", fl.flushed === false && fl.kept === true, JSON.stringify(fl));

  await json('/api/state/log/context');
  const lg = await json('/api/state/log/get');
  check('Log::withContext() does not leak into the next request', Array.isArray(lg.context) ? lg.context.length === 0 : Object.keys(lg.context).length === 0, JSON.stringify(lg));

  const rq = await json('/api/state/request-id?a=1');
  check('request() / app("request") / Request facade are the current request', rq.same === true && rq.uri === '/api/state/request-id?a=1' && rq.facade === rq.uri, JSON.stringify(rq));

  // Sessions: client A stores a secret; client B (no cookie) must not see it; A still does.
  const put = await get('/state/session/put?v=s3cr3t');
  const cookieA = header(put, 'set-cookie').map((v) => v.split(';')[0]).join('; ');
  const b = await json('/state/session/get');
  const a = await json('/state/session/get', [['host', 'app.test'], ['cookie', cookieA]]);
  check('session data does not bleed to a client without the cookie', b.secret === null, JSON.stringify(b));
  check('session data persists for the client with the cookie', a.secret === 's3cr3t' && a.id !== b.id, JSON.stringify([a, b]));

  const st = await get('/api/state/stream');
  check('StreamedResponse: body streamed as separate RESPONSE_BODY frames', st.text === 'part1\npart2\n' && st.chunks.length >= 2, JSON.stringify([st.text, st.chunks.length, w.stderr.slice(-500)]));
  const dl = await get('/api/state/download');
  check('BinaryFileResponse (download): file bytes + Content-Disposition', dl.status === 200 && dl.text.startsWith('#!/usr/bin/env php') && /attachment; filename=artisan.txt/.test(header(dl, 'content-disposition')[0] ?? ''), JSON.stringify([dl.status, dl.headers]));

  c.close();
  const exit = await stop(w);
  check('state app: SIGTERM → exit 0, nothing on stdout', exit.code === 0 && w.stdout === '', JSON.stringify(exit) + w.stdout);
  if (process.env.E2E_VERBOSE) console.log(w.stderr);

  // The same app with the package "installed": provider registered, worker started by artisan
  // under a custom STARTUP_COMMAND.
  appendFileSync(join(app, 'vendor', 'autoload.php'), `\nspl_autoload_register(static function ($c) { if (strncmp($c, 'LaravelRust\\\\Bridge\\\\', 19) === 0) { $f = ${JSON.stringify(join(root, 'php', 'src'))}.'/'.str_replace('\\\\', '/', substr($c, 19)).'.php'; if (is_file($f)) require $f; } });\n`);
  const appConfig = join(app, 'config', 'app.php');
  const { readFileSync } = await import('node:fs');
  writeFileSync(appConfig, readFileSync(appConfig, 'utf8').replace('App\\Providers\\RouteServiceProvider::class,', 'App\\Providers\\RouteServiceProvider::class,\n        LaravelRust\\Bridge\\BridgeServiceProvider::class,'));
  const socket = join(tmp, 'artisan.sock');
  const child = spawn('php', ['artisan', 'bridge:work'], {
    cwd: app,
    env: { ...process.env, STARTUP_COMMAND: 'bridge:work', BRIDGE_SOCKET: socket, BRIDGE_MAX_REQUESTS: '50', BRIDGE_PARENT_PID: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  started.push(child);
  const aw = { child, socket, stdout: '', stderr: '', exit: null };
  child.stdout.on('data', (d) => (aw.stdout += d));
  child.stderr.on('data', (d) => (aw.stderr += d));
  aw.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((aw.exit = { code, signal }))));
  const ready = await Promise.race([
    new Promise((resolve) => { let b = ''; child.stdio[3].on('data', (d) => { b += d; if (b.includes('\n')) resolve(JSON.parse(b)); }); }),
    aw.exited.then(() => null),
  ]);
  check('artisan STARTUP_COMMAND=bridge:work: ready line on fd 3', ready?.ready === true && ready.socket === socket, JSON.stringify(ready) + aw.stderr + aw.stdout);
  if (ready) {
    const ac = await open(socket);
    const ping = await ac.request({ uri: '/api/ping' });
    const counts = [];
    for (let i = 0; i < 3; i++) counts.push(JSON.parse((await ac.request({ uri: '/api/counter' })).text).count);
    await ac.request({ uri: '/api/state/locale/set' });
    const loc = JSON.parse((await ac.request({ uri: '/api/state/locale/get' })).text);
    const con = JSON.parse((await ac.request({ uri: '/api/state/console' })).text);
    check('artisan worker serves: ping, growing counter, state reset, runningInConsole false',
      ping.text === '{"pong":true}' && counts[2] === counts[0] + 2 && loc.app === 'en' && con.console === false && ac.hello.app === 'laravel',
      JSON.stringify([ping.text, counts, loc, con]));
    ac.close();
  }
  const ae = await stop(aw);
  check('artisan worker: SIGTERM → exit 0, socket removed, nothing on stdout', ae.code === 0 && !existsSync(socket) && aw.stdout === '', JSON.stringify(ae) + aw.stdout + aw.stderr.slice(-1000));
}

try {
  if (process.argv[2] === 'laravel') await laravelTests();
  else if (process.argv[2] === 'state') await stateTests();
  else await plainTests();
} catch (e) {
  failed++;
  console.log(`FAIL aborted: ${e.stack}`);
} finally {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
