// Client behaviour that needs a misbehaving server (timeouts, dropped connections, bad frames,
// pipelining, eviction): a real TCP server on 127.0.0.1 whose every answer the test scripts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { FrameReader } from '../../runtime/iggy/frame-reader.js';
import {
  Code,
  EvictionReason,
  decodeRequestHeader,
  encodeEviction,
  encodeLoginReply,
  encodeReply,
  Operation,
  PROTOCOL_VERSION,
  resultOk,
  type RequestHeader,
} from '../../runtime/iggy/codec/index.js';
import { IggyClient, IggyClosedError, IggyConnectionError, IggyError, IggyProtocolError, IggyTimeoutError } from '../../runtime/iggy/index.js';
import { silentLogger } from '../../runtime/log/logger.js';

interface ScriptedRequest {
  header: RequestHeader;
  frame: Buffer;
  /** Which connection (0, 1, ...) it came on. */
  connection: number;
}

/** What to do with a request: reply bytes, nothing (hang), or close the connection. */
type Answer = Buffer | 'hang' | 'close';

interface ScriptedServer {
  port: number;
  requests: ScriptedRequest[];
  connections: number;
  close(): Promise<void>;
  /** Destroys every open connection (the listener stays). */
  dropConnections(): void;
  /** Writes raw bytes on connection n. */
  writeTo(connection: number, bytes: Buffer): void;
}

/** The ordinary reply to a request: the operation echoed, `body` as given. */
function replyTo(header: RequestHeader, body: Uint8Array | readonly Uint8Array[] = [], status = 0): Buffer {
  return encodeReply({ client: header.client, request: header.request, operation: header.operation, status }, body);
}

/** A successful login reply handing out `session`. */
function loginReplyTo(header: RequestHeader, session: bigint, userId = 0): Buffer {
  const payload = encodeLoginReply({ userId, session, serverProtocolVersion: PROTOCOL_VERSION, serverVersion: 'scripted' });
  return replyTo(header, resultOk(payload));
}

/** Answers logins with sessions 1, 2, ... (or as `login` says) and everything else as `script` says. */
async function startScriptedServer(
  script: (req: ScriptedRequest, server: ScriptedServer) => Answer,
  login?: (req: ScriptedRequest) => Answer,
): Promise<ScriptedServer> {
  const sockets = new Set<net.Socket>();
  const byConnection: net.Socket[] = [];
  let sessions = 0n;
  const state: ScriptedServer = {
    port: 0,
    requests: [],
    connections: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    writeTo: (connection, bytes) => {
      byConnection[connection]!.write(bytes);
    },
  };
  const listener = net.createServer((socket) => {
    const connection = state.connections++;
    byConnection[connection] = socket;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        const req: ScriptedRequest = { header: decodeRequestHeader(frame), frame: Buffer.from(frame), connection };
        state.requests.push(req);
        const isLogin = req.header.code === Code.LoginRegister;
        const answer = isLogin ? (login ? login(req) : loginReplyTo(req.header, ++sessions)) : script(req, state);
        if (answer === 'close') {
          socket.destroy();
          return;
        }
        if (answer !== 'hang') socket.write(answer);
      }
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  state.port = (listener.address() as net.AddressInfo).port;
  return state;
}

const client = (port: number, extra: Partial<ConstructorParameters<typeof IggyClient>[0]> = {}): IggyClient =>
  // No heartbeat unless a test asks: its pings would interleave with the requests a test counts.
  new IggyClient({ host: '127.0.0.1', port, logger: silentLogger(), reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, heartbeatIntervalMs: 0, ...extra });

const waitFor = async (condition: () => boolean, what: string, ms = 5_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('a request without reply times out with IggyTimeoutError, and the client reconnects', async () => {
  let hang = true;
  const server = await startScriptedServer((req) => (hang ? 'hang' : replyTo(req.header)));
  const c = client(server.port);
  try {
    await c.connect();
    const started = Date.now();
    await assert.rejects(c.ping({ timeoutMs: 200 }), (e: unknown) => e instanceof IggyTimeoutError && e.code === 'IGGY_TIMEOUT');
    assert.ok(Date.now() - started < 2_000, 'the timeout fired late');
    hang = false;
    await c.ping();
    assert.equal(server.connections, 2, 'the timed-out connection must be replaced');
  } finally {
    await c.close();
    await server.close();
  }
});

test('requests in flight fail with a retryable IggyConnectionError when the server drops the connection', async () => {
  let drop = true;
  const server = await startScriptedServer((req) => (drop ? 'close' : replyTo(req.header)));
  const c = client(server.port);
  try {
    await c.connect();
    const err = await c.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof IggyConnectionError, `got ${String(err)}`);
    assert.equal(err.code, 'IGGY_CONNECTION');
    assert.equal(err.retryable, true);
    drop = false;
    await c.ping();
    assert.ok(server.connections >= 2);
  } finally {
    await c.close();
    await server.close();
  }
});

test('several requests are in flight on one connection and get their own replies in order', async () => {
  const held: Array<{ req: ScriptedRequest; socketWrite: Buffer }> = [];
  let maxWaiting = 0;
  let release: (() => void) | undefined;
  const server = await startScriptedServer((req) => {
    // Answer nothing until 20 requests are waiting, then answer all in order.
    held.push({ req, socketWrite: replyTo(req.header, Buffer.from(`reply-${held.length}`)) });
    maxWaiting = Math.max(maxWaiting, held.length);
    if (held.length === 20) release?.();
    return 'hang';
  });
  const c = client(server.port, { maxInFlight: 32 });
  try {
    await c.connect();
    const ready = new Promise<void>((r) => (release = r));
    const pings = Array.from({ length: 20 }, () => c.ping());
    await ready;
    assert.equal(maxWaiting, 20, 'all 20 requests must be written before the first reply');
    // Send every reply in one write: the client must split them and pair them in order.
    server.writeTo(0, Buffer.concat(held.map((h) => h.socketWrite)));
    await Promise.all(pings);
  } finally {
    await c.close();
    await server.close();
  }
});

test('maxInFlight bounds the requests written before replies arrive', async () => {
  let waiting = 0;
  let maxWaiting = 0;
  const pending: ScriptedRequest[] = [];
  const server = await startScriptedServer((req) => {
    waiting++;
    maxWaiting = Math.max(maxWaiting, waiting);
    pending.push(req);
    return 'hang';
  });
  const c = client(server.port, { maxInFlight: 3 });
  try {
    await c.connect();
    const pings = Array.from({ length: 10 }, () => c.ping());
    while (pending.length < 10) {
      await waitFor(() => pending.length > 0, 'a request');
      const req = pending.shift()!;
      waiting--;
      server.writeTo(0, replyTo(req.header));
      await new Promise((r) => setTimeout(r, 5));
      if (server.requests.length === 10 && pending.length === 0) break;
    }
    for (const req of pending.splice(0)) server.writeTo(0, replyTo(req.header));
    await Promise.all(pings);
    assert.equal(server.requests.filter((r) => r.header.code === Code.Ping).length, 10);
    assert.ok(maxWaiting <= 3, `at most 3 requests may wait for replies, saw ${maxWaiting}`);
  } finally {
    await c.close();
    await server.close();
  }
});

test('a reply with a size below the header length drops the connection; the request fails as a connection error', async () => {
  let broken = true;
  const server = await startScriptedServer((req) => {
    if (!broken) return replyTo(req.header);
    const bad = replyTo(req.header);
    bad.writeUInt32LE(12, 48);
    return bad;
  });
  const c = client(server.port);
  try {
    await c.connect();
    await assert.rejects(c.ping(), (e: unknown) => e instanceof IggyConnectionError && /size 12/.test(e.message));
    broken = false;
    await c.ping();
  } finally {
    await c.close();
    await server.close();
  }
});

test('a nonzero reply status becomes an IggyError naming the command', async () => {
  const server = await startScriptedServer((req) => replyTo(req.header, [], 1010));
  const c = client(server.port, { credentials: { username: 'iggy', password: 'iggy' } });
  try {
    await c.connect();
    await assert.rejects(
      c.getStream('orders'),
      (e: unknown) => e instanceof IggyError && e.status === 1010 && e.statusName === 'stream_name_not_found' && /getStream\(orders\)/.test(e.message),
    );
  } finally {
    await c.close();
    await server.close();
  }
});

test('a result-section rejection (committed business error) becomes an IggyError', async () => {
  const server = await startScriptedServer((req) => {
    const section = Buffer.alloc(12);
    section.writeUInt32LE(1, 0);
    section.writeUInt32LE(0, 4);
    section.writeUInt32LE(1012, 8);
    return replyTo(req.header, section);
  });
  const c = client(server.port, { credentials: { username: 'iggy', password: 'iggy' } });
  try {
    await c.connect();
    await assert.rejects(c.createStream('dup'), (e: unknown) => e instanceof IggyError && e.status === 1012);
  } finally {
    await c.close();
    await server.close();
  }
});

test('request headers carry the session, NonReplicated reads reuse the request id, writes advance it', async () => {
  const server = await startScriptedServer((req) => {
    // DeleteStream is result-framed: an empty result section (count 0) is success.
    if (req.header.code === Code.DeleteStream) return replyTo(req.header, resultOk());
    return replyTo(req.header);
  });
  const c = client(server.port, { credentials: { username: 'iggy', password: 'iggy' } });
  try {
    await c.connect();
    await c.ping();
    await c.deleteStream(7);
    await c.ping();
    await c.deleteStream(8);
    const [login, ping1, del1, ping2, del2] = server.requests.map((r) => r.header);
    assert.equal(login!.operation, Operation.Register);
    assert.equal(login!.request, 0n);
    assert.equal(login!.session, 0n);
    assert.equal(ping1!.operation, Operation.NonReplicated);
    assert.equal(ping1!.session, 1n);
    assert.equal(ping1!.request, 1n);
    assert.equal(del1!.operation, Operation.DeleteStream);
    assert.equal(del1!.request, 1n);
    assert.equal(ping2!.request, 2n);
    assert.equal(del2!.request, 2n);
    assert.ok(del1!.requestChecksum !== 0n, 'metadata writes carry the XXH3 stamp of their body');
    assert.equal(ping1!.requestChecksum, 0n);
    for (const h of [ping1, del1, ping2, del2]) assert.equal(h!.client, login!.client);
  } finally {
    await c.close();
    await server.close();
  }
});

test('after a dropped connection the client logs in again under a fresh client id and session', async () => {
  const server = await startScriptedServer((req) => replyTo(req.header));
  const c = client(server.port, { credentials: { username: 'iggy', password: 'iggy' } });
  try {
    await c.connect();
    await c.ping();
    server.dropConnections();
    await waitFor(() => server.connections === 2 && c.state === 'ready', 'the reconnect');
    await c.ping();
    const logins = server.requests.filter((r) => r.header.code === Code.LoginRegister);
    assert.equal(logins.length, 2);
    assert.notEqual(logins[0]!.header.client, logins[1]!.header.client);
    const lastPing = server.requests.at(-1)!.header;
    assert.equal(lastPing.session, 2n, 'requests after the reconnect carry the new session');
    assert.equal(lastPing.client, logins[1]!.header.client);
  } finally {
    await c.close();
    await server.close();
  }
});

test('an eviction answering the login is an IggyError (invalid credentials), and connect() rejects with it', async () => {
  const server = await startScriptedServer(
    () => 'hang',
    (req) => encodeEviction({ client: req.header.client, reason: EvictionReason.InvalidCredentials, serverProtocolVersion: 0, serverProtocolVersionMin: 0 }),
  );
  const c = client(server.port, { credentials: { username: 'iggy', password: 'wrong' } });
  try {
    await assert.rejects(c.connect(), (e: unknown) => e instanceof IggyError && e.status === 42 && /check the username and password/.test(e.message));
    assert.equal(c.state, 'failed');
  } finally {
    await c.close();
    await server.close();
  }
});

test('a reconnect that cannot reach the server gives up after maxAttempts and fails waiting requests', async () => {
  const server = await startScriptedServer((req) => replyTo(req.header));
  const c = client(server.port, { reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 } });
  try {
    await c.connect();
    await server.close();
    await waitFor(() => c.state !== 'ready', 'the loss to be seen');
    await assert.rejects(c.ping({ timeoutMs: 5_000 }), (e: unknown) => e instanceof IggyConnectionError);
    await waitFor(() => c.state === 'failed', 'the client to give up');
  } finally {
    await c.close();
  }
});

test('close() fails requests in flight with IggyClosedError and later calls too', async () => {
  const server = await startScriptedServer(() => 'hang');
  const c = client(server.port);
  try {
    await c.connect();
    const pending = c.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(() => server.requests.length === 1, 'the request to arrive');
    await c.close();
    assert.ok((await pending) instanceof IggyClosedError);
    await assert.rejects(c.ping(), IggyClosedError);
    assert.equal(c.state, 'closed');
  } finally {
    await c.close();
    await server.close();
  }
});

test('close() during a reconnect backoff returns at once and leaves no timer behind', async () => {
  const server = await startScriptedServer((req) => replyTo(req.header));
  const c = client(server.port, { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
  try {
    await c.connect();
    await server.close();
    await waitFor(() => c.state === 'reconnecting', 'the loss to be seen');
    const started = Date.now();
    await c.close();
    assert.ok(Date.now() - started < 1_000, `close() took ${Date.now() - started} ms`);
    assert.equal(c.state, 'closed');
  } finally {
    await c.close();
  }
});

test('the heartbeat pings while connected and stops at close()', async () => {
  const server = await startScriptedServer((req) => replyTo(req.header));
  const c = client(server.port, { heartbeatIntervalMs: 30 });
  const pings = (): number => server.requests.filter((r) => r.header.code === Code.Ping).length;
  try {
    await c.connect();
    await waitFor(() => pings() >= 3, 'three heartbeats');
  } finally {
    await c.close();
  }
  const after = pings();
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(pings(), after, 'no heartbeat after close()');
  await server.close();
});

test('a heartbeat without answer finds the dead connection, which is replaced', async () => {
  let deaf = true;
  const server = await startScriptedServer((req) => (deaf ? 'hang' : replyTo(req.header)));
  const c = client(server.port, { heartbeatIntervalMs: 30, requestTimeoutMs: 100 });
  try {
    await c.connect();
    await waitFor(() => c.state === 'reconnecting', 'the unanswered heartbeat to drop the connection');
    deaf = false;
    await waitFor(() => c.state === 'ready' && server.connections >= 2, 'the reconnect');
    await c.ping();
  } finally {
    await c.close();
    await server.close();
  }
});

test('close() while the connection is still opening (a TLS handshake that never ends) ends connect() at once', async () => {
  const silent = net.createServer(() => {}); // accepts TCP, never speaks TLS
  const sockets = new Set<net.Socket>();
  silent.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  const port = (silent.address() as net.AddressInfo).port;
  const c = client(port, { tls: { servername: 'iggy.test' }, connectTimeoutMs: 30_000 });
  try {
    const connecting = c.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(() => sockets.size === 1, 'the TCP connection');
    const started = Date.now();
    await c.close();
    const error = await connecting;
    assert.ok(error instanceof IggyClosedError, `got ${String(error)}`);
    assert.ok(Date.now() - started < 1_000, 'connect() must end with close(), not with its timeout');
    assert.equal(c.state, 'closed');
  } finally {
    await c.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

test('a connect timeout rejects with IggyTimeoutError', async () => {
  const silent = net.createServer(() => {});
  const sockets = new Set<net.Socket>();
  silent.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  const port = (silent.address() as net.AddressInfo).port;
  const c = client(port, { tls: { servername: 'iggy.test' }, connectTimeoutMs: 150 });
  try {
    await assert.rejects(c.connect(), (e: unknown) => e instanceof IggyTimeoutError && /150 ms/.test(e.message));
  } finally {
    await c.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

test('a ping before login goes with session 0, and the first login keeps that client id (as the SDK does)', async () => {
  const server = await startScriptedServer((req) => replyTo(req.header));
  const c = client(server.port);
  try {
    await c.connect();
    await c.ping();
    await c.login('iggy', 'iggy');
    await c.ping();
    await c.login('iggy', 'iggy');
    const [ping1, login1, ping2, login2] = server.requests.map((r) => r.header);
    assert.equal(ping1!.session, 0n);
    assert.equal(ping1!.request, 1n);
    assert.equal(login1!.client, ping1!.client, 'the first login keeps the client id');
    assert.equal(ping2!.session, 1n);
    assert.notEqual(login2!.client, login1!.client, 'a later login mints a fresh client id');
  } finally {
    await c.close();
    await server.close();
  }
});

test('a reply for another operation, or a frame that is not a reply, fails the request as a protocol error and the client reconnects', async () => {
  let mode: 'wrong-operation' | 'not-a-reply' | 'ok' = 'wrong-operation';
  const server = await startScriptedServer((req) => {
    if (mode === 'wrong-operation')
      return encodeReply({ client: req.header.client, request: req.header.request, operation: Operation.CreateStream }, resultOk());
    if (mode === 'not-a-reply') {
      const frame = replyTo(req.header);
      frame[60] = 5; // Request
      return frame;
    }
    return replyTo(req.header);
  });
  const c = client(server.port);
  try {
    await c.connect();
    await assert.rejects(c.ping(), (e: unknown) => e instanceof IggyProtocolError && /operation 128/.test(e.message));
    await waitFor(() => c.state === 'ready' && server.connections === 2, 'the reconnect after a wrong operation');
    mode = 'not-a-reply';
    await assert.rejects(c.ping(), (e: unknown) => e instanceof IggyProtocolError && /frame command 5/.test(e.message));
    await waitFor(() => c.state === 'ready' && server.connections === 3, 'the reconnect after a non-reply frame');
    mode = 'ok';
    await c.ping();
  } finally {
    await c.close();
    await server.close();
  }
});
