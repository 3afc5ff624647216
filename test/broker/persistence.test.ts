// With a data dir, the dev broker keeps streams, topics, messages, groups and consumer offsets
// across a restart (append-only partition files plus metadata.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevBroker } from '../../runtime/broker/index.js';
import { silentLogger } from '../../runtime/log/logger.js';
import { messageAt, payloadOf } from '../../runtime/batch/flat-batch.js';
import {
  Code,
  Polling,
  decodeConsumerOffsetInfo,
  decodeGroups,
  encodeGetConsumerOffset,
  decodePollReply,
  decodeSendReply,
  decodeStreams,
  decodeTopicDetails,
  encodeCreateConsumerGroup,
  encodeCreateStream,
  encodeCreateTopic,
  encodeGroupsOfTopic,
  encodePollMessages,
  encodeSendMessages,
  encodeStoreConsumerOffset,
  encodeTopicRef,
} from '../../runtime/iggy/codec/index.js';
import { WireClient } from './wire-client.js';

test('data survives a restart, including a torn write at the end of a partition file', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dev-broker-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const logger = silentLogger();

  let broker = await startDevBroker({ host: '127.0.0.1', port: 0, dataDir, logger });
  let c = await WireClient.connect(broker.port);
  await c.login();
  await c.request(Code.CreateStream, encodeCreateStream({ name: 'keep' }));
  await c.request(Code.CreateTopic, encodeCreateTopic({ streamId: 'keep', partitionsCount: 2, name: 'events' }));
  await c.request(Code.CreateConsumerGroup, encodeCreateConsumerGroup({ streamId: 'keep', topicId: 'events', name: 'readers' }));
  for (const batch of [['a', 'b'], ['c']]) {
    const a = await c.request(
      Code.SendMessages,
      encodeSendMessages({
        streamId: 'keep',
        topicId: 'events',
        partitioning: { kind: 'partition', id: 1 },
        messages: batch.map((p, i) => ({ id: BigInt(i + 1), payload: Buffer.from(p) })),
      }),
    );
    assert.equal(a.status, 0);
  }
  const store = (id: number, offset: bigint) =>
    c.request(
      Code.StoreConsumerOffset,
      encodeStoreConsumerOffset({ consumer: { kind: 'consumer', id }, streamId: 'keep', topicId: 'events', partitionId: 1, offset }),
    );
  // Offsets stored before and after a metadata change (which folds the offsets log into metadata.json).
  await store(9, 2n);
  await store(8, 1n);
  await c.request(Code.CreateStream, encodeCreateStream({ name: 'later' }));
  await store(9, 0n);
  await c.close();
  await broker.close();

  // A crash in the middle of an append leaves a partial record; the restart must cut it off.
  const file = readdirSync(join(dataDir, 'partitions')).find((f) => f.endsWith('-p1.log'))!;
  appendFileSync(join(dataDir, 'partitions', file), Buffer.alloc(100, 7));
  appendFileSync(join(dataDir, 'offsets.log'), '{"s":0,"t":0,"k":"c:num');

  broker = await startDevBroker({ host: '127.0.0.1', port: 0, dataDir, logger });
  t.after(() => broker.close());
  c = await WireClient.connect(broker.port);
  await c.login();
  assert.deepEqual(
    decodeStreams((await c.request(Code.GetStreams)).payload).map((s) => [s.id, s.name]),
    [
      [0, 'keep'],
      [1, 'later'],
    ],
  );
  const offsetOf = async (id: number) =>
    decodeConsumerOffsetInfo(
      (
        await c.request(
          Code.GetConsumerOffset,
          encodeGetConsumerOffset({ consumer: { kind: 'consumer', id }, streamId: 'keep', topicId: 'events', partitionId: 1 }),
        )
      ).payload,
    )?.storedOffset;
  assert.equal(await offsetOf(8), 1n, 'an offset stored before the snapshot');
  assert.equal(await offsetOf(9), 0n, 'the latest of several stores, logged after the snapshot');
  const topic = decodeTopicDetails((await c.request(Code.GetTopic, encodeTopicRef('keep', 'events'))).payload);
  assert.deepEqual(
    topic.partitions.map((p) => p.messagesCount),
    [0n, 3n],
  );
  assert.deepEqual(
    decodeGroups((await c.request(Code.GetConsumerGroups, encodeGroupsOfTopic('keep', 'events'))).payload).map((g) => g.name),
    ['readers'],
  );
  const next = decodePollReply(
    (
      await c.request(
        Code.PollMessages,
        encodePollMessages({
          consumer: { kind: 'consumer', id: 9 },
          streamId: 'keep',
          topicId: 'events',
          partitionId: 1,
          strategy: Polling.next(),
          count: 10,
          autoCommit: false,
        }),
      )
    ).payload,
  );
  assert.deepEqual(
    [...Array(next.batch.count).keys()].map((i) => payloadOf(next.batch, i).toString()),
    ['b', 'c'],
    'stored offset 0 survived: next starts at 1',
  );
  const sent = await c.request(
    Code.SendMessages,
    encodeSendMessages({ streamId: 'keep', topicId: 'events', partitioning: { kind: 'partition', id: 1 }, messages: [{ payload: Buffer.from('d') }] }),
  );
  assert.equal(decodeSendReply(sent.payload)[0]!.baseOffset, 3n, 'offsets continue after the restart');
  const all = decodePollReply(
    (
      await c.request(
        Code.PollMessages,
        encodePollMessages({
          consumer: { kind: 'consumer', id: 1 },
          streamId: 'keep',
          topicId: 'events',
          partitionId: 1,
          strategy: Polling.first(),
          count: 10,
          autoCommit: false,
        }),
      )
    ).payload,
  );
  assert.deepEqual(
    [...Array(all.batch.count).keys()].map((i) => messageAt(all.batch, i).offset),
    [0n, 1n, 2n, 3n],
  );
  await c.close();
});
