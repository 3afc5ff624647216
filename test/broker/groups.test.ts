// Consumer groups on the dev broker: members are connections; joins, leaves and disconnects
// rebalance the partitions; group polls read the member's partitions with the group's offsets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { silentLogger } from '../../runtime/log/logger.js';
import { messageAt } from '../../runtime/batch/flat-batch.js';
import {
  Code,
  Operation,
  Polling,
  Status,
  decodeClientInfo,
  decodeGroupAssignment,
  decodeGroupDetails,
  decodeGroups,
  decodePollReply,
  encodeCreateConsumerGroup,
  encodeCreateStream,
  encodeCreateTopic,
  encodeGroupRef,
  encodeGroupsOfTopic,
  encodePollMessages,
  encodeSendMessages,
} from '../../runtime/iggy/codec/index.js';
import { WireClient } from './wire-client.js';

let broker: DevBroker;
let admin: WireClient;
const ref = { streamId: 'g', topicId: 't', groupId: 'workers' };

before(async () => {
  broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  admin = await WireClient.connect(broker.port);
  await admin.login();
  await admin.request(Code.CreateStream, encodeCreateStream({ name: 'g' }));
  await admin.request(Code.CreateTopic, encodeCreateTopic({ streamId: 'g', partitionsCount: 4, name: 't' }));
});
after(async () => {
  await admin.close();
  await broker.close();
});

async function member(): Promise<WireClient> {
  const c = await WireClient.connect(broker.port);
  await c.login();
  return c;
}

async function assignment(c: WireClient): Promise<number[] | undefined> {
  return decodeGroupAssignment((await c.request(Code.SyncConsumerGroup, encodeGroupRef(ref))).payload)?.partitions;
}

async function details() {
  return decodeGroupDetails((await admin.request(Code.GetConsumerGroup, encodeGroupRef(ref))).payload);
}

test('create, duplicate and list consumer groups', async () => {
  const a = await admin.request(Code.CreateConsumerGroup, encodeCreateConsumerGroup({ streamId: 'g', topicId: 't', name: 'workers' }));
  assert.equal(a.status, 0);
  assert.equal(a.header?.operation, Operation.CreateConsumerGroup);
  assert.deepEqual(decodeGroupDetails(a.payload).group, { id: 0, partitionsCount: 4, membersCount: 0, name: 'workers' });
  const dup = await admin.request(Code.CreateConsumerGroup, encodeCreateConsumerGroup({ streamId: 'g', topicId: 't', name: 'workers' }));
  assert.equal(dup.status, Status.ConsumerGroupNameAlreadyExists);
  const list = decodeGroups((await admin.request(Code.GetConsumerGroups, encodeGroupsOfTopic('g', 't'))).payload);
  assert.deepEqual(
    list.map((g) => g.name),
    ['workers'],
  );
});

test('join/leave/disconnect rebalance the partitions over the members', async () => {
  const a = await member();
  const b = await member();
  assert.equal(await assignment(a), undefined, 'not a member yet: empty sync');
  assert.equal((await a.request(Code.JoinConsumerGroup, encodeGroupRef(ref))).status, 0);
  assert.deepEqual(await assignment(a), [0, 1, 2, 3]);
  await b.request(Code.JoinConsumerGroup, encodeGroupRef(ref));
  assert.deepEqual(await assignment(a), [0, 2]);
  assert.deepEqual(await assignment(b), [1, 3]);
  const d = await details();
  assert.equal(d.members.length, 2);
  assert.deepEqual(
    d.members.map((m) => m.partitions),
    [
      [0, 2],
      [1, 3],
    ],
  );
  const me = decodeClientInfo((await b.request(Code.GetMe)).payload);
  assert.deepEqual(me.consumerGroups, [{ streamId: 0, topicId: 0, groupId: 0 }]);
  assert.equal((await a.request(Code.LeaveConsumerGroup, encodeGroupRef(ref))).status, 0);
  assert.deepEqual(await assignment(b), [0, 1, 2, 3]);
  assert.equal((await a.request(Code.LeaveConsumerGroup, encodeGroupRef(ref))).status, Status.ConsumerGroupMemberNotFound);
  await a.request(Code.JoinConsumerGroup, encodeGroupRef(ref));
  assert.deepEqual(await assignment(b), [0, 2]);
  await b.close();
  // The broker notices the disconnect asynchronously.
  for (let i = 0; i < 50 && (await details()).members.length !== 1; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await assignment(a), [0, 1, 2, 3]);
  await a.close();
});

test('group polls: members only, owned partitions only, offsets shared by the group', async () => {
  for (let p = 0; p < 4; p++) {
    await admin.request(
      Code.SendMessages,
      encodeSendMessages({
        streamId: 'g',
        topicId: 't',
        partitioning: { kind: 'partition', id: p },
        messages: [{ payload: Buffer.from(`p${p}a`) }, { payload: Buffer.from(`p${p}b`) }],
      }),
    );
  }
  const a = await member();
  const consumer = { kind: 'group' as const, id: 'workers' };
  const pollReq = (partitionId?: number) =>
    encodePollMessages({
      consumer,
      streamId: 'g',
      topicId: 't',
      strategy: Polling.next(),
      count: 1,
      autoCommit: true,
      ...(partitionId === undefined ? {} : { partitionId }),
    });
  assert.equal((await a.request(Code.PollMessages, pollReq(0))).status, Status.ConsumerGroupMemberNotFound);
  await a.request(Code.JoinConsumerGroup, encodeGroupRef(ref));
  const b = await member();
  await b.request(Code.JoinConsumerGroup, encodeGroupRef(ref));
  assert.equal((await a.request(Code.PollMessages, pollReq(1))).status, Status.ConsumerGroupPartitionNotOwned);
  const first = decodePollReply((await a.request(Code.PollMessages, pollReq(0))).payload);
  assert.deepEqual([first.partitionId, messageAt(first.batch, 0).offset], [0, 0n]);
  const seen = new Set<number>();
  for (let i = 0; i < 2; i++) seen.add(decodePollReply((await a.request(Code.PollMessages, pollReq())).payload).partitionId);
  assert.deepEqual([...seen].sort(), [0, 2], 'without a partition the member round-robins its own');
  await b.close();
  for (let i = 0; i < 50 && (await details()).members.length !== 1; i++) await new Promise((r) => setTimeout(r, 10));
  // a took over partition 1 and reads it from the start: the group had stored nothing there.
  const p1 = decodePollReply((await a.request(Code.PollMessages, pollReq(1))).payload);
  assert.equal(messageAt(p1.batch, 0).offset, 0n);
  // Partition 0 continues after the group's auto-committed offsets.
  const p0 = decodePollReply((await a.request(Code.PollMessages, pollReq(0))).payload);
  assert.equal(p0.batch.count, 0, 'partition 0: both messages were consumed by the group');
  await a.close();
});

test('delete consumer group', async () => {
  assert.equal((await admin.request(Code.DeleteConsumerGroup, encodeGroupRef(ref))).status, 0);
  assert.equal((await admin.request(Code.GetConsumerGroup, encodeGroupRef(ref))).payload.length, 0);
  assert.equal((await admin.request(Code.DeleteConsumerGroup, encodeGroupRef(ref))).status, Status.ConsumerGroupNameNotFound);
});
