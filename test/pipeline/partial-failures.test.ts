// A sink that names single messages as failed (sink-results) gets exactly those
// dead-lettered or offered again, while the rest of the batch commits; misusing the
// import traps or stops the connector. A real JS component through the runtime and
// the dev broker over TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messages } from '../../runtime/batch/flat-batch.js';
import { headerEntries, Polling } from '../../runtime/iggy/codec/index.js';
import type { IggyClient } from '../../runtime/iggy/index.js';
import { DeadLetterHeader } from '../../runtime/pipeline/dead-letter.js';
import { brokerWithClient } from '../helpers/iggy.js';
import { fixturePath } from '../helpers/paths.js';
import { eventually, startRuntime, runtimeHeader, type RuntimeProcess } from '../helpers/runtime-process.js';

const STREAM = 'partial';

async function setUp(t: { after: (fn: () => Promise<void>) => void }, count: number, config: string, errors = '') {
  const { broker, client } = await brokerWithClient(t);
  const dir = await mkdtemp(join(tmpdir(), 'partial-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await client.createStream(STREAM);
  await client.createTopic(STREAM, 't');
  await client.sendMessages(
    STREAM,
    't',
    { kind: 'partition', id: 0 },
    Array.from({ length: count }, (_, i) => ({ payload: Buffer.from(JSON.stringify({ i })) })),
  );
  const toml = `
${runtimeHeader(broker.port, dir)}
[sinks.under_test]
path = "${fixturePath('partial-sink')}"
[[sinks.under_test.streams]]
stream = "${STREAM}"
topics = ["t"]
schema = "json"
batch_size = 10
poll_interval = "5ms"
consumer_group = "g"
[sinks.under_test.errors]
on_permanent = "dead_letter"
dead_letter = { stream = "dlq", topic = "t" }
retry_initial = "10ms"
retry_max = "20ms"
${errors}
[sinks.under_test.config]
${config}
`;
  const runtime = await startRuntime(dir, toml);
  t.after(() => runtime.stop('SIGKILL').then(() => undefined));
  return { client, runtime };
}

const storedOffset = async (client: IggyClient): Promise<bigint | undefined> =>
  (await client.getConsumerOffset(STREAM, 't', { kind: 'group', id: 'g' }, 0))?.storedOffset;

async function deadLetters(client: IggyClient): Promise<{ i: number; reason: string; offset: string }[]> {
  const polled = await client.pollMessages('dlq', 't', { consumer: 'inspect', partitionId: 0, strategy: Polling.first(), count: 1000 }).catch(() => undefined);
  if (!polled) return [];
  return [...messages(polled.batch)].map((m) => {
    const h = Object.fromEntries([...headerEntries(m.headers)].map((e) => [e.key.toString(), e.value.toString()]));
    return { i: (JSON.parse(m.payload.toString()) as { i: number }).i, reason: h[DeadLetterHeader.reason], offset: h[DeadLetterHeader.offset] };
  });
}

/** The offsets of each "accepted ..." line the fixture printed, one array per consume call. */
function accepted(runtime: RuntimeProcess): number[][] {
  return runtime.logs
    .filter((l) => l.origin === 'guest' && typeof l.msg === 'string' && l.msg.startsWith('accepted'))
    .flatMap((l) => String(l.msg).split('\n'))
    .map((line) => (line.slice('accepted '.length) === '' ? [] : line.slice('accepted '.length).split(',').map(Number)));
}

test('named failures: permanent ones are dead-lettered alone, transient ones offered again alone, names from a call that failed as a whole are dropped, the offset moves on', async (t) => {
  const total = 30;
  const { client, runtime } = await setUp(t, total, 'permanent_every = 4\ntransient_every = 4\nmisuse = "then-transient"');
  await eventually(
    async () => ((await storedOffset(client)) === BigInt(total - 1) ? true : undefined),
    60_000,
    `offset ${total - 1} stored`,
    () => runtime.tail(),
  );
  const dead = await deadLetters(client);
  const refused = Array.from({ length: total }, (_, i) => i).filter((i) => i % 4 === 0);
  assert.deepEqual(
    dead.map((d) => d.i),
    refused,
    'exactly the permanent failures, once each (the first call named every message and then failed: those names were dropped)',
  );
  for (const d of dead) {
    assert.equal(d.reason, `partial-sink: offset ${d.i} refused`);
    assert.equal(d.offset, String(d.i));
  }
  await eventually(
    () => (accepted(runtime).flat().length >= total - refused.length ? true : undefined),
    10_000,
    'every accepted line in the log',
    () => runtime.tail(),
  );
  const calls = accepted(runtime);
  const busy = Array.from({ length: total }, (_, i) => i).filter((i) => i % 4 === 1);
  assert.deepEqual(
    calls.flat().sort((a, b) => a - b),
    Array.from({ length: total }, (_, i) => i).filter((i) => i % 4 !== 0),
    'every other message was accepted exactly once',
  );
  // Each batch of 10: a call with its messages (minus the busy and refused ones), then a call with only its busy ones.
  const reoffers = calls.filter((c) => c.length > 0 && c.every((o) => busy.includes(o)));
  assert.deepEqual(reoffers, [
    [1, 5, 9],
    [13, 17],
    [21, 25, 29],
  ]);
  const retried = runtime.logs.filter((l) => String(l.msg).includes('offering them again'));
  assert.equal(retried.length, 3);
  assert.equal(await runtime.stop('SIGTERM'), 0);
});

test('naming an entry outside the batch traps: the connector restarts and the offset is not stored', async (t) => {
  const { client, runtime } = await setUp(t, 10, 'misuse = "out-of-range"');
  const trap = await runtime.waitForLog((l) => (l.err as { code?: string } | undefined)?.code === 'GUEST_TRAP', 60_000, 'the trap');
  assert.match(String((trap.err as { message?: string }).message), /fail-messages named entry 10 of a batch of 10 message\(s\)/);
  assert.equal(await storedOffset(client), undefined);
  assert.deepEqual(await deadLetters(client), []);
});

test('a message named as invalid-config stops the connector without storing the offset', async (t) => {
  const { client, runtime } = await setUp(t, 10, 'misuse = "invalid-config"');
  const stopped = await runtime.waitForLog(
    (l) => (l.err as { code?: string } | undefined)?.code === 'CONNECTOR_INVALID_CONFIG',
    60_000,
    'the connector to stop as misconfigured',
  );
  assert.match(String((stopped.err as { message?: string }).message), /message at offset 0: this message names a table that does not exist/);
  assert.equal(await storedOffset(client), undefined);
  assert.deepEqual(await deadLetters(client), []);
});

test('fail-messages outside consume traps in open', async (t) => {
  const { runtime } = await setUp(t, 1, 'misuse = "in-open"');
  const trap = await runtime.waitForLog((l) => (l.err as { code?: string } | undefined)?.code === 'GUEST_TRAP', 60_000, 'the trap in open');
  assert.match(String((trap.err as { message?: string }).message), /fail-messages was called outside consume/);
});
