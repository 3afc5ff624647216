// Iggy's official CLI (iggy-cli 0.14.0) against the dev broker: it creates, sends and polls,
// and what it does is seen by our TS client through the same broker, and the other way round.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { IggyClient, Polling } from '../../runtime/iggy/index.js';
import { encodeUserHeaders, headerEntries, HeaderKind } from '../../runtime/iggy/codec/index.js';
import { messageAt } from '../../runtime/batch/flat-batch.js';
import { silentLogger } from '../../runtime/log/logger.js';
import { cliBinary, runCli } from './peers.js';

let broker: DevBroker;
let client: IggyClient;

before(
  async () => {
    cliBinary(); // installs iggy-cli 0.14.0 when it is not there yet
    broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    client = new IggyClient({ host: '127.0.0.1', port: broker.port, logger: silentLogger(), credentials: { username: 'iggy', password: 'iggy' } });
    await client.connect();
  },
  { timeout: 1_800_000 },
);

after(async () => {
  await client?.close();
  await broker?.close();
});

async function cli(args: readonly string[]): Promise<string> {
  const r = await runCli(broker.port, args);
  assert.equal(r.code, 0, `iggy ${args.join(' ')} exited with ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout + r.stderr;
}

test('the CLI creates a stream and a topic that our client then sees', { timeout: 120_000 }, async () => {
  await cli(['stream', 'create', 'cli-made']);
  await cli(['topic', 'create', 'cli-made', 'orders', '2', 'none']);
  const topic = await client.getTopic('cli-made', 'orders');
  assert.equal(topic?.topic.partitionsCount, 2);
  const listed = await cli(['stream', 'list']);
  assert.match(listed, /cli-made/);
});

test('messages the CLI sends (with headers) are read by our client', { timeout: 120_000 }, async () => {
  await client.createStream('cli-send');
  await client.createTopic('cli-send', 't');
  await cli(['message', 'send', '--partition-id', '0', '-H', 'source:string:cli,n:uint32:7', 'cli-send', 't', 'hello', 'world']);
  const polled = await client.pollMessages('cli-send', 't', { consumer: 1, partitionId: 0, strategy: Polling.first(), count: 10 });
  assert.equal(polled.batch.count, 2);
  assert.deepEqual(
    [0, 1].map((i) => messageAt(polled.batch, i).payload.toString()),
    ['hello', 'world'],
  );
  for (let i = 0; i < 2; i++) {
    const m = messageAt(polled.batch, i);
    assert.notEqual(m.id, 0n, 'the CLI gives each message an id');
    const headers = Object.fromEntries([...headerEntries(m.headers)].map((h) => [h.key.toString(), h]));
    assert.equal(headers.source?.valueKind, HeaderKind.String);
    assert.equal(headers.source?.value.toString(), 'cli');
    assert.equal(headers.n?.valueKind, HeaderKind.Uint32);
    assert.equal(headers.n?.value.readUInt32LE(0), 7);
  }
});

test('messages our client sends are polled by the CLI, headers included', { timeout: 120_000 }, async () => {
  await client.createStream('ts-send');
  await client.createTopic('ts-send', 't');
  const headers = encodeUserHeaders([{ key: 'origin', value: 'ts-client' }]);
  await client.sendMessages('ts-send', 't', { kind: 'partition', id: 0 }, [
    { id: 11n, payload: Buffer.from('first-from-ts'), headers },
    { id: 12n, payload: Buffer.from('second-from-ts'), headers },
  ]);
  const out = await cli(['message', 'poll', '--offset', '0', '--message-count', '10', '--show-headers', 'ts-send', 't', '0']);
  assert.match(out, /first-from-ts/);
  assert.match(out, /second-from-ts/);
  assert.match(out, /ts-client/);
});

test('the CLI reports a duplicate stream as an error', { timeout: 120_000 }, async () => {
  await client.createStream('dup-for-cli');
  const r = await runCli(broker.port, ['stream', 'create', 'dup-for-cli']);
  assert.notEqual(r.code, 0, `expected a failure, got: ${r.stdout}`);
  assert.match(r.stdout + r.stderr, /already exists|1012/i);
});
