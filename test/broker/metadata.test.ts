// Streams, topics, cluster metadata and stats of the dev broker, over TCP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { silentLogger } from '../../runtime/log/logger.js';
import {
  Code,
  Operation,
  Status,
  NEVER,
  decodeClusterMetadata,
  decodeStats,
  decodeStreamDetails,
  decodeStreams,
  decodeTopicDetails,
  decodeTopics,
  encodeCreateStream,
  encodeCreateTopic,
  encodeStreamRef,
  encodeTopicOptions,
  encodeTopicRef,
  encodeUserHeaders,
} from '../../runtime/iggy/codec/index.js';
import { WireClient } from './wire-client.js';

let broker: DevBroker;
let c: WireClient;
before(async () => {
  broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  c = await WireClient.connect(broker.port);
  await c.login();
});
after(async () => {
  await c.close();
  await broker.close();
});

test('create stream returns its details behind a result section; ids are 0-based', async () => {
  const a = await c.request(Code.CreateStream, encodeCreateStream({ name: 'orders' }));
  assert.equal(a.status, 0);
  assert.equal(a.header?.operation, Operation.CreateStream);
  const d = decodeStreamDetails(a.payload);
  assert.equal(d.stream.name, 'orders');
  assert.equal(d.stream.id, 0);
  const dup = await c.request(Code.CreateStream, encodeCreateStream({ name: 'orders' }));
  assert.equal(dup.status, Status.StreamNameAlreadyExists);
});

test('create topic: answered as CreateTopicWithAssignments (64) with 0-based partitions', async () => {
  const a = await c.request(
    Code.CreateTopic,
    encodeCreateTopic({
      streamId: 'orders',
      partitionsCount: 3,
      name: 'created',
      options: encodeTopicOptions({ consumerOffsetDurability: 'replicated', compression: 'none' }),
    }),
  );
  assert.equal(a.status, 0);
  assert.equal(a.header?.operation, Operation.CreateTopicWithAssignments);
  const d = decodeTopicDetails(a.payload);
  assert.equal(d.topic.name, 'created');
  assert.deepEqual(
    d.partitions.map((p) => p.id),
    [0, 1, 2],
  );
  assert.equal(d.topic.messageExpiry, NEVER);
  const dup = await c.request(Code.CreateTopic, encodeCreateTopic({ streamId: 0, partitionsCount: 1, name: 'created' }));
  assert.equal(dup.status, Status.TopicNameAlreadyExists);
  assert.equal(dup.header?.operation, Operation.CreateTopicWithAssignments);
});

test('unknown stream, unknown option key, too many partitions are refused with Iggy statuses', async () => {
  const unknownStream = await c.request(Code.CreateTopic, encodeCreateTopic({ streamId: 99, partitionsCount: 1, name: 't' }));
  assert.equal(unknownStream.status, Status.StreamIdNotFound);
  const unknownName = await c.request(Code.GetTopics, encodeStreamRef('nope'));
  assert.equal(unknownName.status, Status.StreamNameNotFound);
  const badOption = await c.request(
    Code.CreateTopic,
    encodeCreateTopic({ streamId: 0, partitionsCount: 1, name: 'x', options: encodeUserHeaders([{ key: 'replication_factor', value: '3' }]) }),
  );
  assert.equal(badOption.status, Status.UnsupportedOptionKey);
  const tooMany = await c.request(Code.CreateTopic, encodeCreateTopic({ streamId: 0, partitionsCount: 5000, name: 'x' }));
  assert.equal(tooMany.status, Status.TooManyPartitions);
  const delUnknown = await c.request(Code.DeleteStream, encodeStreamRef(42));
  assert.equal(delUnknown.status, Status.StreamIdNotFound);
});

test('get/list streams and topics by id and by name; get of an unknown one is an empty body', async () => {
  const byName = await c.request(Code.GetStream, encodeStreamRef('orders'));
  assert.equal(decodeStreamDetails(byName.payload).topics.length, 1);
  const missing = await c.request(Code.GetStream, encodeStreamRef('missing'));
  assert.equal(missing.status, 0);
  assert.equal(missing.payload.length, 0);
  const list = decodeStreams((await c.request(Code.GetStreams)).payload);
  assert.deepEqual(
    list.map((s) => [s.id, s.name, s.topicsCount]),
    [[0, 'orders', 1]],
  );
  const topics = decodeTopics((await c.request(Code.GetTopics, encodeStreamRef(0))).payload);
  assert.deepEqual(
    topics.map((t) => [t.id, t.name, t.partitionsCount]),
    [[0, 'created', 3]],
  );
  const topic = decodeTopicDetails((await c.request(Code.GetTopic, encodeTopicRef('orders', 'created'))).payload);
  assert.equal(topic.partitions.length, 3);
});

test('delete topic and stream', async () => {
  await c.request(Code.CreateStream, encodeCreateStream({ name: 'tmp' }));
  await c.request(Code.CreateTopic, encodeCreateTopic({ streamId: 'tmp', partitionsCount: 1, name: 'a' }));
  assert.equal((await c.request(Code.DeleteTopic, encodeTopicRef('tmp', 'a'))).status, 0);
  assert.equal((await c.request(Code.GetTopic, encodeTopicRef('tmp', 'a'))).payload.length, 0);
  assert.equal((await c.request(Code.DeleteStream, encodeStreamRef('tmp'))).status, 0);
  assert.equal((await c.request(Code.GetStream, encodeStreamRef('tmp'))).payload.length, 0);
});

test('cluster metadata names one healthy leader at the dialled address; stats count resources', async () => {
  const m = decodeClusterMetadata((await c.request(Code.GetClusterMetadata)).payload);
  assert.equal(m.nodes.length, 1);
  assert.equal(m.nodes[0]!.ip, '127.0.0.1');
  assert.equal(m.nodes[0]!.tcpPort, broker.port);
  assert.equal(m.nodes[0]!.role, 0);
  const s = decodeStats((await c.request(Code.GetStats)).payload);
  assert.equal(s.streamsCount, 1);
  assert.equal(s.topicsCount, 1);
  assert.equal(s.partitionsCount, 3);
});
