// Login, the version gate, credentials and the unauthenticated gate of the dev broker, over TCP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { silentLogger } from '../../runtime/log/logger.js';
import {
  Code,
  EvictionReason,
  Operation,
  PROTOCOL_VERSION,
  Status,
  decodeClientInfo,
  decodeClients,
  encodeGetClient,
  decodeLoginReply,
  encodeLoginRegister,
  encodeRequest,
  packVersion,
} from '../../runtime/iggy/codec/index.js';
import { WireClient } from './wire-client.js';

let broker: DevBroker;
before(async () => {
  broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
});
after(() => broker.close());

test('iggy/iggy logs in: Register reply, result section, session > 0', async () => {
  const c = await WireClient.connect(broker.port);
  const a = await c.login();
  assert.equal(a.status, 0);
  assert.equal(a.header?.operation, Operation.Register);
  assert.equal(a.header?.client, c.clientId, 'reply echoes the client id');
  const reply = decodeLoginReply(a.payload);
  assert.equal(reply.userId, 0);
  assert.ok(reply.session > 0n);
  assert.equal(reply.serverProtocolVersion, PROTOCOL_VERSION);
  const me = await c.request(Code.GetMe);
  assert.equal(me.status, 0);
  const info = decodeClientInfo(me.payload);
  assert.equal(info.userId, 0);
  const clients = decodeClients((await c.request(Code.GetClients)).payload);
  assert.ok(
    clients.some((x) => x.clientId === info.clientId),
    'GetClients lists this connection',
  );
  assert.equal(decodeClientInfo((await c.request(Code.GetClient, encodeGetClient(info.clientId))).payload).address, info.address);
  assert.equal((await c.request(Code.GetClient, encodeGetClient(999_999))).payload.length, 0);
  await c.close();
});

test('a wrong password is answered with an InvalidCredentials eviction', async () => {
  const c = await WireClient.connect(broker.port);
  const a = await c.login('iggy', 'nope');
  assert.equal(a.eviction?.reason, EvictionReason.InvalidCredentials);
  assert.equal(a.eviction?.client, c.clientId);
  const after = await c.request(Code.GetStreams);
  assert.equal(after.status, Status.Unauthenticated, 'still not logged in');
  await c.close();
});

test('an incompatible protocol version is evicted with the accepted window', async () => {
  const c = await WireClient.connect(broker.port);
  const a = await c.login('iggy', 'iggy', packVersion(0, 10, 1));
  assert.equal(a.eviction?.reason, EvictionReason.IncompatibleProtocol);
  assert.equal(a.eviction?.serverProtocolVersion, PROTOCOL_VERSION);
  assert.equal(a.eviction?.serverProtocolVersionMin, PROTOCOL_VERSION);
  await c.close();
});

test('a login body without a version prefix is evicted as MalformedLogin', async () => {
  const c = await WireClient.connect(broker.port);
  const a = await c.request(Code.LoginRegister, Buffer.from([1, 2]));
  assert.equal(a.eviction?.reason, EvictionReason.MalformedLogin);
  await c.close();
});

test('requests before login get status Unauthenticated (40), ping is allowed', async () => {
  const c = await WireClient.connect(broker.port);
  const ping = await c.request(Code.Ping);
  assert.equal(ping.status, 0);
  for (const code of [Code.GetStreams, Code.GetStats, Code.CreateStream, Code.GetClusterMetadata]) {
    const a = await c.request(code, Buffer.from([2, 0x73]));
    assert.equal(a.status, Status.Unauthenticated, `code ${code}`);
    assert.equal(a.frame.length, 256, 'a refusal has an empty body');
  }
  await c.close();
});

test('a request carrying another session is refused', async () => {
  const c = await WireClient.connect(broker.port);
  await c.login();
  c.session += 1n;
  const a = await c.request(Code.CreateStream, Buffer.from([2, 0x78, 0x79]));
  assert.equal(a.status, Status.Unauthenticated);
  await c.close();
});

test('logout answers with operation Logout and ends the session', async () => {
  const c = await WireClient.connect(broker.port);
  await c.login();
  const out = await c.request(Code.LogoutUser);
  assert.equal(out.status, 0);
  assert.equal(out.header?.operation, Operation.Logout);
  c.session = 0n;
  assert.equal((await c.request(Code.GetStreams)).status, Status.Unauthenticated);
  await c.close();
});

test('a raw Register frame with request id 0 and session 0 is accepted byte for byte', async () => {
  const c = await WireClient.connect(broker.port);
  const body = encodeLoginRegister({
    version: { protocolVersion: PROTOCOL_VERSION, sdkName: 'rust-sdk', sdkVersion: '0.11.0' },
    username: 'iggy',
    password: 'iggy',
  });
  c.writeRaw(encodeRequest({ client: 42n, request: 0n, session: 0n, code: Code.LoginRegister }, body));
  const a = WireClient.answer(await c.nextFrame());
  assert.equal(a.status, 0);
  assert.equal(a.header?.request, 0n);
  await c.close();
});
