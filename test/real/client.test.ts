// Every request the runtime makes, against Apache Iggy's own server: the
// assumptions a dev broker of our own cannot catch (options the server does not
// know, partition counts, group assignment, tokens, an idle connection past the
// server's heartbeat window).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { payloadOf } from '../../runtime/batch/flat-batch.js';
import { IggyClient, IggyError, Polling } from '../../runtime/iggy/index.js';
import { classifyFailure } from '../../runtime/pipeline/failure.js';
import { withRealServer } from '../helpers/iggy-target.js';

const silent = pino({ level: 'silent' });
const json = (i: number): Buffer => Buffer.from(JSON.stringify({ i }));

withRealServer(import.meta.url, (target) => {
  test('streams, topics of several partitions, send, poll, offsets and groups: each request the runtime makes', async () => {
    const client = await target().client();
    const stream = target().name('req');
    await client.ping();
    await client.getStats();
    await client.getMe();
    await client.createStream(stream);
    assert.equal((await client.getStream(stream))?.stream.name, stream);
    assert.ok((await client.getStreams()).some((s) => s.name === stream));
    assert.equal(
      await client.getTopic(stream, 'missing').catch((e: unknown) => (e instanceof IggyError ? e.status : e)),
      undefined,
      'a missing topic reads as undefined',
    );

    const created = await client.createTopic(stream, 'three', { partitions: 3 });
    assert.equal(created.topic.partitionsCount, 3);
    assert.equal((await client.getTopic(stream, 'three'))?.topic.partitionsCount, 3);
    for (let p = 0; p < 3; p++)
      await client.sendMessages(
        stream,
        'three',
        { kind: 'partition', id: p },
        Array.from({ length: 10 }, (_, i) => ({ payload: json(p * 100 + i) })),
      );
    await client.sendMessages(stream, 'three', { kind: 'balanced' }, [{ payload: json(1000) }]);
    await client.sendMessages(stream, 'three', { kind: 'key', key: Buffer.from('k') }, [{ payload: json(1001) }]);
    const first = await client.pollMessages(stream, 'three', { consumer: 'c', partitionId: 1, strategy: Polling.first(), count: 5 });
    assert.deepEqual(
      Array.from({ length: first.batch.count }, (_, i) => JSON.parse(payloadOf(first.batch, i).toString()).i),
      [100, 101, 102, 103, 104],
    );

    await client.storeConsumerOffset(stream, 'three', 'c', 1, 4n);
    assert.equal((await client.getConsumerOffset(stream, 'three', 'c', 1))?.storedOffset, 4n);
    const next = await client.pollMessages(stream, 'three', { consumer: 'c', partitionId: 1, count: 100 });
    assert.equal(JSON.parse(payloadOf(next.batch, 0).toString()).i, 105, 'next polls after the stored offset');
    await client.deleteConsumerOffset(stream, 'three', 'c', 1);
    assert.equal(await client.getConsumerOffset(stream, 'three', 'c', 1), undefined);

    await client.createConsumerGroup(stream, 'three', 'g');
    assert.equal((await client.getConsumerGroup(stream, 'three', 'g'))?.group.name, 'g');
    await client.joinConsumerGroup(stream, 'three', 'g');
    const assignment = await client.syncConsumerGroup(stream, 'three', 'g');
    assert.deepEqual([...(assignment?.partitions ?? [])].sort(), [0, 1, 2], 'a lone member owns every partition');
    let seen = 0;
    for (let i = 0; i < 6; i++) {
      const polled = await client.pollMessages(stream, 'three', { consumer: { kind: 'group', id: 'g' }, count: 100 });
      seen += polled.batch.count;
      if (polled.batch.count > 0)
        await client.storeConsumerOffset(
          stream,
          'three',
          { kind: 'group', id: 'g' },
          polled.partitionId,
          BigInt(polled.batch.count - 1) + polled.batch.index.readBigUInt64LE(0),
        );
    }
    assert.equal(seen, 32, 'the group polled every message of the three partitions once');
    await client.leaveConsumerGroup(stream, 'three', 'g');
    await client.deleteConsumerGroup(stream, 'three', 'g');
    await client.deleteTopic(stream, 'three');
    await client.deleteStream(stream);
  });

  test('requests of different planes in flight at once: the server answers them out of order, each still gets its own reply', async () => {
    const client = await target().client();
    const stream = target().name('mixed');
    await client.createStream(stream);
    await client.createTopic(stream, 't');
    await client.sendMessages(stream, 't', { kind: 'partition', id: 0 }, [{ payload: json(0) }]);
    for (let round = 0; round < 30; round++) {
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 4; i++) {
        calls.push(client.sendMessages(stream, 't', { kind: 'partition', id: 0 }, [{ payload: json(round) }]));
        calls.push(client.ping());
        calls.push(client.getConsumerOffset(stream, 't', 'c', 0));
        calls.push(client.storeConsumerOffset(stream, 't', 'c', 0, 0n));
        calls.push(client.pollMessages(stream, 't', { consumer: 'c', partitionId: 0, strategy: Polling.first(), count: 1 }));
      }
      const results = await Promise.allSettled(calls);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String((r.reason as Error).message));
      assert.deepEqual(failed, [], `round ${round}`);
    }
  });

  test('topic options: none by default; a key the server knows is taken; an unknown one is refused with 4041 naming what was sent', async () => {
    const client = await target().client();
    const stream = target().name('opts');
    await client.createStream(stream);
    await client.createTopic(stream, 'known', { options: { messageExpiry: 3_600_000_000n } });
    const refused = await client.createTopic(stream, 'unknown', { options: { durability: 'replicated' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(refused instanceof IggyError, `expected an IggyError, got ${String(refused)}`);
    assert.equal(refused.status, 4041);
    assert.match(refused.message, /sent the topic option key\(s\) durability/);
    assert.match(refused.message, /Remove that key from CreateTopicOptions\.options, or use a server that knows it/);
    assert.equal(classifyFailure(refused).restart, false, 'a restart cannot heal 4041');
    assert.equal(await client.getTopic(stream, 'unknown'), undefined, 'nothing was created');
  });

  test('a personal access token created through the client logs in; deleted, it is refused as not restartable', async () => {
    const admin = await target().client();
    const name = target().name('pat');
    const token = await admin.createPersonalAccessToken(name);
    assert.ok(token.length > 0);
    const withToken = new IggyClient({ host: target().host, port: target().port, credentials: { token }, logger: silent });
    await withToken.connect();
    await withToken.ping();
    assert.ok((await withToken.getStreams()).length >= 0, 'the token session can read');
    await withToken.close();

    await admin.deletePersonalAccessToken(name);
    const refused = new IggyClient({ host: target().host, port: target().port, credentials: { token }, logger: silent, reconnect: { enabled: false } });
    const error = await refused.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await refused.close();
    assert.ok(error instanceof IggyError, `a deleted token must be refused, got ${String(error)}`);
    assert.equal(classifyFailure(error).restart, false, `${error.message} is not healed by a restart`);
  });

  test('a connection idle for longer than the server heartbeat window (36 s) stays usable: the client pings', async () => {
    const client = await target().client();
    const stream = target().name('idle');
    await client.createStream(stream);
    const session = client.currentSession;
    // The condition under test is the idle time itself; nothing is asserted about speed.
    await new Promise((r) => setTimeout(r, 40_000));
    await client.createTopic(stream, 't');
    assert.equal(client.currentSession, session, 'the same session: the server never dropped the client');
  });
});
