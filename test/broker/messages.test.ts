// Send and poll through the dev broker over TCP: round trips, every polling strategy,
// checksum refusal, consumer offsets and auto-commit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { silentLogger } from '../../runtime/log/logger.js';
import { buildBatch, headersOf, messageAt, payloadOf } from '../../runtime/batch/flat-batch.js';
import {
  Code,
  Operation,
  Polling,
  Status,
  decodeConsumerOffsetInfo,
  decodePollReply,
  decodeSendReply,
  encodeCreateStream,
  encodeCreateTopic,
  encodeDeleteConsumerOffset,
  encodeGetConsumerOffset,
  encodePollMessages,
  encodeSendMessages,
  encodeStoreConsumerOffset,
  encodeUserHeaders,
  type Consumer,
  type Partitioning,
  type PollingStrategy,
} from '../../runtime/iggy/codec/index.js';
import type { MessageInput } from '../../runtime/batch/flat-batch.js';
import { WireClient } from './wire-client.js';

let broker: DevBroker;
let c: WireClient;
before(async () => {
  broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  c = await WireClient.connect(broker.port);
  await c.login();
  await c.request(Code.CreateStream, encodeCreateStream({ name: 's' }));
  await c.request(Code.CreateTopic, encodeCreateTopic({ streamId: 's', partitionsCount: 2, name: 't' }));
  await c.request(Code.CreateTopic, encodeCreateTopic({ streamId: 's', partitionsCount: 1, name: 'offsets' }));
  await c.request(Code.CreateTopic, encodeCreateTopic({ streamId: 's', partitionsCount: 1, name: 'big' }));
});
after(async () => {
  await c.close();
  await broker.close();
});

async function send(topic: string, messages: MessageInput[] | ReturnType<typeof buildBatch>, partitioning: Partitioning = { kind: 'partition', id: 0 }) {
  const a = await c.request(Code.SendMessages, encodeSendMessages({ streamId: 's', topicId: topic, partitioning, messages }));
  return a;
}

async function poll(topic: string, strategy: PollingStrategy, count: number, opts: { consumer?: Consumer; partitionId?: number; autoCommit?: boolean } = {}) {
  const req = {
    consumer: opts.consumer ?? { kind: 'consumer' as const, id: 1 },
    streamId: 's',
    topicId: topic,
    strategy,
    count,
    autoCommit: opts.autoCommit ?? false,
    partitionId: opts.partitionId ?? 0,
  };
  const a = await c.request(Code.PollMessages, encodePollMessages(req));
  assert.equal(a.status, 0, `poll ${strategy.kind} refused with ${a.status}`);
  return decodePollReply(a.payload);
}

test('send then poll: ids, payloads, user headers and origin timestamps intact, offsets from 0', async () => {
  const headers = encodeUserHeaders([
    { key: 'trace', value: 'abc' },
    { key: 'n', value: Buffer.from([1, 2, 3]) },
  ]);
  const flat = buildBatch([
    { id: 11n, originTimestamp: 1_700_000_000_000_000n, payload: Buffer.from('first'), headers },
    { id: 12n, originTimestamp: 1_700_000_000_000_500n, payload: Buffer.from('second') },
  ]);
  const sent = await send('t', flat);
  assert.equal(sent.status, 0);
  assert.equal(sent.header?.operation, Operation.SendMessages);
  assert.deepEqual(decodeSendReply(sent.payload), [{ streamId: 0, topicId: 0, partitionId: 0, baseOffset: 0n }]);
  const more = await send('t', [{ id: 13n, payload: Buffer.from('third') }]);
  assert.equal(decodeSendReply(more.payload)[0]!.baseOffset, 2n);
  const polled = await poll('t', Polling.first(), 10);
  assert.equal(polled.partitionId, 0);
  assert.equal(polled.currentOffset, 2n);
  assert.equal(polled.batch.count, 3);
  const m0 = messageAt(polled.batch, 0);
  assert.deepEqual([m0.offset, m0.id, m0.originTimestamp], [0n, 11n, 1_700_000_000_000_000n]);
  assert.ok(m0.timestamp > 0n, 'the broker stamps a timestamp');
  assert.deepEqual(payloadOf(polled.batch, 0), Buffer.from('first'));
  assert.deepEqual(headersOf(polled.batch, 0), headers);
  assert.deepEqual([messageAt(polled.batch, 1).offset, messageAt(polled.batch, 1).id], [1n, 12n]);
  assert.deepEqual(payloadOf(polled.batch, 2), Buffer.from('third'));
});

test('every polling strategy: offset (mid-batch slice), timestamp, first, last, next', async () => {
  const fromOne = await poll('t', Polling.offset(1), 1);
  assert.deepEqual([fromOne.batch.count, messageAt(fromOne.batch, 0).id], [1, 12n], 'a slice of a stored batch');
  const last = await poll('t', Polling.last(), 2);
  assert.deepEqual(
    [...Array(last.batch.count).keys()].map((i) => messageAt(last.batch, i).offset),
    [1n, 2n],
  );
  const stamp = messageAt(last.batch, 1).timestamp;
  const byTime = await poll('t', Polling.timestamp(stamp), 10);
  assert.equal(messageAt(byTime.batch, 0).offset, 2n);
  const future = await poll('t', Polling.timestamp(stamp + 10_000_000n), 10);
  assert.equal(future.batch.count, 0);
  const beyond = await poll('t', Polling.offset(100), 10);
  assert.equal(beyond.batch.count, 0);
  const next = await poll('t', Polling.next(), 2, { consumer: { kind: 'consumer', id: 'fresh' } });
  assert.equal(messageAt(next.batch, 0).offset, 0n, 'next without a stored offset starts at 0');
});

test('consumer offsets: after storing offset 1, next returns from 2; get and delete', async () => {
  await send(
    'offsets',
    [0, 1, 2, 3].map((i) => ({ payload: Buffer.from(`m${i}`) })),
  );
  const consumer: Consumer = { kind: 'consumer', id: 7 };
  const ref = { consumer, streamId: 's', topicId: 'offsets', partitionId: 0 };
  const none = await c.request(Code.GetConsumerOffset, encodeGetConsumerOffset(ref));
  assert.equal(decodeConsumerOffsetInfo(none.payload), undefined);
  const stored = await c.request(Code.StoreConsumerOffset, encodeStoreConsumerOffset({ ...ref, offset: 1n }));
  assert.equal(stored.status, 0);
  assert.equal(stored.header?.operation, Operation.StoreConsumerOffset);
  const info = decodeConsumerOffsetInfo((await c.request(Code.GetConsumerOffset, encodeGetConsumerOffset(ref))).payload);
  assert.deepEqual(info, { partitionId: 0, currentOffset: 3n, storedOffset: 1n });
  const next = await poll('offsets', Polling.next(), 10, { consumer });
  assert.equal(messageAt(next.batch, 0).offset, 2n);
  const beyond = await c.request(Code.StoreConsumerOffset, encodeStoreConsumerOffset({ ...ref, offset: 99n }));
  assert.equal(beyond.status, Status.InvalidOffset);
  assert.equal((await c.request(Code.DeleteConsumerOffset, encodeDeleteConsumerOffset(ref))).status, 0);
  assert.equal((await c.request(Code.DeleteConsumerOffset, encodeDeleteConsumerOffset(ref))).status, Status.ConsumerOffsetNotFound);
});

test('auto-commit stores the last polled offset', async () => {
  const consumer: Consumer = { kind: 'consumer', id: 'auto' };
  const first = await poll('offsets', Polling.next(), 2, { consumer, autoCommit: true });
  assert.deepEqual([messageAt(first.batch, 0).offset, messageAt(first.batch, 1).offset], [0n, 1n]);
  const second = await poll('offsets', Polling.next(), 2, { consumer, autoCommit: true });
  assert.deepEqual([messageAt(second.batch, 0).offset, messageAt(second.batch, 1).offset], [2n, 3n]);
  const third = await poll('offsets', Polling.next(), 2, { consumer, autoCommit: true });
  assert.equal(third.batch.count, 0);
});

test('a wrong message checksum is refused with 4027 and nothing is stored', async () => {
  const body = encodeSendMessages({
    streamId: 's',
    topicId: 't',
    partitioning: { kind: 'partition', id: 1 },
    messages: [{ payload: Buffer.from('tampered') }],
  });
  body[body.length - 1]! ^= 0xff;
  const a = await c.request(Code.SendMessages, body);
  assert.equal(a.status, Status.InvalidMessageChecksum);
  const stale = encodeSendMessages({ streamId: 's', topicId: 't', partitioning: { kind: 'partition', id: 1 }, messages: [{ payload: Buffer.from('x') }] });
  const batchAt = body.length - (256 + 48 + 8); // metadata is the same length in both bodies
  stale.writeBigUInt64LE(stale.readBigUInt64LE(batchAt + 40) ^ 1n, batchAt + 40);
  assert.equal((await c.request(Code.SendMessages, stale)).status, Status.InvalidBatchChecksum);
  assert.equal((await poll('t', Polling.first(), 10, { partitionId: 1 })).batch.count, 0);
});

test('partitioning: unknown partition refused, key and balanced spread over partitions', async () => {
  assert.equal((await send('t', [{ payload: Buffer.from('x') }], { kind: 'partition', id: 5 })).status, Status.PartitionNotFound);
  const partitions = new Set<number>();
  for (let i = 0; i < 4; i++) partitions.add(decodeSendReply((await send('t', [{ payload: Buffer.from('b') }], { kind: 'balanced' })).payload)[0]!.partitionId);
  assert.deepEqual([...partitions].sort(), [0, 1]);
  const k1 = decodeSendReply((await send('t', [{ payload: Buffer.from('k') }], { kind: 'key', key: Buffer.from('user-1') })).payload)[0]!.partitionId;
  const k2 = decodeSendReply((await send('t', [{ payload: Buffer.from('k') }], { kind: 'key', key: Buffer.from('user-1') })).payload)[0]!.partitionId;
  assert.equal(k1, k2, 'the same key lands on the same partition');
});

test('1,000 messages in 10 batches poll back in one reply, in order', async () => {
  for (let b = 0; b < 10; b++) {
    const a = await send(
      'big',
      Array.from({ length: 100 }, (_, i) => ({ id: BigInt(b * 100 + i + 1), payload: Buffer.alloc(100, b) })),
    );
    assert.equal(a.status, 0);
  }
  const polled = await poll('big', Polling.offset(50), 1000);
  assert.equal(polled.batch.count, 950);
  for (let i = 0; i < polled.batch.count; i++) {
    const m = messageAt(polled.batch, i);
    assert.equal(m.offset, BigInt(50 + i));
    assert.equal(m.id, BigInt(51 + i));
  }
  const all = await poll('big', Polling.first(), 1000);
  assert.equal(all.batch.count, 1000);
});
