// Iggy's official Rust SDK (crate iggy 0.11.0, via the test/interop probe) against the dev
// broker, and against our TS client through the same broker, in both directions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { IggyClient, Polling } from '../../runtime/iggy/index.js';
import { encodeUserHeaders, headerEntries, HeaderKind } from '../../runtime/iggy/codec/index.js';
import { messageAt } from '../../runtime/batch/flat-batch.js';
import { silentLogger } from '../../runtime/log/logger.js';
import { probeBinary, runProbe } from './peers.js';

let broker: DevBroker;
let client: IggyClient;
let address: string;

before(
  async () => {
    probeBinary(); // builds it when missing, before any timing-sensitive step
    broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    address = `127.0.0.1:${broker.port}`;
    client = new IggyClient({ host: '127.0.0.1', port: broker.port, logger: silentLogger(), credentials: { username: 'iggy', password: 'iggy' } });
    await client.connect();
  },
  { timeout: 1_200_000 },
);

after(async () => {
  await client?.close();
  await broker?.close();
});

test('the official SDK logs in, creates a stream and topic, sends 1,000 messages with headers and polls them back', { timeout: 120_000 }, async () => {
  const summary = await runProbe(address, ['send-poll', '--stream', 'sdk', '--topic', 'roundtrip', '--count', '1000', '--batch', '100']);
  assert.equal(summary.ok, true, `probe failed: ${summary.error} (status ${summary.code})`);
  assert.equal(summary.sent, 1000);
  assert.equal(summary.poll?.polled, 1000);
  assert.equal(summary.poll?.ids_ok, true, 'ids / offsets');
  assert.equal(summary.poll?.payloads_ok, true, 'payloads');
  assert.equal(summary.poll?.headers_ok, true, 'headers');
  assert.equal(summary.poll?.current_offset, 999);
});

test('messages the SDK sent are read by our client with ids, payloads and headers intact', { timeout: 120_000 }, async () => {
  const summary = await runProbe(address, ['send', '--stream', 'sdk-to-ts', '--topic', 't', '--count', '25', '--batch', '10']);
  assert.equal(summary.ok, true, `probe failed: ${summary.error}`);
  const polled = await client.pollMessages('sdk-to-ts', 't', { consumer: 1, partitionId: 0, strategy: Polling.first(), count: 100 });
  assert.equal(polled.batch.count, 25);
  for (let i = 0; i < 25; i++) {
    const m = messageAt(polled.batch, i);
    assert.equal(m.offset, BigInt(i), `message ${i}`);
    assert.equal(m.id, BigInt(1000 + i), `message ${i}`);
    assert.equal(m.payload.toString(), `sdk-message-${i}`, `message ${i}`);
    const headers = Object.fromEntries([...headerEntries(m.headers)].map((h) => [h.key.toString(), { kind: h.valueKind, value: h.value }]));
    assert.equal(headers.index?.kind, HeaderKind.Uint32, `message ${i} header index`);
    assert.equal(headers.index?.value.readUInt32LE(0), i, `message ${i} header index`);
    assert.equal(headers.source?.kind, HeaderKind.String, `message ${i} header source`);
    assert.equal(headers.source?.value.toString(), 'rust-sdk', `message ${i} header source`);
  }
});

test('messages our client sent are read by the SDK with ids, payloads and headers intact', { timeout: 120_000 }, async () => {
  await client.createStream('ts-to-sdk');
  await client.createTopic('ts-to-sdk', 't');
  const inputs = Array.from({ length: 30 }, (_, i) => ({
    id: BigInt(5000 + i),
    payload: Buffer.from(`ts-message-${i}`),
    headers: encodeUserHeaders([
      { key: 'index', valueKind: HeaderKind.Uint32, value: Buffer.from(Uint32Array.of(i).buffer) },
      { key: 'source', value: 'ts-client' },
    ]),
  }));
  await client.sendMessages('ts-to-sdk', 't', { kind: 'partition', id: 0 }, inputs.slice(0, 10));
  await client.sendMessages('ts-to-sdk', 't', { kind: 'partition', id: 0 }, inputs.slice(10));
  const summary = await runProbe(address, ['poll', '--stream', 'ts-to-sdk', '--topic', 't', '--count', '30', '--dump']);
  assert.equal(summary.ok, true, `probe failed: ${summary.error}`);
  const messages = summary.poll?.messages ?? [];
  assert.equal(messages.length, 30);
  messages.forEach((m, i) => {
    assert.equal(m.offset, i, `message ${i}`);
    assert.equal(m.id, String(5000 + i), `message ${i}`);
    assert.equal(m.payload, `ts-message-${i}`, `message ${i}`);
    assert.deepEqual(m.headers, { index: { kind: 'uint32', value: String(i) }, source: { kind: 'string', value: 'ts-client' } }, `message ${i}`);
  });
});

test('the SDK sees what our client created: stream and topic by name, wrong password refused', { timeout: 120_000 }, async () => {
  await client.createStream('made-by-ts');
  await client.createTopic('made-by-ts', 'three', { partitions: 3 });
  const summary = await runProbe(address, ['poll', '--stream', 'made-by-ts', '--topic', 'three', '--count', '1']);
  assert.equal(summary.ok, true, `probe failed: ${summary.error}`);
  const created = await client.getStream('made-by-ts');
  assert.equal(summary.stream_id, created?.stream.id);
  assert.equal(summary.poll?.polled, 0);
  const refused = await runProbe(address, ['poll', '--password', 'wrong']);
  assert.equal(refused.ok, false);
  assert.equal(refused.code, 42, `expected invalid_credentials, got ${refused.error}`);
});

test(
  'the SDK sends balanced, stores and reads offsets, and consumes through a consumer group; our client sees the same offsets',
  { timeout: 120_000 },
  async () => {
    const summary = await runProbe(address, ['groups', '--stream', 'sdk-groups', '--topic', 't', '--count', '6', '--partitions', '3']);
    assert.equal(summary.ok, true, `probe failed: ${summary.error} (status ${summary.code})`);
    const g = summary.groups!;
    assert.deepEqual(g.per_partition, [2, 2, 2], 'balanced sends go round-robin over the partitions');
    assert.equal(g.stored_offset, 0);
    assert.equal(g.next_after_store_first_offset, 1, 'next after a stored offset 0 starts at 1');
    assert.equal(g.group_members, 1);
    assert.deepEqual(g.group_member_partitions, [[0, 1, 2]]);
    assert.equal(g.group_polled, 6, 'the group reads every message once');
    assert.deepEqual([...g.group_partitions].sort(), [0, 1, 2]);
    assert.equal(g.group_stored_offset_p0, 1, 'auto-commit stored the last offset of partition 0');
    // The same consumers, seen by our client.
    const plain = await client.getConsumerOffset('sdk-groups', 't', 'probe-consumer', 0);
    assert.equal(plain?.storedOffset, 0n);
    for (const p of [0, 1, 2]) {
      const stored = await client.getConsumerOffset('sdk-groups', 't', { kind: 'group', id: 'probe-group' }, p);
      assert.equal(stored?.storedOffset, 1n, `group offset on partition ${p}`);
    }
    assert.equal((await client.getConsumerGroup('sdk-groups', 't', 'probe-group'))?.members.length, 0, 'the SDK left the group');
  },
);
