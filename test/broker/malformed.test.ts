// Malformed input never takes the dev broker down: garbage, truncated frames, absurd sizes and
// broken bodies either get an error status or close that one connection; others keep working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { silentLogger } from '../../runtime/log/logger.js';
import { Code, Status, encodeCreateStream, encodeRequest } from '../../runtime/iggy/codec/index.js';
import { WireClient } from './wire-client.js';

let broker: DevBroker;
let healthy: WireClient;
before(async () => {
  broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger(), maxFrameSize: 1024 * 1024 });
  healthy = await WireClient.connect(broker.port);
  await healthy.login();
});
after(async () => {
  await healthy.close();
  await broker.close();
});

async function stillServing(): Promise<void> {
  assert.equal((await healthy.request(Code.Ping)).status, 0, 'the broker still answers other connections');
}

test('random garbage closes the connection', async () => {
  const c = await WireClient.connect(broker.port);
  c.writeRaw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(4)));
  await c.waitClosed();
  await stillServing();
});

test('a frame announcing a huge size closes the connection', async () => {
  const c = await WireClient.connect(broker.port);
  const frame = encodeRequest({ client: 1n, request: 1n, session: 0n, code: Code.Ping });
  frame.writeUInt32LE(0xffff_fff0, 48);
  c.writeRaw(frame);
  await c.waitClosed();
  await stillServing();
});

test('a truncated frame waits; a frame with a bad header closes the connection', async () => {
  const c = await WireClient.connect(broker.port);
  const ping = encodeRequest({ client: 1n, request: 1n, session: 0n, code: Code.Ping });
  c.writeRaw(ping.subarray(0, 100));
  await assert.rejects(c.nextFrame(200), /no frame/);
  c.writeRaw(ping.subarray(100));
  assert.equal(WireClient.answer(await c.nextFrame()).status, 0, 'the rest completes the frame');
  const bad = Buffer.from(ping);
  bad[60] = 8; // a Reply sent to the server
  c.writeRaw(bad);
  await c.waitClosed();
  await stillServing();
});

test('broken bodies get an error status on a live connection', async () => {
  const c = await WireClient.connect(broker.port);
  await c.login();
  const cases: Array<[number, Buffer]> = [
    [Code.CreateStream, Buffer.alloc(0)],
    [Code.CreateStream, Buffer.from([200, 1, 2])],
    [Code.CreateTopic, Buffer.from([9, 9, 9])],
    [Code.SendMessages, Buffer.from([255, 255, 255, 255, 1])],
    [Code.PollMessages, Buffer.from([1, 1, 4, 0])],
    [Code.StoreConsumerOffset, Buffer.alloc(3)],
    [Code.JoinConsumerGroup, Buffer.from([3, 0])],
    [60_000, Buffer.alloc(0)],
  ];
  for (const [code, body] of cases) {
    const a = await c.request(code, body);
    assert.notEqual(a.status, 0, `code ${code} with body ${body.toString('hex')} must be refused`);
    assert.equal(a.frame.length, 256);
  }
  assert.equal((await c.request(60_000)).status, Status.InvalidCommand);
  const stamped = encodeRequest({ client: c.clientId, request: 50n, session: c.session, code: Code.CreateStream }, encodeCreateStream({ name: 'stamped' }));
  stamped[144]! ^= 1; // request_checksum no longer matches the body
  c.writeRaw(stamped);
  assert.equal(WireClient.answer(await c.nextFrame()).status, Status.InvalidFormat);
  assert.equal((await c.request(Code.CreateStream, encodeCreateStream({ name: 'after-garbage' }))).status, 0, 'the connection still works');
  await c.close();
  await stillServing();
});
