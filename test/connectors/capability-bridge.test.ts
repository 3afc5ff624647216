// The synchronous bridge from a guest's thread to its capability I/O thread, driven
// directly: the HTTP server runs in its own thread because this one blocks in Atomics.wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { CapabilityBridgeError, IoBridge } from '../../runtime/host/capabilities/bridge.js';
import type { HttpResult } from '../../runtime/host/capabilities/protocol.js';

// Answers `/slow...` after 600 ms, `/big` with 17 MiB, anything else at once with the path echoed.
const SERVER = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/slow')) return void setTimeout(() => res.end('slow ' + req.url), 600);
  if (req.url === '/big') return void res.end(Buffer.alloc(17 * 1024 * 1024, 97));
  res.setHeader('x-echo', req.method);
  res.end('path ' + req.url);
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => { server.closeAllConnections(); server.close(); parentPort.close(); });
`;

async function startServer(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const worker = new Worker(SERVER, { eval: true });
  const [port] = (await once(worker, 'message')) as [number];
  t.after(async () => {
    worker.postMessage('stop');
    await once(worker, 'exit');
  });
  return `http://127.0.0.1:${port}`;
}

const get = (url: string, timeoutMs = 5_000) => ({
  op: 'http' as const,
  method: 'GET',
  url,
  headers: [] as [string, string][],
  body: new Uint8Array(0),
  timeoutMs,
});

test('a call blocks until the I/O thread answers; a late answer never reaches the next call', async (t) => {
  const base = await startServer(t);
  const bridge = new IoBridge();
  t.after(() => bridge.close());
  const first = bridge.call(get(`${base}/a`), 10_000);
  assert.equal(first.ok, true, JSON.stringify(first));
  const r = (first as { value: HttpResult }).value;
  assert.equal(r.status, 200);
  assert.equal(Buffer.from(r.body).toString(), 'path /a');
  assert.ok(
    r.headers.some(([k, v]) => k === 'x-echo' && v === 'GET'),
    JSON.stringify(r.headers),
  );

  // The bridge gives up before the I/O thread does; that answer arrives while the next call waits and must be dropped.
  const abandoned = bridge.call(get(`${base}/slow?1`), 100);
  assert.deepEqual(abandoned, { ok: false, failure: { tag: 'timeout', val: 'no answer within 100 ms' } });
  const next = bridge.call(get(`${base}/slow?2`), 10_000);
  assert.equal(next.ok, true, JSON.stringify(next));
  assert.equal(Buffer.from((next as { value: HttpResult }).value.body).toString(), 'slow /slow?2');
  const after = bridge.call(get(`${base}/b`), 10_000);
  assert.equal(Buffer.from((after as { value: HttpResult }).value.body).toString(), 'path /b');
});

test('failures come back as the WIT error cases: timeout, too-large, connection', async (t) => {
  const base = await startServer(t);
  const bridge = new IoBridge();
  t.after(() => bridge.close());
  const slow = bridge.call(get(`${base}/slow`, 200), 10_000);
  assert.equal(slow.ok, false);
  assert.equal((slow as { failure: { tag: string } }).failure.tag, 'timeout');
  const big = bridge.call(get(`${base}/big`), 10_000);
  assert.equal((big as { failure: { tag: string; val: string } }).failure.tag, 'too-large');
  assert.match((big as { failure: { val: string } }).failure.val, /exceeds 16777216 bytes/);
  // Port 1 on loopback: nothing listens there.
  const refused = bridge.call(get('http://127.0.0.1:1/'), 10_000);
  assert.equal((refused as { failure: { tag: string } }).failure.tag, 'connection', JSON.stringify(refused));
});

test('after close the bridge refuses calls instead of starting a new thread', async (t) => {
  const base = await startServer(t);
  const bridge = new IoBridge();
  assert.equal(bridge.call(get(`${base}/x`), 10_000).ok, true);
  bridge.close();
  bridge.close();
  assert.throws(() => bridge.call(get(`${base}/y`), 1_000), CapabilityBridgeError);
});

test('a malformed request is invalid-request, not a network failure', async (t) => {
  const base = await startServer(t);
  const bridge = new IoBridge();
  t.after(() => bridge.close());
  const badHeader = bridge.call({ ...get(`${base}/x`), headers: [['bad header', 'v']] }, 10_000);
  assert.equal((badHeader as { failure: { tag: string } }).failure?.tag, 'invalid-request', JSON.stringify(badHeader));
  const badMethod = bridge.call({ ...get(`${base}/x`), method: 'CONNECT' }, 10_000);
  assert.equal((badMethod as { failure: { tag: string } }).failure?.tag, 'invalid-request', JSON.stringify(badMethod));
});
