// The client across a broker restart: a producer keeps sending while the broker (with a data
// dir) is closed and started again on the same port; the client reconnects, logs in again,
// rejoins its consumer group, and nothing acknowledged is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { IggyClient, isRetryable, Polling } from '../../runtime/iggy/index.js';
import { messageAt, type MessageInput } from '../../runtime/batch/flat-batch.js';
import { silentLogger } from '../../runtime/log/logger.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('broker restarted mid-stream: the client reconnects, re-logs in, rejoins its group; no acknowledged message is lost', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'iggy-reconnect-'));
  let broker: DevBroker = await startDevBroker({ host: '127.0.0.1', port: 0, dataDir, logger: silentLogger() });
  const port = broker.port;
  const client = new IggyClient({
    host: '127.0.0.1',
    port,
    logger: silentLogger(),
    credentials: { username: 'iggy', password: 'iggy' },
    requestTimeoutMs: 5_000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
  });
  try {
    await client.connect();
    await client.createStream('restart');
    await client.createTopic('restart', 'events');
    await client.createConsumerGroup('restart', 'events', 'g');
    await client.joinConsumerGroup('restart', 'events', 'g');
    const sessionBefore = client.currentSession;

    // Producer: batches of 100 with ids that say which batch and message they are.
    const acknowledged = new Set<bigint>();
    let retried = 0;
    let stop = false;
    const producer = (async () => {
      for (let b = 0; !stop && b < 10_000; b++) {
        const batch: MessageInput[] = Array.from({ length: 100 }, (_, i) => ({ id: BigInt(b * 100 + i + 1), payload: Buffer.from(`b${b}m${i}`) }));
        for (;;) {
          try {
            await client.sendMessages('restart', 'events', { kind: 'partition', id: 0 }, batch);
            for (const m of batch) acknowledged.add(m.id!);
            break;
          } catch (error) {
            if (!isRetryable(error)) throw error;
            retried++;
            await sleep(20);
          }
        }
      }
    })();

    await waitFor(() => acknowledged.size >= 2_000, 'the producer to get going');
    await broker.close();
    await sleep(300);
    broker = await startDevBroker({ host: '127.0.0.1', port, dataDir, logger: silentLogger() });
    await waitFor(() => client.state === 'ready' && acknowledged.size >= 6_000, 'sends after the restart');
    stop = true;
    await producer;

    assert.ok(retried > 0 || client.currentSession !== sessionBefore, 'the restart must have been noticed');
    assert.notEqual(client.currentSession, sessionBefore, 'a new login must have happened');
    const me = await client.getMe();
    assert.equal(me.consumerGroups.length, 1, 'the client must have rejoined its consumer group');

    // Every acknowledged id is in the partition, in send order (a send whose reply was lost may
    // have been applied and then retried: duplicates are allowed, gaps are not).
    const found = new Set<bigint>();
    let previous = 0n;
    let offset = 0n;
    for (;;) {
      const polled = await client.pollMessages('restart', 'events', { consumer: 'checker', partitionId: 0, strategy: Polling.offset(offset), count: 5_000 });
      if (polled.batch.count === 0) break;
      for (let i = 0; i < polled.batch.count; i++) {
        const m = messageAt(polled.batch, i);
        assert.equal(m.offset, offset, 'offsets are contiguous');
        assert.ok(m.id >= previous - 100n, `id ${m.id} after ${previous}: order broken beyond one retried batch`);
        previous = m.id > previous ? m.id : previous;
        found.add(m.id);
        offset++;
      }
    }
    const missing = [...acknowledged].filter((id) => !found.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged messages are missing`);
  } finally {
    await client.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('requests issued while reconnecting wait for the reconnect (bounded by their timeout)', async () => {
  let broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  const port = broker.port;
  const client = new IggyClient({
    host: '127.0.0.1',
    port,
    logger: silentLogger(),
    credentials: { username: 'iggy', password: 'iggy' },
    reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
  });
  try {
    await client.connect();
    await broker.close();
    await waitFor(() => client.state === 'reconnecting', 'the loss to be seen');
    // Short timeout while the broker is down: a timeout error, not a hang.
    await assert.rejects(client.ping({ timeoutMs: 100 }), (e: unknown) => (e as { code?: string }).code === 'IGGY_TIMEOUT');
    const waiting = client.getStreams({ timeoutMs: 5_000 });
    await sleep(100);
    broker = await startDevBroker({ host: '127.0.0.1', port, logger: silentLogger() });
    assert.ok(Array.isArray(await waiting));
  } finally {
    await client.close();
    await broker.close();
  }
});

test('a consumer group that is gone after a restart is forgotten, not fatal: the client comes back ready', async () => {
  let broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  const port = broker.port;
  const client = new IggyClient({
    host: '127.0.0.1',
    port,
    logger: silentLogger(),
    credentials: { username: 'iggy', password: 'iggy' },
    reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
  });
  try {
    await client.connect();
    await client.createStream('volatile');
    await client.createTopic('volatile', 't');
    await client.createConsumerGroup('volatile', 't', 'g');
    await client.joinConsumerGroup('volatile', 't', 'g');
    // An in-memory broker forgets everything on restart: the rejoin is refused (stream not found).
    const sessionBefore = client.currentSession;
    await broker.close();
    await waitFor(() => client.state === 'reconnecting', 'the loss to be seen');
    broker = await startDevBroker({ host: '127.0.0.1', port, logger: silentLogger() });
    await waitFor(() => client.state === 'ready', 'the reconnect');
    assert.notEqual(client.currentSession, sessionBefore);
    await client.ping();
    assert.equal(client.state, 'ready');
    assert.equal((await client.getMe()).consumerGroups.length, 0);
    // Creating and joining again works as usual.
    await client.createStream('volatile');
    await client.createTopic('volatile', 't');
    await client.createConsumerGroup('volatile', 't', 'g');
    await client.joinConsumerGroup('volatile', 't', 'g');
    assert.equal((await client.getMe()).consumerGroups.length, 1);
  } finally {
    await client.close();
    await broker.close();
  }
});
