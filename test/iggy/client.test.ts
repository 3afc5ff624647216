// The client against the dev broker over real TCP: every command, its errors, and messages
// that come back with ids, payloads and headers intact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { xxh32 } from '@node-rs/xxhash';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { IggyClient, IggyError, Polling, type IggyClientOptions } from '../../runtime/iggy/index.js';
import { encodeUserHeaders, HeaderKind, packVersion } from '../../runtime/iggy/codec/index.js';
import { buildBatch, messageAt, type MessageInput } from '../../runtime/batch/flat-batch.js';
import { silentLogger } from '../../runtime/log/logger.js';

let broker: DevBroker;
let client: IggyClient;

const options = (extra: Partial<IggyClientOptions> = {}): IggyClientOptions => ({
  host: '127.0.0.1',
  port: broker.port,
  logger: silentLogger(),
  credentials: { username: 'iggy', password: 'iggy' },
  requestTimeoutMs: 5_000,
  ...extra,
});

before(async () => {
  broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  client = new IggyClient(options());
  await client.connect();
});

after(async () => {
  await client.close();
  await broker.close();
});

const headersFor = (i: number): Buffer =>
  encodeUserHeaders([
    { key: 'index', valueKind: HeaderKind.Uint32, value: Buffer.from(Uint32Array.of(i).buffer) },
    { key: 'source', value: 'ts-client' },
  ]);

const inputs = (from: number, n: number): MessageInput[] =>
  Array.from({ length: n }, (_, k) => ({ id: BigInt(1000 + from + k), payload: Buffer.from(`message-${from + k}`), headers: headersFor(from + k) }));

test('a wrong password is refused with invalid_credentials and connect() rejects', async () => {
  const c = new IggyClient(options({ credentials: { username: 'iggy', password: 'nope' } }));
  try {
    await assert.rejects(c.connect(), (e: unknown) => e instanceof IggyError && e.status === 42 && e.statusName === 'invalid_credentials');
  } finally {
    await c.close();
  }
});

test('an unknown personal access token is refused with invalid_personal_access_token', async () => {
  const c = new IggyClient(options({ credentials: { token: 'no-such-token-0123456789' } }));
  try {
    await assert.rejects(c.connect(), (e: unknown) => e instanceof IggyError && e.status === 53);
  } finally {
    await c.close();
  }
});

test('a client speaking a newer protocol is evicted with incompatible_protocol_version', async () => {
  const c = new IggyClient(options({ version: { protocolVersion: packVersion(0, 12, 0), sdkName: 'future-sdk', sdkVersion: '9.9.9' } }));
  try {
    await assert.rejects(c.connect(), (e: unknown) => e instanceof IggyError && e.status === 14003 && /protocol/.test(e.message));
  } finally {
    await c.close();
  }
});

test('commands that need a session fail with unauthenticated before login; ping works without', async () => {
  const c = new IggyClient(options({ credentials: undefined }));
  try {
    await c.connect();
    await c.ping();
    await assert.rejects(c.createStream('nope'), (e: unknown) => e instanceof IggyError && e.status === 40);
    await assert.rejects(c.getStreams(), (e: unknown) => e instanceof IggyError && e.status === 40);
    const who = await c.login('iggy', 'iggy');
    assert.equal(typeof who.userId, 'number');
    assert.ok(who.serverVersion.length > 0);
    await c.getStreams();
  } finally {
    await c.close();
  }
});

test('ping, getStats and getMe answer', async () => {
  await client.ping();
  const stats = await client.getStats();
  assert.ok(stats.clientsCount >= 1, `clientsCount ${stats.clientsCount}`);
  const me = await client.getMe();
  assert.ok(me.clientId > 0);
});

test('streams: create, get, list, duplicate, delete, unknown', async () => {
  const created = await client.createStream('streams-test');
  assert.equal(created.stream.name, 'streams-test');
  const byName = await client.getStream('streams-test');
  assert.equal(byName?.stream.id, created.stream.id);
  const byId = await client.getStream(created.stream.id);
  assert.equal(byId?.stream.name, 'streams-test');
  assert.ok((await client.getStreams()).some((s) => s.name === 'streams-test'));
  await assert.rejects(client.createStream('streams-test'), (e: unknown) => e instanceof IggyError && e.statusName === 'stream_name_already_exists');
  await client.deleteStream('streams-test');
  assert.equal(await client.getStream('streams-test'), undefined);
  await assert.rejects(client.deleteStream('streams-test'), (e: unknown) => e instanceof IggyError && e.statusName === 'stream_name_not_found');
  await assert.rejects(client.deleteStream(987654), (e: unknown) => e instanceof IggyError && e.statusName === 'stream_id_not_found');
});

test('topics: create with partitions, get, list, duplicate, unknown stream, delete', async () => {
  await client.createStream('topics-test');
  const t = await client.createTopic('topics-test', 'orders', { partitions: 3 });
  assert.equal(t.topic.name, 'orders');
  assert.equal(t.topic.partitionsCount, 3);
  assert.deepEqual(
    t.partitions.map((p) => p.id),
    [0, 1, 2],
  );
  const got = await client.getTopic('topics-test', 'orders');
  assert.equal(got?.topic.id, t.topic.id);
  assert.equal((await client.getTopics('topics-test')).length, 1);
  await assert.rejects(client.createTopic('topics-test', 'orders'), (e: unknown) => e instanceof IggyError && e.statusName === 'topic_name_already_exists');
  await assert.rejects(client.createTopic('no-such-stream', 'x'), (e: unknown) => e instanceof IggyError && e.statusName === 'stream_name_not_found');
  assert.equal(await client.getTopic('topics-test', 'missing'), undefined);
  await client.deleteTopic('topics-test', 'orders');
  assert.equal(await client.getTopic('topics-test', 'orders'), undefined);
  await client.deleteStream('topics-test');
});

test('send and poll: ids, payloads, headers, offsets come back in order', async () => {
  await client.createStream('msgs');
  await client.createTopic('msgs', 'events', { partitions: 1 });
  await client.sendMessages('msgs', 'events', { kind: 'partition', id: 0 }, inputs(0, 10));
  await client.sendMessages('msgs', 'events', { kind: 'partition', id: 0 }, buildBatch(inputs(10, 5)));
  const polled = await client.pollMessages('msgs', 'events', { consumer: 1, partitionId: 0, strategy: Polling.offset(0), count: 100 });
  assert.equal(polled.partitionId, 0);
  assert.equal(polled.currentOffset, 14n);
  assert.equal(polled.batch.count, 15);
  for (let i = 0; i < 15; i++) {
    const m = messageAt(polled.batch, i);
    assert.equal(m.offset, BigInt(i), `message ${i}`);
    assert.equal(m.id, BigInt(1000 + i), `message ${i}`);
    assert.equal(m.payload.toString(), `message-${i}`, `message ${i}`);
    assert.deepEqual(m.headers, headersFor(i), `message ${i}`);
    assert.ok(m.timestamp > 0n && m.originTimestamp > 0n, `message ${i} timestamps`);
  }
  const tail = await client.pollMessages('msgs', 'events', { consumer: 1, partitionId: 0, strategy: Polling.offset(12), count: 2 });
  assert.deepEqual(
    [0, 1].map((i) => messageAt(tail.batch, i).offset),
    [12n, 13n],
  );
  const empty = await client.pollMessages('msgs', 'events', { consumer: 1, partitionId: 0, strategy: Polling.offset(15), count: 10 });
  assert.equal(empty.batch.count, 0);
});

test('messages with id 0 get a random non-zero id', async () => {
  await client.createStream('ids');
  await client.createTopic('ids', 't');
  await client.sendMessages('ids', 't', { kind: 'partition', id: 0 }, [{ payload: Buffer.from('a') }, { payload: Buffer.from('b'), id: 0n }]);
  const polled = await client.pollMessages('ids', 't', { consumer: 1, partitionId: 0, strategy: Polling.first(), count: 10 });
  const [a, b] = [messageAt(polled.batch, 0).id, messageAt(polled.batch, 1).id];
  assert.ok(a !== 0n && b !== 0n && a !== b, `ids ${a} ${b}`);
});

test('sending to an unknown topic or partition fails with the matching status', async () => {
  await assert.rejects(
    client.sendMessages('msgs', 'nope', { kind: 'partition', id: 0 }, inputs(0, 1)),
    (e: unknown) => e instanceof IggyError && e.statusName === 'topic_name_not_found',
  );
  await assert.rejects(
    client.sendMessages('msgs', 'events', { kind: 'partition', id: 9 }, inputs(0, 1)),
    (e: unknown) => e instanceof IggyError && e.statusName === 'partition_not_found',
  );
  await assert.rejects(
    client.pollMessages('nope', 'events', { consumer: 1, partitionId: 0, count: 1 }),
    (e: unknown) => e instanceof IggyError && e.statusName === 'stream_name_not_found',
  );
});

test('balanced sends go round-robin; key sends go to xxh32(key) % partitions', async () => {
  await client.createStream('spread');
  await client.createTopic('spread', 't', { partitions: 3 });
  for (let i = 0; i < 6; i++) await client.sendMessages('spread', 't', { kind: 'balanced' }, inputs(i, 1));
  const key = Buffer.from('customer-42');
  await client.sendMessages('spread', 't', { kind: 'key', key }, inputs(100, 4));
  const expected = xxh32(key, 0) % 3;
  const counts: number[] = [];
  for (let p = 0; p < 3; p++) {
    const polled = await client.pollMessages('spread', 't', { consumer: 1, partitionId: p, strategy: Polling.first(), count: 100 });
    counts.push(polled.batch.count);
  }
  assert.deepEqual(
    counts,
    [0, 1, 2].map((p) => 2 + (p === expected ? 4 : 0)),
  );
});

test('consumer offsets: store, get, poll next continues after it, delete; autoCommit stores too', async () => {
  await client.createStream('offsets');
  await client.createTopic('offsets', 't');
  await client.sendMessages('offsets', 't', { kind: 'partition', id: 0 }, inputs(0, 10));
  assert.equal(await client.getConsumerOffset('offsets', 't', 'reader', 0), undefined);
  await client.storeConsumerOffset('offsets', 't', 'reader', 0, 1n);
  const stored = await client.getConsumerOffset('offsets', 't', 'reader', 0);
  assert.equal(stored?.storedOffset, 1n);
  assert.equal(stored?.currentOffset, 9n);
  const next = await client.pollMessages('offsets', 't', { consumer: 'reader', partitionId: 0, strategy: Polling.next(), count: 3 });
  assert.deepEqual(
    [0, 1, 2].map((i) => messageAt(next.batch, i).offset),
    [2n, 3n, 4n],
  );
  await client.deleteConsumerOffset('offsets', 't', 'reader', 0);
  assert.equal(await client.getConsumerOffset('offsets', 't', 'reader', 0), undefined);
  await assert.rejects(
    client.deleteConsumerOffset('offsets', 't', 'reader', 0),
    (e: unknown) => e instanceof IggyError && e.statusName === 'consumer_offset_not_found',
  );

  const first = await client.pollMessages('offsets', 't', { consumer: 'auto', partitionId: 0, strategy: Polling.next(), count: 4, autoCommit: true });
  assert.equal(first.batch.count, 4);
  assert.equal((await client.getConsumerOffset('offsets', 't', 'auto', 0))?.storedOffset, 3n);
  const second = await client.pollMessages('offsets', 't', { consumer: 'auto', partitionId: 0, strategy: Polling.next(), count: 4, autoCommit: true });
  assert.equal(messageAt(second.batch, 0).offset, 4n);
});

test('consumer groups: create, get, duplicate, join, poll assigned partitions, leave, delete', async () => {
  await client.createStream('groups');
  await client.createTopic('groups', 't', { partitions: 2 });
  await client.sendMessages('groups', 't', { kind: 'partition', id: 0 }, inputs(0, 3));
  await client.sendMessages('groups', 't', { kind: 'partition', id: 1 }, inputs(3, 2));
  const g = await client.createConsumerGroup('groups', 't', 'workers');
  assert.equal(g.group.name, 'workers');
  await assert.rejects(
    client.createConsumerGroup('groups', 't', 'workers'),
    (e: unknown) => e instanceof IggyError && e.statusName === 'consumer_group_name_already_exists',
  );
  assert.equal((await client.getConsumerGroups('groups', 't')).length, 1);
  const group = { kind: 'group', id: 'workers' } as const;
  await assert.rejects(client.pollMessages('groups', 't', { consumer: group, count: 10 }), (e: unknown) => e instanceof IggyError && e.status === 5006);
  await client.joinConsumerGroup('groups', 't', 'workers');
  const details = await client.getConsumerGroup('groups', 't', 'workers');
  assert.equal(details?.members.length, 1);
  assert.deepEqual([...details!.members[0]!.partitions].sort(), [0, 1]);
  assert.equal((await client.getMe()).consumerGroups.length, 1);
  const seen = new Map<number, number>();
  for (let i = 0; i < 2; i++) {
    const polled = await client.pollMessages('groups', 't', { consumer: group, count: 10, strategy: Polling.next(), autoCommit: true });
    seen.set(polled.partitionId, polled.batch.count);
  }
  assert.deepEqual([...seen.entries()].sort(), [
    [0, 3],
    [1, 2],
  ]);
  await client.leaveConsumerGroup('groups', 't', 'workers');
  assert.equal((await client.getConsumerGroup('groups', 't', 'workers'))?.members.length, 0);
  await client.deleteConsumerGroup('groups', 't', 'workers');
  assert.equal(await client.getConsumerGroup('groups', 't', 'workers'), undefined);
});

test('logout ends the session: writes are refused until the next login', async () => {
  const c = new IggyClient(options());
  try {
    await c.connect();
    await c.logout();
    await assert.rejects(c.createStream('after-logout'), (e: unknown) => e instanceof IggyError && e.status === 40);
    await c.login('iggy', 'iggy');
    await c.createStream('after-logout');
  } finally {
    await c.close();
  }
});

test('names the codec cannot encode are refused before anything is sent', async () => {
  await assert.rejects(client.createStream('x'.repeat(256)), (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'IGGY_ARGUMENT');
});

test('consume(): an async iterator that yields every message once, keeps its position without committing, and stops on break or abort', async () => {
  await client.createStream('iter');
  await client.createTopic('iter', 't', { partitions: 2 });
  await client.sendMessages('iter', 't', { kind: 'partition', id: 0 }, inputs(0, 25));
  await client.sendMessages('iter', 't', { kind: 'partition', id: 1 }, inputs(25, 7));

  const seen: bigint[] = [];
  for await (const polled of client.consume('iter', 't', { consumer: 'iterating', partitionId: 0, count: 10, idleMs: 10 })) {
    for (let i = 0; i < polled.batch.count; i++) seen.push(messageAt(polled.batch, i).offset);
    if (seen.length >= 25) break;
  }
  assert.deepEqual(
    seen,
    Array.from({ length: 25 }, (_, i) => BigInt(i)),
  );
  assert.equal(await client.getConsumerOffset('iter', 't', 'iterating', 0), undefined, 'nothing was committed');

  await client.createConsumerGroup('iter', 't', 'iter-group');
  await client.joinConsumerGroup('iter', 't', 'iter-group');
  const ids = new Set<bigint>();
  for await (const polled of client.consume('iter', 't', { consumer: { kind: 'group', id: 'iter-group' }, count: 4, idleMs: 10, start: Polling.first() })) {
    for (let i = 0; i < polled.batch.count; i++) ids.add(messageAt(polled.batch, i).id);
    if (ids.size >= 32) break;
  }
  assert.equal(ids.size, 32, 'every message of both partitions, none twice');
  await client.leaveConsumerGroup('iter', 't', 'iter-group');

  const controller = new AbortController();
  let batches = 0;
  const waiting = (async () => {
    for await (const _ of client.consume('iter', 't', {
      consumer: 'idle',
      partitionId: 0,
      count: 100,
      idleMs: 60_000,
      start: Polling.offset(1_000),
      signal: controller.signal,
    }))
      batches++;
  })();
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  controller.abort();
  await waiting;
  assert.ok(Date.now() - started < 1_000, 'an aborted iterator ends without waiting out its idle time');
  assert.equal(batches, 0);
});
